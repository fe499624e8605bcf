"""Links: which may be shown (`safe_url`), how relative ones resolve (`resolve_link`), and
canonical URLs (the same article reached through tracking links is one article)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "hsa_", "_hs")
_TRACKING_KEYS = {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "igshid", "igsh", "msclkid", "yclid",
                  "twclid", "ttclid", "li_fat_id", "mkt_tok", "_ga", "_gl", "ref_src", "ref_url",
                  "cmpid", "wt_mc", "ncid", "sr_share", "si", "oly_enc_id", "oly_anon_id", "vero_id"}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WEB_PREFIXES = ("http://", "https://")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_QUOTED = str.maketrans({c: f"%{ord(c):02X}" for c in ' "<>\\`{}|^'})


def safe_url(url: str | None) -> str:
    """`url` when it is an absolute http(s) address fit for any output, else "".

    The one check every output relies on: an item's page button, the digest, alerts,
    `/feed.xml` and the exports show only what passes here, so a `javascript:`, `data:`
    or `vbscript:` link (or one hidden behind whitespace or control characters) never
    reaches a reader. Characters that would end an attribute, a Markdown link or a line
    of a text mail are percent-encoded, as browsers do.
    """
    if not url or not url[:8].lower().startswith(_WEB_PREFIXES) or _CONTROL_CHARS.search(url):
        return ""
    try:
        if not urlsplit(url).hostname:
            return ""
    except ValueError:
        return ""
    return url.translate(_QUOTED)


def resolve_link(href: str | None, base: str | None) -> str:
    """An item's link made absolute as feedparser would (against `xml:base`, the document's
    address after redirects), and kept only when it is a web address (see `safe_url`)."""
    href = (href or "").strip()
    if not href:
        return ""
    if base and not href[:8].lower().startswith(_WEB_PREFIXES):
        try:
            href = urljoin(base, href)
        except ValueError:
            return ""
    return safe_url(href)


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
