"""The archive for every day: "new since my last visit", "since the last digest", seen state, "tagged only".

A social media manager opens the archive each morning. What they need: what arrived
since they last looked (and next time only what came after), what arrived since the
morning digest, which items they already opened, and the untagged noise hidden if they
wish, remembered from one visit to the next and kept apart from their colleagues'.
Real uvicorn servers on loopback, real SQLite files and (marked `postgres`) PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup

from monitor.config import User
from monitor.store import ItemQuery, Store
from monitor.web import create_app
from tests.servers import running
from tests.test_web import _item, csrf_of, filled, make_config

GAP = timedelta(minutes=30)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite_store", pytest.param("postgres_store", marks=pytest.mark.postgres)],
                ids=["sqlite", "postgresql"])
def any_store(request) -> Store:
    """The archive's data of test_web.py, on SQLite and on PostgreSQL (skipped without a server)."""
    return filled(request.getfixturevalue(request.param))


@pytest.fixture
def store(sqlite_store) -> Store:
    return filled(sqlite_store)


def arrive(store: Store, *titles: str, tags=("legal_change",), now: datetime | None = None) -> list[int]:
    """New reports stored now (or at `now`), one story each; their ids."""
    items = [_item("LinkedIn Blog", title, f"https://linkedin.example/{abs(hash(title))}", hours=1,
                   tags=list(tags), platforms=["linkedin"]) for title in titles]
    return [it.id for it in store.add_items(items, now=now)]


def rows(html: str) -> list[tuple[str, bool]]:
    """(title, looks seen) of each row of the archive page."""
    soup = BeautifulSoup(html, "html.parser")
    return [(li.select_one("h2.item-title").get_text(strip=True), "is-seen" in li["class"])
            for li in soup.select("ol.item-list > li.item-row")]


def titles(html: str) -> list[str]:
    return [title for title, _ in rows(html)]


def tabs(html: str) -> dict[str, int | None]:
    """View tab -> its count as shown (None: no count shown)."""
    soup = BeautifulSoup(html, "html.parser")
    out: dict[str, int | None] = {}
    for a in soup.select("nav.views a"):
        view = parse_qs(urlsplit(a["href"]).query)["view"][0]
        count = a.select_one(".view-count")
        out[view] = int(count.get_text(strip=True).replace(".", "")) if count else None
    return out


def sign_in(client, name: str, password: str) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"})
    assert response.status_code == 303, response.text


