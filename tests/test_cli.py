"""The command line as a person meets it: no warnings, one meaning per option, one language,
local short dates, tables that fit 80 columns, and setup mistakes found before any work.

Real processes of `monitor` where the process matters (warnings, exit status, ports), a
real SQLite file, the shipped feeds.yaml, and `monitor demo` end to end.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import Source
from monitor.item import Item
from monitor.store import ItemQuery, Store

ROOT = Path(__file__).resolve().parent.parent
THIS_YEAR = datetime.now(UTC).year
PUBLISHED = datetime(THIS_YEAR, 3, 14, 9, 5, 30, 123456, tzinfo=UTC)     # 10:05 in Berlin (CET)
LONG_TITLE = ("LinkedIn ändert die Nutzungsbedingungen: Inhalte öffentlicher Profile dürfen künftig für das "
              "Training generativer KI-Funktionen verwendet werden, ein Widerspruch ist in den Einstellungen möglich")
SOURCES = [Source(name="Datenschutz-Kompass für Social-Media-Teams", url="https://kompass.example/feed",
                  category="legal", language="de"),
           Source(name="Reels Radar", url="https://reels.example/feed", category="industry", language="de")]


def config_text(language: str = "de", email: str = "${MONITOR_EMAIL_URL:-}") -> str:
    return f"""settings:
  timezone: Europe/Berlin
  language: {language}
  digest:
    notify: [team-email]
notify:
  team-email: {email}
