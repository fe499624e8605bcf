"""The demo's sample sources as real RSS 2.0 and Atom documents, dated relative to now,
and its watched pages as HTML in two versions (the second one is the change to see)."""

from __future__ import annotations

import email.utils
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape as html_escape
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ruamel.yaml import YAML

from monitor.clock import utcnow

SAMPLES = Path(__file__).resolve().parent / "samples.yaml"
PAGES = Path(__file__).resolve().parent / "pages.yaml"


@dataclass
class SampleSource:
    name: str
    slug: str
    format: str
    category: str
    language: str
    platforms: list[str] = field(default_factory=list)
    broken: bool = False
    items: list[dict] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/feeds/{self.slug}.{'atom' if self.format == 'atom' else 'xml'}"


def load_samples(path: Path = SAMPLES) -> list[SampleSource]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [SampleSource(**src) for src in data["sources"]]


@dataclass
class SamplePage:
    """A watched page (`kind: page`) whose text changes between the demo's two cycles."""
    name: str
    slug: str
    category: str
    language: str
    title: str
    versions: list[dict]
    platforms: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/pages/{self.slug}.html"


def load_pages(path: Path = PAGES) -> list[SamplePage]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [SamplePage(**page) for page in data["pages"]]


def render_page(page: SamplePage, version: int) -> bytes:
    """One version of a watched page as a real site serves it: navigation, a cookie note,
    a "last updated" stamp and a footer around the document, which Lagebild leaves out."""
    shown = page.versions[min(version, len(page.versions) - 1)]
    sections = "".join(
        f"<section><h2>{html_escape(part['heading'])}</h2>"
        + "".join(f"<p>{html_escape(text)}</p>" for text in part["text"]) + "</section>\n"
        for part in shown["sections"])
    return (f'<!doctype html>\n<html lang="{page.language}"><head><meta charset="utf-8">'
            f"<title>{html_escape(page.title)}</title></head><body>\n"
            '<nav><a href="/">Home</a> <a href="/help">Help</a> <a href="/login">Sign in</a></nav>\n'
            '<div class="cookie-banner">We use cookies. <button>Accept</button></div>\n'
            f"<main><h1>{html_escape(page.title)}</h1>\n<p>Last updated: {html_escape(shown['updated'])}</p>\n"
            f"{sections}</main>\n"
            "<footer>Lagebild demo page: a fictional text written for the demo.</footer>\n"
            "</body></html>\n").encode()


def render(source: SampleSource, base: str, now: datetime | None = None) -> bytes:
    now = (now or utcnow()).replace(microsecond=0)
    entries = [(item, now - timedelta(hours=float(item["age_hours"]))) for item in source.items]
    entries.sort(key=lambda pair: pair[1], reverse=True)
    return (_atom if source.format == "atom" else _rss)(source, entries, base, now).encode("utf-8")


def _link(base: str, item: dict) -> str:
    return f"{base}/articles/{item['id']}"


def _rss(source: SampleSource, entries: Iterable[tuple[dict, datetime]], base: str, now: datetime) -> str:
    items = "".join(
        f"<item><title>{escape(item['title'])}</title><link>{_link(base, item)}</link>"
        f"<guid isPermaLink=\"true\">{_link(base, item)}</guid>"
        f"<pubDate>{email.utils.format_datetime(when, usegmt=True)}</pubDate>"
        f"<description>{escape(item.get('summary', ''))}</description></item>\n"
        for item, when in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(source.name)}</title><link>{base}/</link><language>{source.language}</language>"
            f"<description>Lagebild demo source</description>"
            f"<lastBuildDate>{email.utils.format_datetime(now, usegmt=True)}</lastBuildDate>\n"
            f"{items}</channel></rss>\n")


def _atom(source: SampleSource, entries: Iterable[tuple[dict, datetime]], base: str, now: datetime) -> str:
    parts = "".join(
        f"<entry><title>{escape(item['title'])}</title><id>{_link(base, item)}</id>"
        f"<link rel=\"alternate\" href={quoteattr(_link(base, item))}/>"
        f"<published>{when.isoformat()}</published><updated>{when.isoformat()}</updated>"
        f"<summary type=\"html\">{escape(item.get('summary', ''))}</summary></entry>\n"
        for item, when in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            f'xml:lang="{source.language}"><title>{escape(source.name)}</title><id>{base}{source.path}</id>'
            f"<updated>{now.isoformat()}</updated>\n{parts}</feed>\n")
