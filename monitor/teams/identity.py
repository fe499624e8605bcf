"""A source's identity: what is fetched, not what a team calls it.

Two teams that configure the same feed under different names, categories or intervals
share one `sources` row and one fetch. The key is a hash of the normalised URL, the kind
and the options that change the request or the parse (a page's selectors, the parts
removed, the noise ignored, its variants, the legal flag). Everything a team may choose
for itself (name, category, platforms, language, note, enabled) is left out.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

if TYPE_CHECKING:
    from monitor.config import Source

DEFAULT_PORTS = {"http": 80, "https": 443}
# The Source fields that change what is requested or how the answer is read (see monitor.config.Source).
FETCH_OPTIONS = ("selectors", "select", "remove", "ignore", "variant", "legal")


def normalise_url(url: str) -> str:
    """The URL as it is requested, written one way: scheme and host lowercased (Unicode hosts as
    IDNA), the default port dropped, the fragment dropped (never sent), the path's escapes and
    dot segments settled and the query arguments sorted (w3lib's canonical form, Scrapy's own)."""
    canonical = canonicalize_url(url.strip(), keep_fragments=False)
    parts = urlsplit(canonical)
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port is not None and parts.port != DEFAULT_PORTS.get(parts.scheme.lower()) else None
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (userinfo + "@" if userinfo else "") + (f"[{host}]" if ":" in host else host)
    netloc += f":{port}" if port is not None else ""
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def fetch_key(source: Source) -> str:
    """sha256 of the normalised URL, the kind and the fetch options, as 64 hex digits."""
    options = {name: getattr(source, name) for name in FETCH_OPTIONS}
    options["selectors"] = source.selectors.model_dump() if source.selectors is not None else None
    material = json.dumps([normalise_url(source.url), source.kind, options], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(material.encode()).hexdigest()
