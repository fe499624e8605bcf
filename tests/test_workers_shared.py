"""State every machine must see alike lives in the database: the applied configuration, the
web session key, a retrained model. Real PostgreSQL (a throwaway database per test), real
web servers on loopback, real `python -m monitor` processes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import classifiers
from classifiers import Tagger
from monitor.item import Item
from monitor.store import Store
from monitor.web import create_app
from monitor.work.shared import MODEL_KEY, publish_model, shared_model_dir
from tests.servers import running
from tests.test_web import csrf_of, make_config
from tests.test_workers import environment, write_config

pytestmark = pytest.mark.postgres


def monitor(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_config_apply_stores_the_file_once_and_its_sources_follow_it(tmp_path, postgres_url):
    config = write_config(tmp_path, {"Alpha": "https://alpha.example/feed", "Beta": "https://beta.example/feed"},
                          {"team-chat": "json://127.0.0.1:9/hook"})
    env = environment(tmp_path, postgres_url, config)
    first = monitor(env, "config", "apply")
    assert first.returncode == 0 and "2 sources" in first.stdout, first.stderr
    config.write_text(config.read_text().replace("  - name: Beta\n    url: https://beta.example/feed\n"
                                                 "    category: industry\n    language: de\n", ""))
    assert monitor(env, "config", "apply", str(config)).returncode == 0
    store = Store.open(postgres_url)
    try:
        assert [s["name"] for s in store.list_sources()] == ["Alpha"]
        applied, _checksum = store.get_shared("config:feeds.yaml")
        assert applied == config.read_bytes()
    finally:
        store.close()
    config.write_text(config.read_text() + "  - name: Broken\n    url: not-a-url\n")
    broken = monitor(env, "config", "apply")
    assert broken.returncode == 2 and "feeds.yaml" in broken.stderr
    store = Store.open(postgres_url)
    try:
        assert b"Broken" not in store.get_shared("config:feeds.yaml")[0]     # nothing half-applied
    finally:
        store.close()


def test_a_login_on_one_web_process_is_valid_on_another(tmp_path, postgres_store, monkeypatch):
    monkeypatch.delenv("MONITOR_WEB_SECRET", raising=False)
    apps = [create_app(make_config(), postgres_store, home=tmp_path / f"machine{n}", password="Korrekt-Pferd")
            for n in range(2)]
    with running(apps[0]) as one, running(apps[1]) as other:
        token = csrf_of(one.get("/login").text)
        signed_in = one.post("/login", data={"name": "Jana", "password": "Korrekt-Pferd", "csrf_token": token,
                                             "next": "/sources"})
        assert signed_in.status_code == 303
        assert other.get("/sources").status_code == 303                     # no cookie yet: the login page
        other.cookies.update(one.cookies)
        assert other.get("/sources").status_code == 200
    assert not (tmp_path / "machine0" / "web-secret").exists()            # the key is in the database


def test_monitor_web_secret_signs_alike_on_sqlite_too(tmp_path, sqlite_store, monkeypatch):
    monkeypatch.setenv("MONITOR_WEB_SECRET", "ein-langes-gemeinsames-geheimnis-fuer-alle-server")
    apps = [create_app(make_config(), sqlite_store, home=tmp_path / f"machine{n}", password="pw") for n in range(2)]
    with running(apps[0]) as one, running(apps[1]) as other:
        token = csrf_of(one.get("/login").text)
        assert one.post("/login", data={"name": "", "password": "pw", "csrf_token": token}).status_code == 303
        other.cookies.update(one.cookies)
        assert other.get("/sources").status_code == 200


def test_a_published_model_reaches_another_machine_and_is_checked_when_it_loads(tmp_path, postgres_store):
    trained = tmp_path / "trained"
    shutil.copytree(Path(classifiers.__file__).parent / "model", trained)     # as `monitor train` leaves it
    checksum = publish_model(postgres_store, trained)
    assert postgres_store.shared_checksum(MODEL_KEY) == checksum
    elsewhere = shared_model_dir(postgres_store, tmp_path / "worker-home")
    assert elsewhere is not None and {p.name for p in elsewhere.iterdir()} == {p.name for p in trained.iterdir()}
    model = Tagger.load(elsewhere)
    assert model.predict([{"title": "EU-Kommission verhängt Bußgeld gegen TikTok nach dem DSA", "summary": "",
                           "lang": "de"}])
    (elsewhere / "tagger.npz").write_bytes(b"tampered")                    # a damaged copy is refused, not used
    with pytest.raises(Exception, match="checksum"):
        Tagger.load(elsewhere)


def test_migrate_db_copies_a_sqlite_archive_into_postgresql_with_every_count_verified(tmp_path, sqlite_store,
                                                                                       postgres_url):
    from tests.test_web import filled
    store = filled(sqlite_store)
    store.correct_tags(store.ids["reels"], ["legal_change"], user="jana")
    digest = store.begin_digest("team-mail", [store.ids["reach"], store.ids["ruling"]])
    store.finish_digest(digest, None)
    store.add_version("Datenschutz-Blog", "Impressum: Stand März, Verantwortlich: Müller GmbH")
    sqlite_url = store.engine.url.render_as_string()
    env = environment(tmp_path, sqlite_url, tmp_path / "feeds.yaml")
    copied = monitor(env, "migrate-db", "--to", postgres_url)
    assert copied.returncode == 0, copied.stderr
    assert "every count matches" in copied.stdout
    assert monitor(env, "migrate-db", "--to", postgres_url).returncode == 1       # never into a filled archive
    target = Store.open(postgres_url)
    try:
        from monitor.store import ItemQuery, item_json
        assert ([item_json(i) for i in target.query_items(ItemQuery())]
                == [item_json(i) for i in store.query_items(ItemQuery())])
        assert target.correction_history(store.ids["reels"])[0]["user"] == "jana"
        assert target.sent_digests("team-mail") == 1 and target.outbox() == store.outbox()
        assert [i.title for i in target.query_items(ItemQuery(q="Reichweite"))] == \
            [i.title for i in store.query_items(ItemQuery(q="Reichweite"))]
        new = target.add_items([Item(source="Instagram Newsroom", title="Nach dem Umzug",
                                     url="https://about.instagram.com/after")])
        assert new[0].id > max(store.ids.values())                             # ids go on after the copied ones
    finally:
        target.close()
