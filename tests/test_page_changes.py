"""A watched page's change item: a title that names the document (so documents are different
stories), a summary that quotes the changed words in context, and tags read from the
changed text, not from the words Lagebild wrote around it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import Source
from monitor.item import Item
from monitor.tag.tagging import item_doc, tag_items
from monitor.watch.page_changes import apply_snapshots
from monitor.watch.page_diff import change_summary, changed_sentences, edit_in_context, sentence_diff
from monitor.watch.page_names import change_title
from monitor.watch.page_text import extract_page
from spiders.base import SourceSpec
from spiders.page import snapshot

T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("source,url,page_title,platforms,german,english", [
    ("Facebook Terms of Service", "https://www.facebook.com/legal/terms", "Facebook", ["facebook"],
     "Facebook: Nutzungsbedingungen geändert", "Facebook: Terms of Service changed"),
    ("Meta Privacy Policy", "https://www.facebook.com/privacy/policy/", "", ["facebook", "instagram"],
     "Meta: Datenschutzrichtlinie geändert", "Meta: Privacy Policy changed"),
    ("Instagram Privacy Policy", "https://privacycenter.instagram.com/policy", "", ["instagram"],
     "Instagram: Datenschutzrichtlinie geändert", "Instagram: Privacy Policy changed"),
    ("LinkedIn User Agreement", "https://www.linkedin.com/legal/user-agreement", "", ["linkedin"],
     "LinkedIn: Nutzungsbedingungen geändert", "LinkedIn: User Agreement changed"),
    ("WhatsApp Terms of Service (EEA)", "https://www.whatsapp.com/legal/terms-of-service-eea", "", ["whatsapp"],
     "WhatsApp: Nutzungsbedingungen (EEA) geändert", "WhatsApp: Terms of Service (EEA) changed"),
    ("Meta Community Standards: Hateful Conduct", "https://transparency.fb.com/policies/community-standards/"
     "hateful-conduct/", "", ["facebook"], "Meta: Gemeinschaftsstandards (Hateful Conduct) geändert",
     "Meta: Community Standards (Hateful Conduct) changed"),
    ("TikTok Community Guidelines: Youth Safety", "https://www.tiktok.com/community-guidelines/en/youth-safety/",
     "", ["tiktok"], "TikTok: Gemeinschaftsrichtlinien (Youth Safety) geändert",
     "TikTok: Community Guidelines (Youth Safety) changed"),
    ("Snap Nutzungsbedingungen", "https://www.snap.com/de-DE/terms", "", ["snapchat"],
     "Snap: Nutzungsbedingungen geändert", "Snap: Terms of Service changed"),
    ("Facebook legal page", "https://www.facebook.com/policies/cookies/", "", ["facebook"],
     "Facebook: Cookie-Richtlinie geändert", "Facebook: Cookie Policy changed"),
    ("Instagram help article", "https://help.instagram.com/581066165581870", "Terms of Use | Instagram Help Center",
     ["instagram"], "Instagram: Nutzungsbedingungen geändert", "Instagram: Terms of Service changed"),
    ("Terms", "https://example.org/terms", "", [], "example.org: Nutzungsbedingungen geändert",
     "example.org: Terms of Service changed"),
    ("Example Blog Page", "https://example.org/blog", "Blog", [], "Example Blog Page geändert",
     "Example Blog Page changed"),
])
def test_change_titles_name_the_platform_and_the_document(source, url, page_title, platforms, german, english):
    assert change_title(source, url, page_title, platforms, "de") == german
    assert change_title(source, url, page_title, platforms, "en") == english


def page(paragraphs: list[str], title: str = "Policy") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>{title}</title></head><body><main>{body}</main></body></html>"


def watch(store, name: str, url: str, platforms: list[str], html: str, at: datetime, language: str = "de"):
    spec = SourceSpec(name=name, url=url, kind="page", category="legal", language="en", platforms=platforms)
    found = extract_page(html)
    return apply_snapshots(store, [snapshot(spec, found.title, found.text)], at, language=language)


def test_changes_to_different_documents_of_one_platform_are_different_stories(store):
    """The same day, the same kind of edit: Facebook's terms, its privacy policy and Instagram's privacy policy."""
    docs = [("Facebook Terms of Service", "https://www.facebook.com/legal/terms", ["facebook"]),
            ("Facebook Privacy Policy", "https://www.facebook.com/privacy/policy/", ["facebook"]),
            ("Instagram Privacy Policy", "https://privacycenter.instagram.com/policy", ["instagram"])]
    store.sync_sources([Source(name=n, url=u, kind="page", category="legal", platforms=p) for n, u, p in docs])
    shared = ["We use information to personalise features and content.", "We may share information with partners."]
    changes = []
    for name, url, platforms in docs:
        watch(store, name, url, platforms, page(shared), T0)
        changes += watch(store, name, url, platforms,
                         page([*shared, "We use public posts to train our AI models."]), T0 + timedelta(hours=1))
    stored = store.add_items(changes, now=T0 + timedelta(hours=1))
    assert [c.title for c in stored] == ["Facebook: Nutzungsbedingungen geändert",
                                         "Facebook: Datenschutzrichtlinie geändert",
                                         "Instagram: Datenschutzrichtlinie geändert"]
    assert len({c.cluster for c in stored}) == 3


def test_a_one_word_edit_is_quoted_with_the_words_around_it_not_two_sentences():
    old = ("Wir speichern deine Suchanfragen, bis du sie löschst. Standortdaten speichern wir für höchstens zwölf "
           "Monate, danach werden sie gelöscht oder so zusammengefasst, dass sie dich nicht mehr identifizieren.")
    new = old.replace("zwölf", "achtzehn")
    diff = sentence_diff(old, new)
    summary = change_summary(diff, "de")
    assert summary == ("1 Satz geändert. Geändert: „Standortdaten speichern wir für höchstens [zwölf → achtzehn] "
                       "Monate, danach werden sie gelöscht oder …“")
    assert "Suchanfragen" not in summary
    assert "<del>zwölf</del> <ins>achtzehn</ins>" in diff.html


def test_edits_far_apart_in_one_sentence_are_two_snippets():
    old = " ".join(f"w{n}" for n in range(40))
    new = old.replace("w3 ", "W3 ").replace("w35", "W35")
    assert edit_in_context(old, new) == ("w0 w1 w2 [w3 → W3] w4 w5 w6 w7 w8 w9 … w29 w30 w31 w32 w33 w34 "
                                         "[w35 → W35] w36 w37 w38 w39")


def test_a_changed_table_row_is_quoted_whole_with_the_edit_marked():
    table = ("<table><tr><th>Information</th><th>How long we keep it</th></tr>"
             "<tr><td>Location history</td><td><p>Up to 12 months.</p><p>Then it is deleted.</p></td></tr>"
             "<tr><td>Call logs</td><td>Up to 90 days.</td></tr></table>")
    before = extract_page(f"<html><body><main>{table}</main></body></html>").text
    after = extract_page(f"<html><body><main>{table.replace('12 months', '18 months')}</main></body></html>").text
    diff = sentence_diff(before, after)
    assert diff.rewritten == [("Location history | Up to 12 months. Then it is deleted.",
                               "Location history | Up to 18 months. Then it is deleted.")]
    assert change_summary(diff) == ("1 sentence changed. Changed: “Location history | Up to [12 → 18] months. "
                                    "Then it is deleted.”")


class RecordingTagger:
    def __init__(self):
        self.docs = []

    def predict(self, docs, platforms=None):
        from types import SimpleNamespace
        self.docs += docs
        return [SimpleNamespace(tags=["legal_change"], scores={"legal_change": 0.9}) for _ in docs]


def test_a_change_is_tagged_from_the_changed_sentences_only(sqlite_store):
    sqlite_store.sync_sources([Source(name="Instagram Terms of Use", url="https://help.instagram.com/581066165581870",
                                      kind="page", category="legal")])
    args = ("Instagram Terms of Use", "https://help.instagram.com/581066165581870", ["instagram"])
    before = ["Du musst mindestens 13 Jahre alt sein.", "Wir zeigen dir Werbung.", "Du behältst deine Rechte."]
    watch(sqlite_store, *args, page(before), T0)
    [change] = watch(sqlite_store, *args, page([before[0].replace("13", "16"), before[1], before[2],
                                                "Neue Funktionen können wir jederzeit einführen."]), T0 + timedelta(1))
    assert change.title == "Instagram: Nutzungsbedingungen geändert"
    assert "Geändert:" in change.summary and "Neu:" in change.summary     # what a reader sees ...
    tagger = RecordingTagger()
    tag_items(tagger, [change])
    [doc] = tagger.docs                                                    # ... is not what the tagger reads
    assert doc["title"] == ""
    assert doc["summary"].splitlines() == ["Du musst mindestens 16 Jahre alt sein.",
                                           "Du musst mindestens 13 Jahre alt sein.",
                                           "Neue Funktionen können wir jederzeit einführen."]
    for generated in ("geändert", "Geändert", "Neu:", "Entfernt", "Satz", "hinzugefügt"):
        assert generated not in doc["summary"]
    [stored] = sqlite_store.add_items([change])
    assert item_doc(sqlite_store.items_by_ids([stored.id])[0]) == doc      # the same after storing (retraining)


def test_other_items_are_tagged_from_title_and_summary():
    item = Item(source="Blog", title="Neue Funktion", url="https://example.org/p", summary="Geändert: alles")
    assert item_doc(item) == {"title": "Neue Funktion", "summary": "Geändert: alles", "lang": None}
    assert changed_sentences("") == [] and changed_sentences("<p>no edits</p>") == []
