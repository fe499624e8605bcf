"""Canonical URLs: the same article reached through tracking links is one article."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "hsa_", "_hs")
_TRACKING_KEYS = {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "igshid", "igsh", "msclkid", "yclid",
                  "twclid", "ttclid", "li_fat_id", "mkt_tok", "_ga", "_gl", "ref_src", "ref_url",
                  "cmpid", "wt_mc", "ncid", "sr_share", "si", "oly_enc_id", "oly_anon_id", "vero_id"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(key: str) -> bool:
    low = key.lower()
    return low in _TRACKING_KEYS or low.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    sorted query, no trailing slash on paths. `http` and `https` are folded together."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url.strip()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit(("https", netloc, path, urlencode(sorted(query)), ""))