sources:
""" + "".join(f"  - name: {s.name}\n    url: {s.url}\n    category: {s.category}\n    language: de\n" for s in SOURCES)


@pytest.fixture
def archive(tmp_path: Path):
    """A feeds.yaml (German, Berlin) and a SQLite archive with two items; the env a user has."""
    db = f"sqlite:///{tmp_path / 'lagebild.db'}"
    store = Store.open(db)
    store.sync_sources(SOURCES)
    store.add_items([
        Item(source=SOURCES[0].name, title=LONG_TITLE, url="https://kompass.example/linkedin-ki", published=PUBLISHED,
             lang="de", tags=["legal_change"], scores={"legal_change": 0.97}, platforms=["linkedin"]),
        Item(source="Reels Radar", title="Instagram testet längere Reels", url="https://reels.example/lang",
             published=PUBLISHED.replace(day=12), lang="de", tags=["feature_rollout"],
             scores={"feature_rollout": 0.9}, platforms=["instagram"]),
    ])
    store.close()
    config = tmp_path / "feeds.yaml"
    config.write_text(config_text(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(config), MONITOR_DB=db, MONITOR_HOME=str(tmp_path / "home"), COLUMNS="80",
               NO_PROXY="127.0.0.1,localhost")
    return env, config, db


def monitor(env: dict, *args: str, timeout: int = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def invoke(env: dict, *args: str):
    return CliRunner().invoke(cli, list(args), env={**env}, catch_exceptions=False)


# --------------------------------------------------------------------------- one voice
def test_items_prints_no_warnings_and_q_means_quiet(archive):
    env, _, _ = archive
    shown = monitor(env, "items", "-q", "--query", "Reels")
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr == "", "a normal call prints no warnings"
    assert "Instagram testet längere Reels" in shown.stdout and "LinkedIn" not in shown.stdout
    as_query = monitor(env, "items", "-q", "Reels")
    assert as_query.returncode == 2 and "Reels" in as_query.stderr, "-q takes no text: it is --quiet"


def test_items_table_is_german_local_short_and_fits_80_columns(archive):
    env, _, _ = archive
    out = invoke(env, "items").output
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80, out
    assert "14.03. 10:05" in out and "12.03. 10:05" in out, "Berlin time, day and month, no year this year"
    assert "+00:00" not in out and "123456" not in out and f"{THIS_YEAR}-03-14" not in out
    assert {"Datum", "Quelle", "Titel"} <= set(lines[0].split())
    assert "Rechtsänderung" in out and "Neue Funktion" in out, "tags as the digest names them"
    assert "Rechtsänderung = legal_change" in " ".join(out.split()), "and the ids --tag takes"
    words = " ".join(out.split())
    assert "Training generativer KI-Funktionen" in words, "long titles wrap, nothing is cut"
    assert "LinkedIn" in out and "Instagram" in out, "platforms as people write them"


def test_items_table_in_english_when_the_config_says_so(archive):
    env, config, _ = archive
    config.write_text(config_text(language="en"), encoding="utf-8")
    out = invoke(env, "items").output
    assert f"{THIS_YEAR}-03-14 10:05" in out and "Legal change" in out and "New feature" in out
    assert "Rechtsänderung" not in out and "Datum" not in out
    assert "legal_change" in out and "2 items, newest first; times in Europe/Berlin." in out


def test_sources_table_in_plain_words_at_80_columns(archive):
    env, _, _ = archive
    out = invoke(env, "sources").output
    assert max(len(line) for line in out.splitlines()) <= 80, out
    assert "Zustand" in out and "neu" in out and "consecutive_failures" not in out
    machine = json.loads(invoke(env, "sources", "--format", "json").output)
    assert {s["status"] for s in machine} == {"new"}, "JSON keeps the contract's words"


def test_json_keeps_the_contract_dates_and_tag_ids(archive):
    env, _, _ = archive
    items = json.loads(invoke(env, "items", "--format", "json").output)
    assert items[0]["published"] == PUBLISHED.isoformat() and items[0]["tags"] == ["legal_change"]


def test_no_item_matches_in_one_line(archive):
    env, _, _ = archive
    assert invoke(env, "items", "--query", "nichtsdergleichen").output.strip() == "Keine Meldung passt."


# --------------------------------------------------------------------------- setup traps
def test_digest_without_a_mail_url_stops_before_any_work(archive):
    env, _, db = archive
    stopped = monitor(env, "digest")
    assert stopped.returncode == 2, stopped.stdout + stopped.stderr
    message = stopped.stderr
    assert "MONITOR_EMAIL_URL" in message and "team-email" in message and "--output" in message
    assert re.search(r"feeds\.yaml:\d+: notify\.team-email", message), "file and line, like every config error"
    written = monitor(env, "digest", "--output", str(Path(db.removeprefix("sqlite:///")).parent / "d.html"))
    assert written.returncode == 0, written.stderr
    later = monitor({**env, "MONITOR_EMAIL_URL": "json://127.0.0.1:9/closed"}, "digest", "--dry-run")
    assert later.returncode == 0 and "Instagram testet längere Reels" in later.stdout, "nothing was marked sent"


def test_the_daemon_stops_at_start_without_a_mail_url(archive):
    env, _, _ = archive
    started = time.monotonic()
    stopped = monitor({**env, "MONITOR_EMAIL_URL": ""}, "daemon", timeout=60)
    assert stopped.returncode == 2 and "MONITOR_EMAIL_URL" in stopped.stderr
    assert time.monotonic() - started < 30


def test_shipped_feeds_yaml_without_mail_url_is_a_plain_error_for_digest(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(ROOT / "feeds.yaml"), MONITOR_HOME=str(tmp_path / "home"),
               MONITOR_DB=f"sqlite:///{tmp_path / 'lagebild.db'}")
    stopped = monitor(env, "digest")
    assert stopped.returncode == 2 and "MONITOR_EMAIL_URL" in stopped.stderr
    assert stopped.stderr.count("\n") == 1, "one message"
    assert monitor(env, "items").returncode == 0, "reading the archive needs no mail target"


@pytest.fixture
def busy_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        yield taken.getsockname()[1]


def test_demo_on_a_busy_port_stops_before_doing_anything(tmp_path, busy_port):
    workdir = tmp_path / "demo"
    started = time.monotonic()
    stopped = monitor(dict(os.environ), "demo", "--port", str(busy_port), "--dir", str(workdir), timeout=60)
    assert stopped.returncode == 2, stopped.stdout + stopped.stderr
    assert f"port {busy_port}" in stopped.stderr and "--port" in stopped.stderr
    suggested = int(re.search(r"--port (\d+)", stopped.stderr).group(1))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))      # the suggestion is free
    assert not workdir.exists() or not any(workdir.iterdir()), "nothing fetched, nothing written"
    assert stopped.stdout == "" and time.monotonic() - started < 30


def test_serve_on_a_busy_port_names_the_option(archive, busy_port):
    env, _, _ = archive
    stopped = monitor(env, "serve", "--port", str(busy_port), timeout=60)
    assert stopped.returncode == 2 and "--port" in stopped.stderr and "Traceback" not in stopped.stderr


def test_demo_shows_a_watched_page_change(tmp_path):
    workdir = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    done = monitor(env, "demo", "--no-serve", "--dir", str(workdir), timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Zweiter Durchlauf" in done.stdout and "Änderung von LinkedIn User Agreement" in done.stdout
    config = workdir / "feeds.yaml"
    assert "kind: page" in config.read_text(encoding="utf-8")
    env.update(MONITOR_CONFIG=str(config), MONITOR_DB=f"sqlite:///{workdir / 'demo.db'}")
    [change] = json.loads(monitor(env, "items", "--source", "LinkedIn User Agreement", "--format", "json").stdout)
    assert change["tags"] == ["legal_change"] and change["platforms"] == ["linkedin"]
    assert "[30 → 15]" in change["summary"] and "generative AI" in change["summary"]
    assert "Last updated" not in change["summary"], "a date stamp is not a change"
    alerts = (workdir / "chat-messages.jsonl").read_text(encoding="utf-8")
    assert "LinkedIn" in alerts and "Nutzungsbedingungen" in alerts, "the change went out as a chat alert"
    assert "LinkedIn: Nutzungsbedingungen geändert" in (workdir / "digest.html").read_text(encoding="utf-8")

    # Issue 17 on a small scale: a second team follows two of the sources, one under its own name.
    assert "Zweites Team „kunde-b“" in done.stdout
    everything = json.loads(monitor(env, "items", "--limit", "100000", "--format", "json").stdout)
    team = json.loads(monitor(env, "items", "--team", "kunde-b", "--limit", "100000", "--format", "json").stdout)
    team_sources = {i["source"] for i in team}
    assert len(team_sources) == 2 and any(name.endswith("(Kunde B)") for name in team_sources)
    assert 0 < len(team) < len(everything)
    rows = json.loads(monitor(env, "sources", "--format", "json").stdout)
    assert len(rows) == len({r["url"] for r in rows}), "a shared source is one row, fetched once"


def test_run_summary_speaks_german_and_reminds_of_the_missing_mail_url(tmp_path):
    from tests.servers import FeedServer, rss
    with FeedServer() as web:
        web.add("/feed.xml", rss("Reels Radar", [{"title": "Instagram testet längere Reels",
                                                 "link": "http://127.0.0.1/a/reels", "summary": "Bis zu zehn Minuten."}]))
        config = tmp_path / "feeds.yaml"
        config.write_text(config_text().split("sources:")[0] + f"sources:\n  - name: Reels Radar\n    url: {web.url('/feed.xml')}\n"
                          "    category: industry\n    language: de\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update(MONITOR_CONFIG=str(config), MONITOR_HOME=str(tmp_path / "home"),
                   MONITOR_DB=f"sqlite:///{tmp_path / 'lagebild.db'}", NO_PROXY="127.0.0.1,localhost")
        done = monitor(env, "run", timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Quellen: 1 abgerufen, 1 in Ordnung" in done.stdout and "Neue Meldungen: 1" in done.stdout
    assert "Sources:" not in done.stdout and "New items" not in done.stdout, "one language"
    assert "team-email hat keine URL" in done.stdout, "a forgotten mail target is named after every run"


# --------------------------------------------------------------------------- bad values
# A mistyped value ends the command before any work with exit 2, naming the option and what it
# takes; `invoke` lets an exception through, so a traceback fails these tests.
@pytest.mark.parametrize("args", [("items", "--since", "banana"), ("retag", "--since", "eine Woche"),
                                  ("digest", "--dry-run", "--since", "7days ago")])
def test_a_window_that_is_no_duration_is_a_usage_error(archive, args):
    env, _, _ = archive
    done = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert done.exit_code == 2, done.output
    assert "--since" in done.output and "is not a duration; write e.g. 30m, 6h, 7d" in done.output


def test_a_window_still_reaches_the_command(archive):
    env, _, _ = archive
    shown = json.loads(invoke(env, "items", "--since", "3650d", "--format", "json").output)
    assert len(shown) == 2, "both items lie within ten years"
    assert invoke(env, "retag", "--since", "1h30m", "--dry-run").output.strip(), "retag counts what it looked at"


@pytest.mark.parametrize("args, option, words", [
    (("items", "--tag", "legal"), "--tag", "legal_change"),
    (("items", "--limit", "0"), "--limit", "0"),
    (("trends", "--days", "0"), "--days", "0"),
    (("serve", "--port", "99999"), "--port", "99999"),
    (("demo", "--no-serve", "--port", "70000"), "--port", "70000"),
    (("classify", "/nonexistent/items.jsonl"), "FILE", "does not exist"),
])
def test_values_out_of_range_name_the_option(archive, args, option, words):
    env, _, _ = archive
    done = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert done.exit_code == 2, done.output
    assert option in done.output and words in done.output


def test_classify_answers_a_line_of_wrong_types_with_an_error_and_keeps_the_count(archive):
    env, _, _ = archive
    lines = [json.dumps({"title": ["Instagram testet Reels"]}), json.dumps({"title": "X", "summary": 5}),
             json.dumps({"title": "Instagram testet längere Reels für alle", "lang": "de"})]
    done = CliRunner().invoke(cli, ["classify"], input="\n".join(lines) + "\n", env=env, catch_exceptions=False)
    out = [json.loads(line) for line in done.output.splitlines()]
    assert len(out) == 3
    assert out[0]["error"] == "'title' must be text" and "tags" not in out[0]
    assert out[1]["error"] == "'summary' must be text" and out[1]["title"] == "X", "the line is recognisable"
    assert "error" not in out[2] and out[2]["tags"] == ["feature_rollout"]


@pytest.mark.parametrize("line, said", [
    ({"title": "Neue Funktion", "tags": ["bogus"]}, "bad.jsonl:2: unknown tags ['bogus']"),
    ({"title": "Neue Funktion", "tags": "legal_change"}, "bad.jsonl:2: 'tags' must be a list of tag names"),
    ({"title": "Neue Funktion", "summary": ["a"]}, "bad.jsonl:2: 'summary' must be text"),
])
def test_eval_on_a_bad_line_says_file_and_line_and_prints_no_figures(tmp_path, line, said):
    good = {"title": "Instagram testet längere Reels", "tags": ["feature_rollout"], "lang": "de"}
    first = tmp_path / "good.jsonl"
    first.write_text(json.dumps(good) + "\n", encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(good) + "\n" + json.dumps(line) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_HOME=str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    done = monitor(env, "eval", str(first), str(bad), cwd=tmp_path)
    assert done.returncode == 1
    assert said in done.stderr and "Traceback" not in done.stderr
    assert "macro" not in done.stdout, "no figures for a set that could not be read whole"


@pytest.mark.parametrize("url, said", [
    ("lagebild.db", "database error: that is not a database URL; write e.g. sqlite:////"),
    ("mysql://team:geheim123@db.example/lagebild", "database error: no driver here for mysql://team:***@db.example"),
])
def test_a_database_url_that_cannot_work_is_one_plain_line_without_the_password(archive, url, said):
    env, _, _ = archive
    done = monitor({**env, "MONITOR_DB": url}, "items")
    assert done.returncode == 1
    assert said in done.stderr and "Traceback" not in done.stderr and "geheim123" not in done.stderr


def test_sources_export_makes_the_folder_it_is_told_to_write_into(archive, tmp_path):
    env, _, _ = archive
    target = tmp_path / "export" / "2026" / "quellen.opml"
    done = CliRunner().invoke(cli, ["sources-export", "-o", str(target)], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "Reels Radar" in target.read_text(encoding="utf-8")
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    done = CliRunner().invoke(cli, ["sources-export", "-o", str(blocked / "quellen.opml")], env=env,
                              catch_exceptions=False)
    assert done.exit_code == 1 and f"cannot write {blocked / 'quellen.opml'}" in done.output


@pytest.mark.parametrize("command", [("run",), ("digest",), ("config", "apply")])
def test_a_notify_url_no_service_takes_stops_the_commands_that_send(archive, command):
    """Found before any work (the README's promise for a bad URL), not on the first day there is
    something to send; `notify-test` is named as the way to try the fixed one."""
    env, config, _ = archive
    config.write_text(config_text(email="htps//mail.example/team"), encoding="utf-8")
    done = monitor(env, *command)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "notify.team-email: not a notification URL apprise knows" in done.stderr
    assert "monitor notify-test team-email" in done.stderr and "Traceback" not in done.stderr
    assert "Quellen:" not in done.stdout, "nothing was fetched"


def test_a_run_over_a_file_without_sources_says_what_to_do(tmp_path):
    config = tmp_path / "feeds.yaml"
    config.write_text("# Quellen kommen noch\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(config), MONITOR_HOME=str(tmp_path / "home"),
               MONITOR_DB=f"sqlite:///{tmp_path / 'lagebild.db'}")
    done = monitor(env, "run")
    assert done.returncode == 0, done.stderr
    assert "nennt keine Quellen" in done.stdout and "monitor sources-import" in done.stdout


@pytest.mark.parametrize("damage", ["no sidecar", "no arrays", "truncated arrays"])
def test_a_damaged_model_is_one_model_error_line_and_retag_writes_nothing(archive, damage):
    """classify, eval and retag say what is wrong and how to get a working model back (retrain, or
    remove the directory for the packaged one); a model missing one of its two files is not passed
    over for the packaged one in silence."""
    import shutil

    from classifiers.tagger import PACKAGED_MODEL
    env, _, db = archive
    model = Path(env["MONITOR_HOME"]) / "model"
    shutil.copytree(PACKAGED_MODEL, model)
    if damage == "no sidecar":
        (model / "tagger.json").unlink()
    elif damage == "no arrays":
        (model / "tagger.npz").unlink()
    else:
        data = (model / "tagger.npz").read_bytes()
        (model / "tagger.npz").write_bytes(data[: len(data) // 2])
    before = [(it.id, it.tags) for it in Store.open(db).query_items(ItemQuery())]
    labelled = Path(env["MONITOR_HOME"]).parent / "labelled.jsonl"
    labelled.write_text(json.dumps({"title": "Instagram testet Reels", "tags": ["feature_rollout"]}) + "\n",
                        encoding="utf-8")
    for args in (("classify",), ("eval", str(labelled)), ("retag",)):
        done = subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                              timeout=120, input='{"title": "Instagram testet Reels"}\n')
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.startswith("model error: ") and "Traceback" not in done.stderr, done.stderr
        assert f"remove {model} to tag with the packaged model" in done.stderr
    assert [(it.id, it.tags) for it in Store.open(db).query_items(ItemQuery())] == before


def test_classify_and_eval_read_a_bom_and_say_which_line_is_not_utf8(archive, tmp_path):
    env, _, _ = archive
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'\xef\xbb\xbf{"title": "Instagram testet Reels", "tags": ["feature_rollout"]}\n'
                       b'{"title": "Stra\xdfe gesperrt"}\n{"title": "a\\ud800b"}\n{"title": "LinkedIn"}\n')
    done = monitor(env, "classify", str(source))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 4, "one line out per line in"
    assert out[0]["tags"] == ["feature_rollout"] and "error" in out[1] and "UTF-8" in out[1]["error"]
    assert out[2]["title"] == "a?b" and out[3]["platforms"] == ["linkedin"]
    judged = monitor(env, "eval", str(source))
    assert judged.returncode == 1 and f"{source}:2: not UTF-8 text" in judged.stderr


def test_a_model_retrained_before_the_upgrade_is_used_with_a_note_to_train_again(archive):
    """An upgrade ships a model trained on more examples; a team's model trained under the old
    version keeps tagging (it holds their corrections) but `classify` and `retag` say to train again."""
    import shutil

    from classifiers.tagger import PACKAGED_MODEL
    env, _, _ = archive
    model = Path(env["MONITOR_HOME"]) / "model"
    shutil.copytree(PACKAGED_MODEL, model)
    sidecar = json.loads((model / "tagger.json").read_text(encoding="utf-8"))
    packaged = sidecar["meta"]["trained_at"]
    sidecar["meta"]["trained_at"] = "2026-03-01T08:00:00+00:00"
    (model / "tagger.json").write_text(json.dumps(sidecar), encoding="utf-8")
    for args in (("classify",), ("retag", "--dry-run")):
        done = subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                              timeout=120, input='{"title": "Instagram testet Reels"}\n')
        assert done.returncode == 0, done.stderr
        assert done.stderr.count("was trained on 2026-03-01, before this version's packaged model") == 1, done.stderr
        assert "run `monitor train` again" in done.stderr
    sidecar["meta"]["trained_at"] = packaged[:4] + "-12-31T23:00:00+00:00"     # trained after the upgrade
    (model / "tagger.json").write_text(json.dumps(sidecar), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "monitor", "classify"], env=env, capture_output=True, text=True,
                          timeout=120, input='{"title": "Instagram testet Reels"}\n')
    assert done.returncode == 0 and "monitor train" not in done.stderr, done.stderr


def test_the_items_table_shows_the_newest_two_hundred_and_says_how_to_see_more(archive):
    """A table is read by a person: at 150,000 items the whole archive took minutes and gigabytes to lay
    out. json streams everything."""
    env, _, db = archive
    store = Store.open(db)
    store.add_items([Item(source=SOURCES[0].name, title=f"Meldung Nummer {n}", url=f"https://kompass.example/{n}",
                          published=PUBLISHED.replace(day=1) + timedelta(minutes=n), lang="de") for n in range(205)])
    store.close()
    table = invoke(env, "items")
    assert table.exit_code == 0 and "Die neuesten 200 von 207 Meldungen" in table.output and "--limit" in table.output
    assert "Meldung Nummer 204" in table.output and "Meldung Nummer 4 " not in table.output
    everything = invoke(env, "items", "--limit", "300")
    assert "207 Meldungen, die neuesten zuerst" in everything.output
    assert len(json.loads(invoke(env, "items", "--format", "json").output)) == 207
