"""Each stored item's story tokens are kept for the story window, and the next process reads them.

A worker, a `monitor run` or a restarted daemon builds its story index of the last four days;
from the text, 100,000 items cost ~10 s of tokenising per process. Read from `story_tokens`
the index must be exactly the one the text gives, and a kept report that is outdated or does
not read must never stand in for the text.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from classifiers.examples import default_training_files, load_examples
from monitor.item import Item
from monitor.store import Store
from monitor.store.schema import StoryTokensRow
from monitor.stories import stored
from monitor.stories.clusters import report_of
from monitor.stories.features import report
from tests.test_stories import NOW, SOURCES, X_FINE_DE, X_FINE_EN, config, report_item
from tests.test_story_preload import clusters_of, second_process

GDPR_FINE_EN = ("The Verge", "Irish regulator fines TikTok €530 million over data transfers to China",
                "The Data Protection Commission said the app failed to protect European users' data.", 3, "en")


def test_a_kept_report_is_exactly_the_one_the_story_step_read_from_the_item(store):
    """Written examples of every style (amounts, dates, courts, authorities, platforms) stored
    and read back: each kept report equals the report of the item's title and summary, with the
    bare "X" the step takes as a platform too (which the stored platforms leave out)."""
    store.sync_sources(list(config().sources))
    examples = load_examples(*default_training_files())[::40]
    items = [Item(source=SOURCES[n % len(SOURCES)], title=ex.title, summary=ex.summary, lang=ex.lang,
                  url=f"https://example.org/{n}", canonical_url=f"https://example.org/{n}",
                  published=NOW - timedelta(hours=n % 70)) for n, ex in enumerate(examples)]
    added = store.add_items(items, now=NOW)
    assert len(added) == len(items) > 250
    with store.session() as s:
        rows = {iid: (kept, version) for iid, kept, version in s.execute(
            select(StoryTokensRow.item_id, StoryTokensRow.tokens, StoryTokensRow.version))}
    assert len(rows) == len(items)
    bare_x = 0
    for it in added:
        kept, version = rows[it.id]
        assert version == stored.version()
        assert stored.decode(kept) == report_of(it, it.sort_date(NOW))
        bare_x += "@x" in stored.decode(kept).tokens and "x" not in it.platforms
    assert bare_x > 0


def test_a_second_process_builds_its_story_index_from_the_kept_reports(store, monkeypatch):
    store.sync_sources(list(config().sources))
    [german] = store.add_items([report_item(*X_FINE_DE)], now=NOW)
    worker = second_process(store)
    try:
        import monitor.store.clusters as step
        read_texts: list[str] = []
        monkeypatch.setattr(step, "report", lambda title, *a, **kw: read_texts.append(title) or report(title, *a, **kw))
        worker.preload_stories(NOW)
        assert german.id in clusters_of(worker)._stories.reports
        assert read_texts == []                 # nothing tokenised: the kept report was read
        [english] = worker.add_items([report_item(*X_FINE_EN)], now=NOW)
        assert english.cluster == german.cluster
    finally:
        worker.close()


def test_an_outdated_kept_report_is_not_trusted(store):
    """A report kept by another version of the story code (here: another item's tokens under an
    old version) is read from the item's text instead."""
    store.sync_sources(list(config().sources))
    [german, tiktok] = store.add_items([report_item(*X_FINE_DE), report_item(*GDPR_FINE_EN)], now=NOW)
    with store.session.begin() as s:
        wrong = s.scalar(select(StoryTokensRow.tokens).where(StoryTokensRow.item_id == tiktok.id))
        s.execute(update(StoryTokensRow).where(StoryTokensRow.item_id == german.id)
                  .values(tokens=wrong, version="0" * 16))
    assert english_cluster_in_another_process(store) == german.cluster


def test_a_kept_report_that_does_not_read_is_read_from_the_text(store):
    store.sync_sources(list(config().sources))
    [german] = store.add_items([report_item(*X_FINE_DE)], now=NOW)
    with store.session.begin() as s:
        s.execute(update(StoryTokensRow).where(StoryTokensRow.item_id == german.id).values(tokens=b"\x00broken"))
    assert english_cluster_in_another_process(store) == german.cluster


def english_cluster_in_another_process(store: Store) -> int | None:
    """The story cluster another process (its index built from what is kept) gives the English report."""
    worker = second_process(store)
    try:
        [english] = worker.add_items([report_item(*X_FINE_EN)], now=NOW)
        return english.cluster
    finally:
        worker.close()


def test_kept_reports_past_twice_the_window_are_deleted_as_items_are_stored(store):
    store.sync_sources(list(config().sources))
    [old] = store.add_items([report_item(*X_FINE_DE)], now=NOW - timedelta(days=9))
    [recent] = store.add_items([report_item(*GDPR_FINE_EN)], now=NOW - timedelta(days=2))
    later = Store.open(store.engine.url.render_as_string(hide_password=False))
    try:
        later.add_items([report_item(*X_FINE_EN)], now=NOW)
        with later.session() as s:
            kept = set(s.scalars(select(StoryTokensRow.item_id)))
        assert old.id not in kept and recent.id in kept
        assert len(kept) == 2
    finally:
        later.close()


def test_decode_refuses_what_encode_did_not_write():
    story = report("EU fines X €120m", "The Commission acted under the DSA.", platforms=["x"], when=NOW, lang="en")
    assert stored.decode(stored.encode(story)) == story
    for bad in (None, b"", b"\x00\x01", stored.encode(story)[:-3], __import__("marshal").dumps((1, 2, 3))):
        assert stored.decode(bad) is None
