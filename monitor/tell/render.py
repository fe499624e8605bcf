"""Rendering shared by alerts and the digest: templates, labels, shortening, Markdown escapes.

One place, so an alert and the digest spell a platform, a tag order or a shortened
summary the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from classifiers.labels import TAG_DISPLAY_ORDER, platform_label  # noqa: F401 - platform_label re-exported
from monitor.config import Config
from monitor.i18n import Translator

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"


ORDER = TAG_DISPLAY_ORDER   # what a team must see first


def translator(config: Config) -> Translator:
    return Translator(config.settings.language, config.settings.timezone)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word where possible."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ""
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut).rstrip(" ,.;:") + "…"


@lru_cache(maxsize=1)
def alert_env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.do"])
    env.filters["platform"] = platform_label
    env.filters["mdtext"] = md_text
    env.filters["mdurl"] = md_url
    return env


def md_text(text: str) -> str:
    """Feed text (a title, a summary, a source's name) as Markdown that shows it and nothing else.

    A feed's author writes it, so it must not become markup in the team's chat or, through
    apprise's Markdown-to-HTML step, in an alert e-mail: HTML (a `javascript:` link, a tracking
    pixel) turns into entities, and the characters that start Markdown's emphasis, code, links
    and images are escaped; so are a heading's or a list's marker at the start. One line: a line
    break would end the quote a summary stands in, or start a list."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_NUMBERED.sub(r"\1\\\2", text)          # "1. Punkt" -> "1\. Punkt"
    return _MD_MARKER.sub(r"\\\1", text)


_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_NUMBERED = re.compile(r"^(\d+)([.)])")
_MD_MARKER = re.compile(r"^([#+-])")


def md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
