"""Watched pages, second half: versions kept, changes reported, in the parent process.

Each snapshot the crawl brings is compared with the page's latest stored version; a
new version becomes one change item (added and removed sentences, an ins/del diff).
A change whose item a crashed run never stored is reported again on the next fetch
(same guid, so never twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.clock import utcnow
from monitor.item import SNAPSHOT, Item  # noqa: F401 - SNAPSHOT is part of this module's interface
from monitor.watch.page_diff import change_summary, sentence_diff, text_hash

if TYPE_CHECKING:
    from monitor.store import PageVersion, Store


def apply_snapshots(store: Store, items: Sequence[Item], now: datetime | None = None, *,
                    language: str = "en") -> list[Item]:
    """Items with every snapshot replaced by its change item, or dropped when nothing changed.

    Versions are stored here. A change whose item a crashed run never stored is
    reported again on the next fetch (same guid, so never twice).
    """
    now = now or utcnow()
    out: list[Item] = []
    for item in items:
        if item.kind != SNAPSHOT:
            out.append(item)
            continue
        try:
            change = _watch(store, item, now, language)
        except KeyError:        # a source no longer in the store: nothing to compare with
            continue
        if change is not None:
            out.append(change)
    return out


def _watch(store: Store, snap: Item, now: datetime, language: str) -> Item | None:
    latest = store.latest_version(snap.source)
    if latest is None:
        store.add_version(snap.source, snap.summary, now)   # the baseline: nothing to report
        return None
    if latest.text_hash != text_hash(snap.summary):
        return change_item(snap, latest, store.add_version(snap.source, snap.summary, now), language)
    if latest.item_id is not None:
        return None
    previous = store.previous_version(snap.source, latest.id)
    if previous is None:
        return None
    stored = store.stored_item_id(snap.source, _fingerprint(snap, latest.id))
    if stored is not None:
        store.link_version(latest.id, stored)
        return None
    return change_item(snap, previous, latest, language)


def change_guid(url: str, version_id: int) -> str:
    return f"{url}#version-{version_id}"


def _fingerprint(snap: Item, version_id: int) -> str:
    return Item(source=snap.source, title="", url=snap.url, guid=change_guid(snap.url, version_id)).fingerprint


def change_item(snap: Item, old: PageVersion, new: PageVersion, language: str = "en") -> Item | None:
    """The change between two stored versions as an Item (None when no sentence differs)."""
    diff = sentence_diff(old.text, new.text)
    if not diff.changed:
        return None
    title = ("Geändert: " if language == "de" else "Changed: ") + (snap.title or snap.source)
    return Item(source=snap.source, title=title, url=snap.url, summary=change_summary(diff, language),
                content_html=diff.html, published=new.fetched, guid=change_guid(snap.url, new.id),
                lang=snap.lang, platforms=list(snap.platforms), kind="change",
                canonical_url=snap.canonical_url)
