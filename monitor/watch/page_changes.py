"""Watched pages, second half: versions kept, changes reported, in the parent process.

Each snapshot the crawl brings is compared with the page's stored versions:

- the same text as the latest version: nothing (unless that version's change item was
  never stored: a crashed run's change is reported again, same guid, so never twice);
- the same text as any earlier version: nothing. Pages that serve one of several
  versions (Facebook's EU and US terms by region, A/B tests) flip between texts seen
  before; a flip is not a change, and no version is stored for it;
- a new text: stored, and reported as one change item against the most alike of the
  recent versions (so a change to the EU terms is shown against the EU terms, not
  against the US text that happened to be served last). With `variant:` hints, it is
  compared with the same variant only, and a variant's first text is its baseline;
- unless every sentence it adds or drops has come or gone that way before, between two
  stored versions: the US text catching up with a change already reported on the EU
  text, or an A/B test's extra paragraph showing again on top of a later change. A
  sentence never seen, or one leaving for the first time, is always a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING

from monitor.clock import utcnow
from monitor.item import SNAPSHOT, Item  # noqa: F401 - SNAPSHOT is part of this module's interface
from monitor.watch.page_diff import change_summary, sentence_diff, sentences, text_hash
from monitor.watch.page_names import change_title
from monitor.watch.page_text import split_variant

if TYPE_CHECKING:
    from monitor.store import PageVersion, Store
    from monitor.watch.page_diff import TextDiff

RECENT = 30          # versions a new text is compared with, and whose history of sentences is known


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
    digest = text_hash(snap.summary)
    latest = store.latest_version(snap.source)
    if latest is None:
        store.settle_version(store.add_version(snap.source, snap.summary, now).id)   # the baseline
        return None
    if latest.text_hash == digest:
        return _unreported(store, snap, latest, language)
    if store.version_with_hash(snap.source, digest) is not None:
        return None     # back to a text seen before: another variant of the page, not a change
    recent = store.recent_versions(snap.source, RECENT)
    new = store.add_version(snap.source, snap.summary, now)
    change = _report(snap, recent, new, language)
    if change is None:
        store.settle_version(new.id)
    return change


def _unreported(store: Store, snap: Item, latest: PageVersion, language: str) -> Item | None:
    """The latest version's change again, when a crashed run stored the version but not its item."""
    if latest.item_id is not None:
        return None
    change = _report(snap, store.recent_versions(snap.source, RECENT, before=latest.id), latest, language)
    if change is None:
        store.settle_version(latest.id)
        return None
    stored = store.stored_item_id(snap.source, _fingerprint(snap, latest.id))
    if stored is not None:
        store.link_version(latest.id, stored)
        return None
    return change


def _report(snap: Item, recent: Sequence[PageVersion], new: PageVersion, language: str) -> Item | None:
    """The change item for version `new`, given the versions stored before it (newest first)."""
    base = base_version(recent, new.text)
    if base is None:
        return None
    diff = sentence_diff(split_variant(base.text)[1], split_variant(new.text)[1])
    if not diff.changed or _seen_before(diff, recent):
        return None
    return change_item(snap, base, new, language, diff)


def _seen_before(diff: TextDiff, recent: Sequence[PageVersion]) -> bool:
    """Did every added sentence appear, and every removed one disappear, between two stored versions already?

    Between two versions of the same variant, when the page names its variants: the
    EU text leaving a clause that only the US text has is no precedent for the EU text
    dropping it."""
    lineages: dict[str | None, list[set[str]]] = {}
    for version in reversed(recent):
        variant, body = split_variant(version.text)
        lineages.setdefault(variant, []).append(set(sentences(body)))
    appeared: set[str] = set()
    gone: set[str] = set()
    for texts in lineages.values():
        for before, after in pairwise(texts):
            appeared |= after - before
            gone |= before - after
    return set(diff.added) <= appeared and set(diff.removed) <= gone


def base_version(versions: Sequence[PageVersion], text: str) -> PageVersion | None:
    """The stored version `text` changed from: the most alike (ties: the newest) of `versions`.

    When the page names its variants (`variant:`), only versions of the same variant
    count, and None means this is the variant's first text: its baseline."""
    variant, body = split_variant(text)
    if variant is not None:
        versions = [v for v in versions if split_variant(v.text)[0] == variant]
    if not versions:
        return None
    lines = set(body.splitlines())
    return max(versions, key=lambda v: (_likeness(lines, split_variant(v.text)[1]), v.id))


def _likeness(lines: set[str], other: str) -> float:
    theirs = set(other.splitlines())
    return len(lines & theirs) / max(len(lines | theirs), 1)


def change_guid(url: str, version_id: int) -> str:
    return f"{url}#version-{version_id}"


def _fingerprint(snap: Item, version_id: int) -> str:
    return Item(source=snap.source, title="", url=snap.url, guid=change_guid(snap.url, version_id)).fingerprint


def change_item(snap: Item, old: PageVersion, new: PageVersion, language: str = "en",
                diff: TextDiff | None = None) -> Item | None:
    """The change between two stored versions as an Item (None when no sentence differs).

    Its title names the document ("Facebook: Nutzungsbedingungen geändert"), so that
    changes to different documents of one platform are different stories."""
    diff = diff or sentence_diff(split_variant(old.text)[1], split_variant(new.text)[1])
    if not diff.changed:
        return None
    title = change_title(snap.source, snap.url, snap.title, snap.platforms, language)
    return Item(source=snap.source, title=title, url=snap.url, summary=change_summary(diff, language),
                content_html=diff.html, published=new.fetched, guid=change_guid(snap.url, new.id),
                lang=snap.lang, platforms=list(snap.platforms), kind="change",
                canonical_url=snap.canonical_url)
