"""What the web archive does with values no person means: dates outside any archive, ids and
numbers past the database's integers, digits from other scripts, bodies that are no form, and
names nobody could read or type again. Each once answered 500, broke a stream after its first
line, or changed stored data in silence; now each is a plain 400 or 404, or a warning on the
page. A real uvicorn server over real SQLite and PostgreSQL databases."""

from __future__ import annotations

import base64
import re

import pytest

from tests import team_world
from tests.servers import running
from tests.test_team_web import HASH, PASSWORD, app_for, csrf, sign_in
from tests.test_team_web import store as team_store  # noqa: F401 - the fixture, under its own name
from tests.test_web_api import store, web  # noqa: F401 - the filled archive on a real server, both databases

FAR_DATES = ["since=1000000d", "since=10000000000d", "since=0001-01-01", "since=0001-01-01T00:00:00",
             "until=9999-12-31", "until=31.12.9999", "until=1000000d"]


@pytest.mark.parametrize("query", FAR_DATES)
def test_a_date_outside_any_archive_is_a_warning_on_the_page_and_a_400_for_machines(web, query):
    page = web.get(f"/?{query}")
    assert page.status_code == 200 and "nicht lesbar und wurde ignoriert" in page.text
    assert "65 Meldungen" in page.text, "the filter is ignored, the archive still shows"
    for path in ("/api/items", "/feed.xml", "/export.csv"):
        answer = web.get(f"{path}?{query}")
        assert answer.status_code == 400, (path, answer.status_code)
        assert query.split("=")[0] in answer.json()["error"]


@pytest.mark.parametrize("path", ["/api/items?offset=99999999999999999999", "/feed.xml?offset=99999999999999999999",
                                  "/export.csv?limit=99999999999999999999", "/export.csv?offset=99999999999999999999",
                                  "/api/items?all=1&offset=99999999999999999999",
                                  "/api/items?limit=%C2%B2", "/api/items?offset=%D9%A3",
                                  "/export.json?limit=%EF%BC%91"])
def test_numbers_past_the_database_or_in_other_digits_are_a_400(web, path):
    answer = web.get(path)
    assert answer.status_code == 400 and "cannot read" in answer.json()["error"]


@pytest.mark.parametrize("cursor", ["n|2026-01-01T00:00:00+00:00|99999999999999999999",
                                    "n|0001-01-01T00:00:00+14:00|5", "n|9999-12-31T23:59:59-14:00|5"])
def test_a_cursor_with_an_impossible_place_is_a_400(web, cursor):
    raw = base64.urlsafe_b64encode(cursor.encode()).decode().rstrip("=")
    answer = web.get(f"/api/items?cursor={raw}")
    assert answer.status_code == 400 and "Link header" in answer.json()["error"]


def test_an_item_id_past_the_database_is_not_found(web):
    assert web.get("/items/9223372036854775808").status_code == 404
    assert web.get("/items/99999999999999999999999").status_code == 404


def test_marks_and_corrections_need_an_item_the_team_can_see_and_a_form(web, store):
    iid = store.ids["reels"]
    token = csrf(web, f"/items/{iid}")
    assert web.post("/items/987654/seen", data={"csrf_token": token}).status_code == 404
    for item in ("٣", "²", "99999999999999999999"):
        assert web.post("/seen", data={"csrf_token": token, "item": item}).status_code == 400, item
    as_json = web.post(f"/items/{iid}/tags", json={"tag": ["legal_change"]}, headers={"X-CSRF-Token": token})
    assert as_json.status_code in (403, 415)
    as_text = web.post(f"/items/{iid}/tags", content=f"csrf_token={token}&tag=legal_change",
                       headers={"Content-Type": "text/plain"})
    assert as_text.status_code in (403, 415)
    assert store.get_item(iid).tags == ["feature_rollout"] and store.correction_history(iid) == []


def test_a_tag_or_category_no_item_can_have_is_said_not_shown_as_a_chip(web):
    page = web.get("/?tag=bogus&category=gossip&tag=legal_change")
    assert page.status_code == 200
    assert "common.tag" not in page.text and "common.category" not in page.text
    assert page.text.count("nicht lesbar und wurde ignoriert") == 2 and "Zeiträume" not in page.text
    answer = web.get("/api/items?tag=bogus")
    assert answer.status_code == 400 and "legal_change" in answer.json()["error"]


def test_a_search_without_a_word_is_no_search_and_control_characters_split_nothing(web):
    page = web.get("/?q=%21%21", follow_redirects=True)
    assert page.url.query == b"", "the clean URL of the unfiltered archive"
    assert "65 Meldungen" in page.text and "%21%21" not in page.text, "no chip for a search that is none"
    joined = web.get("/api/items?q=Ree%00ls").json()
    assert joined == web.get("/api/items?q=Reels").json() and joined


@pytest.mark.parametrize("name", ["nul\x00name", "bell\x07\x1b[31mred", "zero\u200bwidth", "private\ue000use"])
def test_names_nobody_could_read_or_type_again_are_refused(team_store, tmp_path, name):
    team_world.person(team_store, "ada", HASH, {"default": "admin"})     # who may add teams
    with running(app_for(team_store, tmp_path)) as client:
        sign_in(client, "ada")
        token = csrf(client, "/admin")
        person = client.post("/admin/people", data={"csrf_token": token, "name": name, "role": "viewer",
                                                    "password": "a long new password"})
        assert person.status_code == 400 and "sichtbarer Zeichen" in person.text
        team = client.post("/admin/teams", data={"csrf_token": token, "slug": "west", "name": name})
        assert team.status_code == 400
        assert "\x00" not in client.get("/admin").text


def test_a_long_name_the_admin_page_accepts_can_sign_in(team_store, tmp_path):
    long_name = "Leonie " + "L" * 150
    with running(app_for(team_store, tmp_path)) as client:
        sign_in(client, "ada")
        token = csrf(client, "/admin")
        added = client.post("/admin/people", data={"csrf_token": token, "name": long_name, "role": "viewer",
                                                   "password": "a long new password"})
        assert added.status_code == 303
    with running(app_for(team_store, tmp_path)) as client:
        sign_in(client, long_name, "a long new password")
        assert "North only" in client.get("/").text
    assert PASSWORD and HASH and re   # the fixture's people and hash, used by sign_in
