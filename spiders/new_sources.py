"""Items of a source's first fetch are tagged in the crawl process, not in the run's own.

On a first run (a new installation, a team that adds a list of feeds) every item is new,
and the run's own process, which tags, clusters and stores, is the slower of the two on
two cores: a profile of it on 20,000 realistic items (benchmarks/bench_fetch.py
--profile) put tagging at about a quarter of its time. The crawl process is idle part
of the time once feeds parse fast (spiders/fast_feed.py). So for a source fetched for the
first time, whose items are all new but for duplicates across sources, the crawl process
tags them right after parsing, with the same model and the same source hints as the run
would (`monitor.tag.tagging.tag_items`), and the run tags only what arrives untagged:
items of sources fetched before (mostly already stored, so never tagged at all) and
watched pages' changes.

The run says which sources are new and which model to use in each `SourceSpec.options`
(`mark_first_fetches`); the crawl process loads the model once, on the first new
source's items, so a re-run (no new sources) never imports the tagger's libraries there.

Their story tokens (monitor.stories) are read here too, for the same reason: on a first
run the story step is the largest part of the run's own process (a profile of 40,000
realistic items: 57 %, of which reading the tokens ~100 µs per item), and every item of a
new source is new, so none is read in vain. The run dates them (`stories.clusters.dated`)
and reads those that come without. Sources fetched before send mostly items the store
already has: those are left to the run.

New sources' results are held for a moment and handled together (`spiders.crawl.Outgoing`):
tagging 20 items at once cost 0.27 ms per item, 200 at once 0.22 ms.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.errors import ModelError
from monitor.item import SNAPSHOT, Item
from monitor.locations import retrained_model
from monitor.watch.contract import FetchResult, SourceSpec

if TYPE_CHECKING:
    from classifiers import Tagger
    from monitor.store import FetchState

OPTION = "tag_first_fetch"      # SourceSpec.options key: the model directory ("" for the packaged model)
_taggers: dict[str, Tagger] = {}
_expected: dict[str, tuple[str, str]] = {}     # source name -> (model, category): tag its next result's items
log = logging.getLogger("spiders.new_sources")


def model_choice(home: Path | None) -> str:
    """The model `monitor.tag.tagging.load_tagger(home)` loads, as the crawl process is told it:
    the team's retrained model's directory, or "" for the packaged one. Without importing the
    tagger's module: that pulls in NumPy and the model (~35 MB and 0.3 s in a re-run that tags nothing)."""
    directory = retrained_model(home)
    return "" if directory is None else str(directory)


def mark_first_fetches(specs: list[SourceSpec], state: Mapping[str, FetchState], model: str) -> int:
    """Tell the crawl to tag the items of sources never fetched before; how many were marked."""
    marked = 0
    for spec in specs:
        row = state.get(spec.name)
        if spec.kind == "feed" and row is not None and row.last_fetch is None:
            spec.options[OPTION] = model
            marked += 1
    return marked


def expect(specs: Iterable[SourceSpec]) -> None:
    """In the crawl process, as a crawl's sources arrive: remember which to tag (and which no longer)."""
    for spec in specs:
        model = spec.options.get(OPTION)
        if model is None or spec.kind != "feed":
            _expected.pop(spec.name, None)
        else:
            _expected[spec.name] = (model, spec.category)


def tag_first_fetches(messages: Iterable[object]) -> None:
    """In the crawl process: tag the items of new sources among these results, one batch per model,
    and read their story tokens.

    A failure leaves the items untagged, never stops the crawl: the run tags whatever
    arrives untagged (monitor/pipeline.py), so nothing is lost but a little time."""
    batches: dict[str, tuple[list[Item], dict[str, str]]] = {}
    for message in messages:
        if not isinstance(message, FetchResult):
            continue
        wanted = _expected.pop(message.source, None)
        if wanted is None or not message.items:
            continue
        model, category = wanted
        items, categories = batches.setdefault(model, ([], {}))
        items.extend(it for it in message.items if it.kind != SNAPSHOT)
        categories[message.source] = category
    for model, (items, categories) in batches.items():
        try:
            from monitor.tag.tagging import tag_items
            tag_items(_tagger(model), items, categories)
        except ModelError as e:       # the run says so in words, once
            log.warning("the model cannot be used, the run tags %d new items: %s", len(items), e)
            for item in items:
                item.tags, item.scores = [], {}
        except Exception:  # noqa: BLE001 - the run tags them instead
            log.exception("tagging %d new items in the crawl failed; the run tags them", len(items))
            for item in items:
                item.tags, item.scores = [], {}
        _read_stories(items)


def _read_stories(items: list[Item]) -> None:
    """Story tokens of new items, dated now; the run dates them again as it stores them."""
    from monitor.stories.clusters import report_of
    now = datetime.now(UTC)
    for item in items:
        if item.kind == "entry":
            try:
                item.story = report_of(item, item.sort_date(now))
            except Exception:  # noqa: BLE001 - the run reads them instead
                log.exception("reading the story tokens of %s failed; the run reads them", item.url)


def forget() -> None:
    """Drop the models and word caches once the crawl is over (spiders/crawl.py `release_memory`)."""
    _taggers.clear()
    _expected.clear()
    if "monitor.stories.features" in sys.modules:
        from monitor.stories.features import forget_words
        forget_words()


def tagged(item: Item) -> bool:
    """The item was tagged already (every prediction scores every tag)."""
    return bool(item.scores)


def _tagger(model: str) -> Tagger:
    found = _taggers.get(model)
    if found is None:
        from monitor.tag.tagging import load_model
        found = _taggers[model] = load_model(Path(model) if model else None)
    return found
