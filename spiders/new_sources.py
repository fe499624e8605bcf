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
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.item import SNAPSHOT, Item
from monitor.locations import retrained_model
from monitor.watch.contract import SourceSpec

if TYPE_CHECKING:
    from classifiers import Tagger
    from monitor.store import FetchState

OPTION = "tag_first_fetch"      # SourceSpec.options key: the model directory ("" for the packaged model)
_taggers: dict[str, Tagger] = {}


def model_choice(home: Path | None) -> str:
    """The model `monitor.tag.tagging.load_tagger(home)` loads, as the crawl process is told it:
    the team's retrained model's directory, or "" for the packaged one. Without importing the
    tagger's module: that pulls in NumPy and SciPy (27 MB and 0.3 s in a re-run that tags nothing)."""
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


def tag_first_fetch(items: list[Item], spec: SourceSpec) -> None:
    """In the crawl process: tag a new source's items (no-op for any other source)."""
    model = spec.options.get(OPTION)
    if model is None or not items:
        return
    from monitor.tag.tagging import tag_items
    tag_items(_tagger(model), [it for it in items if it.kind != SNAPSHOT], {spec.name: spec.category})


def tagged(item: Item) -> bool:
    """The item was tagged already (every prediction scores every tag)."""
    return bool(item.scores)


def _tagger(model: str) -> Tagger:
    found = _taggers.get(model)
    if found is None:
        from classifiers import Tagger
        found = _taggers[model] = Tagger.load(Path(model)) if model else Tagger.load()
    return found
