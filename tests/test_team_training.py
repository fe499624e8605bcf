"""`monitor train --team SLUG` (issue 17): a team's model learns from that team's corrections alone and
is kept in the database for the team, beside everyone else's model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.item import Item
from monitor.store import Store
from monitor.tag.team_model import model_key
from monitor.watch.urls import canonical_url
from tests import team_world

NOW = datetime.now(UTC).replace(microsecond=0)


def test_a_team_trains_on_its_own_corrections_into_its_own_model(sqlite_store: Store, tmp_path: Path, monkeypatch):
    store = sqlite_store
    ids = team_world.teams(store, ("north", "south"))
    team_world.subscribe(store, {"north": ["Shared"], "south": ["Shared"]})
    items = [Item(source="Shared", title=f"Plattform ändert Regeln {n}", url=f"https://x.example/{n}",
                  canonical_url=canonical_url(f"https://x.example/{n}"), summary="", lang="de",
                  published=NOW - timedelta(hours=n)) for n in range(1, 6)]
    store.add_items(items, now=NOW)
    for it in items[:3]:
        store.correct_tags(it.id, ["legal_change"], "nora", team_id=ids["north"])   # type: ignore[arg-type]
    store.correct_tags(items[4].id, [], "sam", team_id=ids["south"])               # type: ignore[arg-type]
    monkeypatch.setenv("MONITOR_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'test.db'}"
    result = CliRunner().invoke(cli, ["train", "--team", "north", "--db", url, "--config", str(tmp_path / "none.yaml")])
    assert result.exit_code == 0, result.output
    assert "3 corrections made by the team" in result.output
    assert store.get_shared(model_key("north")) is not None
    assert store.get_shared(model_key("south")) is None
    from monitor.tag.train import team_tagger
    tagger = team_tagger(store, tmp_path / "home", "north")
    assert tagger is not None and set(tagger.thresholds) >= {"legal_change"}
    # whether the team's model is better is judged on labelled items, beside the packaged model
    labelled = Path(__file__).resolve().parents[1] / "classifiers" / "data" / "dev_de.jsonl"
    judged = CliRunner().invoke(cli, ["eval", str(labelled), "--team", "north", "--against", "shipped",
                                      "--db", url, "--config", str(tmp_path / "none.yaml")])
    assert judged.exit_code == 0, judged.output
    assert "dev_de.jsonl (251 items): in use against shipped" in judged.output
    assert "paired resamples of the items" in judged.output
    refused = CliRunner().invoke(cli, ["train", "--team", "west", "--db", url, "--config", str(tmp_path / "none.yaml")])
    assert refused.exit_code == 2 and "there is no team" in refused.output
