"""The archive in a real browser (Debian's chromium through playwright): forms, keyboard, CSP, phone layout.

Skipped when chromium or playwright is missing. Set LAGEBILD_SCREENS=/some/dir to keep
screenshots of the main pages for a look by eye.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.servers import running
from tests.test_web import FakeTagger, filled, make_config

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def store(sqlite_store):
    """The archive's data of test_web.py on SQLite."""
    return filled(sqlite_store)


@pytest.fixture
def site(store, tmp_path):
    from monitor.web import create_app

    app = create_app(make_config(), store, home=tmp_path / "home", tagger_loader=FakeTagger)
    with running(app) as client:
        yield str(client.base_url).rstrip("/")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    pg = context.new_page()
    pg.problems = []
    pg.on("console", lambda m: pg.problems.append(m.text) if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    yield pg
    context.close()


def shot(pg, name: str) -> None:
    folder = os.environ.get("LAGEBILD_SCREENS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_filtering_and_searching_through_the_form_gives_a_shareable_url(page, site):
    page.goto(site + "/")
    page.get_by_label("Rechtsänderung").first.check()
    page.get_by_role("button", name="Filter anwenden").click()
    page.wait_for_url("**tag=legal_change**")
    assert query(page.url)["tag"] == ["legal_change"]
    assert page.locator("h2.item-title").all_inner_texts() == ["Urteil: Müller GmbH muss Impressum nachbessern"]
    page.get_by_label("Suche").fill("Mueller")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=Mueller**")
    assert page.url == site + "/?q=Mueller&tag=legal_change"
    assert page.locator("a.chip").count() == 2
    shot(page, "browser-archive-filtered")
    page.locator("a.chip", has_text="Mueller").click()
    page.wait_for_load_state()
    assert "q" not in query(page.url) and query(page.url)["tag"] == ["legal_change"]
    assert page.problems == []


def test_correcting_tags_in_the_browser(page, site, store):
    iid = store.ids["reels"]
    page.goto(f"{site}/items/{iid}")
    assert page.locator(".tag-scores meter").count() == 3
    shot(page, "browser-item")
    form = page.locator("form.correct")
    form.get_by_label("Rechtsänderung").check()
    form.get_by_role("button").click()
    page.wait_for_url(f"**/items/{iid}#tags")
    assert page.get_by_role("status").filter(has_text="Korrektur ist gespeichert").count() == 1
    assert store.get_item(iid).tags == ["feature_rollout", "legal_change"]
    assert page.problems == []


def test_keyboard_users_get_a_skip_link_and_a_search_shortcut(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "f-q"


def test_pages_run_under_the_strict_csp_without_violations(page, site, store):
    for path in ("/", "/sources", "/trends", f"/items/{store.ids['evil']}", "/?q=Reichweite&page=1"):
        page.goto(site + path)
        assert page.evaluate("typeof window.alert") == "function"
    assert not [p for p in page.problems if "Content Security Policy" in p or "Refused" in p], page.problems
    shot(page, "browser-evil-item")


def test_on_a_phone_the_filters_fold_away_and_nothing_overflows(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    for path in ("/", "/sources", "/items/1", "/trends"):
        pg.goto(site + path)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390, path
    pg.goto(site + "/")
    assert pg.locator("details.filters-panel").get_attribute("open") is None
    pg.locator("details.filters-panel > summary").click()
    assert pg.get_by_label("Rechtsänderung").first.is_visible()
    shot(pg, "browser-phone-filters")
    context.close()


def test_a_story_opens_to_its_other_reports_without_script_and_fits_a_phone(browser, site, store):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="de-DE")
    pg = context.new_page()
    pg.goto(site + "/")
    other = pg.get_by_role("link", name="Reichweitenverlust bei LinkedIn", exact=True).nth(1)   # folded under it
    assert not other.is_visible()
    pg.get_by_text("auch berichtet von 1 weiteren Quelle").click()
    assert other.is_visible() and other.get_attribute("href") == "https://linkedin.example/feed-update"
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    shot(pg, "browser-phone-story")
    context.close()


def test_signing_in_and_out_in_the_browser(browser, store, tmp_path):
    from monitor.web import create_app

    app = create_app(make_config(language="en"), store, home=tmp_path, password="correct horse")
    with running(app) as client:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(f"{client.base_url}/sources")
        assert "/login" in pg.url
        pg.get_by_label("Password").fill("wrong")
        pg.get_by_role("button", name="Sign in").click()
        assert pg.get_by_role("alert").inner_text() == "Wrong name or password."
        pg.get_by_label("Name").fill("Jana")
        pg.get_by_label("Password").fill("correct horse")
        pg.get_by_role("button", name="Sign in").click()
        pg.wait_for_url("**/sources")
        assert pg.locator(".user").inner_text() == "Jana"
        pg.get_by_role("button", name="Sign out").click()
        pg.wait_for_url("**/login")
        pg.goto(f"{client.base_url}/")
        assert "/login" in pg.url
        context.close()


def test_a_signed_in_morning_new_items_one_opened_is_seen_and_the_next_visit_shows_only_newer(browser, store, tmp_path):
    from argon2 import PasswordHasher

    from monitor.config import User
    from monitor.web import create_app
    from tests.test_archive_views import arrive

    users = [User(name="anna", password_hash=PasswordHasher().hash("anna-pw"))]
    app = create_app(make_config(users=users), store, home=tmp_path / "home")
    with running(app) as client:
        site = str(client.base_url).rstrip("/")
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
        # The sources' pages are not reachable from the test: answer them here, so a click on a title leads somewhere.
        context.route("https://about.instagram.com/**", lambda route: route.fulfill(body="<p>Instagram</p>",
                                                                                  content_type="text/html"))
        pg = context.new_page()
        problems: list[str] = []
        pg.on("pageerror", lambda e: problems.append(str(e)))

        def sign_in() -> None:
            pg.goto(site + "/")
            pg.get_by_label("Name").fill("anna")
            pg.get_by_label("Passwort").fill("anna-pw")
            pg.get_by_role("button", name="Anmelden").click()
            pg.wait_for_url(site + "/**")

        sign_in()
        pg.get_by_role("link", name="Neu seit letztem Besuch").click()
        pg.wait_for_url("**view=new**")
        assert pg.locator("ol.item-list:not(.important-list) > li").count() == 50
        assert "Ihr erster Besuch" in pg.locator(".view-since").inner_text()
        row = pg.locator("li.item-row", has_text="Instagram testet neue Reels-Funktion")
        assert "is-seen" not in (row.get_attribute("class") or "")
        with pg.expect_request(lambda r: r.method == "POST" and r.url.endswith("/seen")):
            row.get_by_role("link", name="Instagram testet neue Reels-Funktion", exact=True).click()   # the source
        pg.wait_for_url("https://about.instagram.com/**")
        pg.goto(site + "/?view=new")
        row = pg.locator("li.item-row", has_text="Instagram testet neue Reels-Funktion")
        assert "is-seen" in (row.get_attribute("class") or "") and row.locator(".seen-mark").is_visible()
        assert pg.locator("li.item-row.is-seen").count() == 1
        shot(pg, "browser-archive-new-first-visit")

        arrive(store, "LinkedIn ändert Regeln für Unternehmensseiten", "DSA: Meldewege werden Pflicht")
        pg.locator("form.logout button").click()
        pg.wait_for_url("**/login**")
        sign_in()                                        # the next visit: the chosen view is remembered
        pg.wait_for_url("**view=new**")
        assert pg.locator("h2.item-title").all_inner_texts() == [
            "DSA: Meldewege werden Pflicht", "LinkedIn ändert Regeln für Unternehmensseiten"]
        assert pg.locator("nav.views a[aria-current=page] .view-count").inner_text() == "2"
        pg.get_by_role("button", name="Alle als gelesen markieren").click()
        pg.wait_for_load_state()
        assert pg.locator("li.item-row.is-seen").count() == 2
        assert pg.get_by_role("status").filter(has_text="2 Meldungen als gelesen markiert").count() == 1
        shot(pg, "browser-archive-new-next-visit")
        assert problems == []
        context.close()


def test_with_thousands_of_sources_the_source_field_suggests_names_and_filters(page, sqlite_store, tmp_path):
    """An agency's 4,000 sources: no drop-down of all names with every page, but a field that
    fetches them once (`/api/sources`, under the strict CSP) and filters by the chosen one."""
    from monitor.config import Config, Settings, Source
    from monitor.web import archive, create_app

    sources = [Source(name=f"Kanzlei {n:04d}", url=f"https://k{n}.example/feed", category="legal")
               for n in range(archive.SOURCE_LIST_MAX * 4)]
    sqlite_store.sync_sources(sources)
    app = create_app(Config(settings=Settings(language="de"), sources=sources), sqlite_store, home=tmp_path / "home")
    with running(app) as client:
        site = str(client.base_url).rstrip("/")
        page.goto(site + "/")
        field = page.locator("#f-source")
        field.focus()
        # A locator wait, not wait_for_function: the page's CSP forbids the eval that one needs.
        page.locator("#f-source-names option").first.wait_for(state="attached", timeout=10_000)
        assert page.locator("#f-source-names option").count() == len(sources)
        field.fill("Kanzlei 0042")
        page.get_by_role("button", name="Filter anwenden").click()
        page.wait_for_url("**source=Kanzlei**")
        assert query(page.url)["source"] == ["Kanzlei 0042"]
        assert page.locator("#f-source").input_value() == "Kanzlei 0042"
    assert page.problems == []