def sign_out(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/?view=all").text)})


def users_app(store: Store, tmp_path):
    hasher = PasswordHasher()
    users = [User(name="anna", password_hash=hasher.hash("anna-pw")),
             User(name="ben", password_hash=hasher.hash("ben-pw"))]
    return create_app(make_config(users=users), store, home=tmp_path / "home")


# ---------------------------------------------------------------------- the store

def test_visits_begin_after_a_pause_or_a_sign_in_and_remember_the_last_activity(any_store):
    st = any_store
    first = st.visit("user:anna", GAP, now=T0)
    assert first.previous is None and first.started == T0
    same = st.visit("user:anna", GAP, now=T0 + timedelta(minutes=20))
    assert same == first                                              # reading on: the same visit
    later = st.visit("user:anna", GAP, now=T0 + timedelta(hours=9))
    assert later.previous == T0 + timedelta(minutes=20) and later.started == T0 + timedelta(hours=9)
    signed_in = st.visit("user:anna", GAP, fresh=True, now=T0 + timedelta(hours=9, minutes=5))
    assert signed_in.previous == T0 + timedelta(hours=9)
    assert st.visit("user:ben", GAP, fresh=True, now=T0).previous is None    # a first sign-in has no last visit
    assert st.current_visit("user:anna") == signed_in and st.current_visit("user:nobody") is None


def test_new_since_a_moment_tagged_only_seen_and_preferences_per_reader(any_store):
    st = any_store
    before = st.count_items(ItemQuery())
    cutoff = datetime.now(UTC) + timedelta(seconds=1)
    fresh = arrive(st, "Neue Regeln für Unternehmensseiten", now=cutoff + timedelta(minutes=5))
    untagged = arrive(st, "Webinar-Tipps für Creator", tags=(), now=cutoff + timedelta(minutes=6))
    assert st.query_ids(ItemQuery(arrived_after=cutoff)) == untagged + fresh           # newest first
    assert st.query_ids(ItemQuery(arrived_after=cutoff, tagged_only=True)) == fresh
    assert st.count_items(ItemQuery(arrived_after=cutoff + timedelta(hours=1))) == 0
    tagged_all = st.count_items(ItemQuery(tagged_only=True))
    assert 0 < tagged_all < before + 2 == st.count_items(ItemQuery())
    assert tagged_all == len({i for tag in ("feature_rollout", "legal_change", "algorithm_reach_change")
                              for i in st.query_ids(ItemQuery(tags=[tag]))})

    assert st.mark_query_seen("user:anna", ItemQuery(arrived_after=cutoff)) == 2
    st.mark_seen("user:anna", [st.ids["reels"], 10 ** 9])          # an id no longer stored is skipped
    assert st.seen_among("user:anna", [*fresh, *untagged, st.ids["reels"], st.ids["ruling"]]) == {
        *fresh, *untagged, st.ids["reels"]}
    assert st.seen_among("user:ben", fresh) == set()

    st.remember("user:anna", view="new", tagged_only=True)
    st.remember("user:anna", tagged_only=False)
    assert (st.preferences("user:anna").view, st.preferences("user:anna").tagged_only) == ("new", False)
    assert st.preferences("user:ben").view is None

    assert st.last_digest_at() is None
    digest = st.begin_digest("mail", [fresh[0]], now=cutoff)
    st.finish_digest(digest, None, now=cutoff + timedelta(minutes=5, seconds=30))
    assert st.last_digest_at(["mail"]) == cutoff + timedelta(minutes=5, seconds=30)
    assert st.last_digest_at(["chat"]) is None


# ---------------------------------------------------------------------- the archive, signed in

def test_a_morning_with_the_archive_new_items_seen_items_and_the_next_visit(store, tmp_path):
    with running(users_app(store, tmp_path)) as anna:
        sign_in(anna, "anna", "anna-pw")
        first = anna.get("/?view=new")
        assert first.status_code == 200
        assert "Ihr erster Besuch" in first.text
        assert len(titles(first.text)) == 50
        assert tabs(first.text) == {"all": None, "new": 65, "digest": 65}     # nothing older than a day yet

        reels = store.ids["reels"]
        assert anna.get(f"/items/{reels}").status_code == 200          # opened: seen from now on
        page = anna.get("/?view=new").text
        assert ("Instagram testet neue Reels-Funktion", True) in rows(page)
        assert sum(seen for _, seen in rows(page)) == 1
        ruling = store.ids["ruling"]                                   # a row's "mark as seen" button
        marked = anna.post("/seen", data={"csrf_token": csrf_of(page), "next": "/?view=new", "item": str(ruling)})
        assert marked.status_code == 303 and marked.headers["location"] == f"/?view=new#item-{ruling}"
        page = anna.get("/?view=new").text
        assert ("Urteil: Müller GmbH muss Impressum nachbessern", True) in rows(page)
        assert sum(seen for _, seen in rows(page)) == 2

        fresh = arrive(store, "LinkedIn ändert Regeln für Unternehmensseiten", "DSA: Meldewege werden Pflicht")
        sign_out(anna)
        sign_in(anna, "anna", "anna-pw")                               # the next visit
        page = anna.get("/?view=new").text
        assert titles(page) == ["DSA: Meldewege werden Pflicht", "LinkedIn ändert Regeln für Unternehmensseiten"]
        assert tabs(page)["new"] == 2 and "seit Ihrem letzten Besuch" in page
        assert tabs(anna.get("/?view=all").text) == {"all": 67, "new": 2, "digest": 67}
        api = anna.get("/api/items?view=new")
        assert sorted(it["id"] for it in api.json()) == sorted(fresh)

        # "Mark all as seen" marks the view's items, and the page says how many.
        done = anna.post("/seen", data={"csrf_token": csrf_of(page), "next": "/?view=new"})
        assert done.status_code == 303 and done.headers["location"] == "/?view=new"
        page = anna.get("/?view=new").text
        assert all(seen for _, seen in rows(page)) and "2 Meldungen als gelesen markiert" in page
        assert store.seen_among("user:anna", [store.ids["evil"]]) == set()      # only that view's items

    with running(users_app(store, tmp_path)) as ben:                   # a colleague's state is his own
        sign_in(ben, "ben", "ben-pw")
        page = ben.get("/?view=new").text
        assert not any(seen for _, seen in rows(page)) and "Ihr erster Besuch" in page


def test_the_chosen_view_and_tagged_only_are_remembered_per_person(store, tmp_path):
    with running(users_app(store, tmp_path)) as anna:
        sign_in(anna, "anna", "anna-pw")
        assert anna.get("/").status_code == 200                        # nothing chosen yet: the whole archive
        anna.get("/?view=digest&tagged=1")
        home = anna.get("/")
        assert home.status_code == 303 and home.headers["location"] == "/?view=digest&tagged=1"
        page = anna.get("/?view=digest&tagged=1").text
        assert titles(page) and "TikTok Meldung 0" not in titles(page)          # untagged filler hidden
        assert "Noch kein Digest verschickt" in page
        assert anna.get("/?view=gestern").status_code == 200          # a value that cannot be read ...
        assert anna.get("/").headers["location"] == "/?view=digest&tagged=1"     # ... changes no choice
        assert anna.get("/?view=all").headers["location"] == "/?view=all&tagged=1"   # tagged only stays on
        anna.get("/?view=all&tagged=0")
        assert anna.get("/").status_code == 200                        # back to the plain archive
    with running(users_app(store, tmp_path)) as ben:
        sign_in(ben, "ben", "ben-pw")
        assert ben.get("/").status_code == 200                         # Anna's choice is not Ben's


def test_since_the_last_digest_counts_from_the_digest_that_went_out(any_store, tmp_path):
    store = any_store
    digest = store.begin_digest("team-mail", [store.ids["reels"]])
    store.finish_digest(digest, None)
    time.sleep(0.01)
    after = arrive(store, "Threads öffnet Communities für alle")
    with running(users_app(store, tmp_path)) as anna:
        sign_in(anna, "anna", "anna-pw")
        page = anna.get("/?view=digest").text
        assert titles(page) == ["Threads öffnet Communities für alle"]
        assert "seit dem letzten Digest" in page and tabs(page)["digest"] == 1
        api = anna.get("/api/items?view=digest&limit=1")
        assert [it["id"] for it in api.json()] == after and "Link" not in api.headers
        feed = anna.get("/feed.xml?view=digest")
        assert feed.status_code == 200 and feed.text.count("<item>") == 1


def test_api_pages_of_a_view_keep_the_view_and_walk_it_once(any_store, tmp_path):
    store = any_store
    digest = store.begin_digest("team-mail", [])
    store.finish_digest(digest, None)
    time.sleep(0.01)
    fresh = arrive(store, *[f"Neue Meldung {n}" for n in range(5)])
    with running(users_app(store, tmp_path)) as anna:
        sign_in(anna, "anna", "anna-pw")
        seen, url = [], "/api/items?view=digest&limit=2"
        for _ in range(10):
            response = anna.get(url)
            seen += [it["id"] for it in response.json()]
            link = response.headers.get("link")
            if not link:
                break
            url = link.split(";")[0].strip("<>")
            assert "view=digest" in url and "cursor=" in url
        assert seen == fresh[::-1]
        bad = anna.get("/api/items?view=yesterday")
        assert bad.status_code == 400 and "view" in bad.json()["error"]


# ---------------------------------------------------------------------- the archive without login

def test_without_login_each_browser_is_a_reader_and_a_pause_begins_a_new_visit(store, tmp_path):
    app = create_app(make_config(), store, home=tmp_path / "home")
    app.state.web.visit_gap = timedelta(seconds=4)
    with running(app) as browser, running(app) as other:
        assert browser.get("/").status_code == 200 and other.get("/").status_code == 200
        assert browser.get("/?view=new&tagged=1").status_code == 200
        assert browser.get("/").headers["location"] == "/?view=new&tagged=1"     # remembered by this browser
        token = csrf_of(browser.get("/?view=new&tagged=0").text)
        assert browser.post(f"/items/{store.ids['reels']}/seen", data={"csrf_token": token}).status_code == 204
        assert ("Instagram testet neue Reels-Funktion", True) in rows(browser.get("/?view=all").text)
        time.sleep(4.5)                                                  # a pause: the next page is a new visit
        fresh = arrive(store, "Instagram: neue Regeln für Kooperationen")
        browser.get("/?view=all")
        page = browser.get("/?view=new").text
        assert titles(page) == ["Instagram: neue Regeln für Kooperationen"]
        # Another browser: its own (first) visit, nothing seen, nothing remembered.
        assert other.get("/").status_code == 200
        page = other.get("/?view=new").text
        assert len(titles(page)) == 50 and not any(seen for _, seen in rows(page))
        # A script without the browser's cookie has no visit to count from, and leaves no reader behind.
        readers = reader_count(store)
        with running(app) as script:
            refused = script.get("/api/items?view=new")
            assert refused.status_code == 400 and "signed-in" in refused.json()["error"]
            assert [it["id"] for it in script.get("/api/items?view=digest").json()][:1] == fresh
            for path in ("/", "/?view=new", f"/items/{store.ids['ruling']}"):
                script.cookies.clear()
                assert script.get(path).status_code == 200
        assert reader_count(store) == readers


def reader_count(store: Store) -> int:
    from sqlalchemy import func, select

    from monitor.store.schema import ReaderRow
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(ReaderRow)) or 0


def test_english_words_and_bad_view_values(store, tmp_path):
    app = create_app(make_config(language="en"), store, home=tmp_path / "home")
    with running(app) as client:
        page = client.get("/?view=new").text
        assert "Your first visit" in page and "Mark all as seen" in page and "Tagged only" in page
        assert set(tabs(page)) == {"all", "new", "digest"}
        bad = client.get("/?view=gestern")
        assert bad.status_code == 200 and "view" in BeautifulSoup(bad.text, "html.parser").select_one(
            "p.notice-warn").get_text()
        assert client.post("/seen", data={"next": "/?view=new"}).status_code == 403     # no CSRF token


def test_what_arrives_while_someone_reads_item_pages_is_new_at_the_next_visit(store, tmp_path, monkeypatch):
    """Anna loads the new view, two reports arrive, she reads an item page a while later, and comes back
    the next morning: the two were in no list she loaded, so they are new (reading an item page moved
    the boundary past them)."""
    clock = [datetime.now(UTC) + timedelta(minutes=1)]          # after the filled archive was stored
    monkeypatch.setattr("monitor.web.views.utcnow", lambda: clock[0])
    app = users_app(store, tmp_path)
    with running(app) as anna:
        sign_in(anna, "anna", "anna-pw")
        assert anna.get("/?view=new").status_code == 200
        fresh = arrive(store, "LinkedIn ändert Regeln für Unternehmensseiten", "DSA: Meldewege werden Pflicht",
                       now=clock[0] + timedelta(seconds=10))
        clock[0] += timedelta(seconds=90)
        assert anna.get(f"/items/{store.ids['reels']}").status_code == 200
    clock[0] += timedelta(hours=14)
    with running(app) as anna:                                   # the next morning, signed in again
        sign_in(anna, "anna", "anna-pw")
        page = anna.get("/?view=new").text
        assert sorted(titles(page)) == ["DSA: Meldewege werden Pflicht", "LinkedIn ändert Regeln für Unternehmensseiten"]
        assert sorted(it["id"] for it in anna.get("/api/items?view=new").json()) == sorted(fresh)
