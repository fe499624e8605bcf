"""One vocabulary: every tag, platform and category named in classifiers/labels.py has
its words, colours and icons wherever a reader meets it, and nothing else spells them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from classifiers import platforms as platform_dictionary
from classifiers.labels import CATEGORIES, PLATFORMS, TAG_DISPLAY_ORDER, TAGS, platform_code, platform_label
from monitor.i18n import LANGUAGES, _catalog
from monitor.tell.digest_content import COLORS

ROOT = Path(__file__).resolve().parent.parent
CSS = (ROOT / "monitor" / "static" / "web.css").read_text(encoding="utf-8")
ALERT_MD = (ROOT / "monitor" / "templates" / "mail" / "alert.md").read_text(encoding="utf-8")


def _has_words(key: str) -> bool:
    texts = _catalog().get(key) or {}
    return all(texts.get(lang) for lang in LANGUAGES)


@pytest.mark.parametrize("tag", TAGS)
def test_every_tag_has_its_words_in_both_languages(tag):
    keys = [f"common.tag.{tag}", f"common.tag.{tag}.plural", f"mail.section.{tag}",
            f"mail.subject.{tag}.one", f"mail.subject.{tag}.other"]
    missing = [key for key in keys if not _has_words(key)]
    assert not missing, f"locale files lack {missing}"


@pytest.mark.parametrize("tag", TAGS)
def test_every_tag_has_a_css_class_a_colour_and_an_alert_icon(tag):
    assert re.search(rf"\.tag-{tag}\b", CSS), f"web.css has no .tag-{tag}"
    assert tag in COLORS, f"the digest has no colour for {tag}"
    assert f'"{tag}"' in ALERT_MD, f"alert.md has no icon for {tag}"


def test_display_order_names_every_tag_once():
    assert sorted(TAG_DISPLAY_ORDER) == sorted(TAGS)


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_has_its_words(category):
    assert _has_words(f"common.category.{category}")


def test_every_source_kind_has_its_words():
    """/sources names each source's kind in the reader's language, not as feeds.yaml spells it."""
    from spiders import KINDS
    assert all(_has_words(f"web.sources.kind.{kind}") for kind in KINDS)


def test_the_platform_dictionary_covers_exactly_the_platforms():
    assert set(platform_dictionary._TRIGGERS) == set(PLATFORMS)
    assert {p for rule in platform_dictionary._RULES for p in rule[0]} == set(PLATFORMS)


def test_platform_names_and_aliases():
    assert platform_code(" Twitter ") == "x"
    assert platform_code("LinkedIn") == "linkedin"
    assert platform_label("linkedin") == "LinkedIn" and platform_label("x") == "X"
    assert all(platform_label(p) != p or p == "x" for p in PLATFORMS if p != "x")


def test_no_module_spells_the_tags_again():
    """Tag names appear as data only in labels.py (colours keyed by tag are presentation)."""
    spelled = re.compile(r"""["'](?:feature_rollout|legal_change|algorithm_reach_change)["']""")
    allowed = {Path("classifiers/labels.py"), Path("monitor/tell/digest_content.py")}
    offenders = [str(path.relative_to(ROOT)) for package in ("monitor", "classifiers", "spiders")
                 for path in (ROOT / package).rglob("*.py")
                 if path.relative_to(ROOT) not in allowed and "migrations" not in path.parts
                 and spelled.search(path.read_text(encoding="utf-8"))]
    assert not offenders, f"tags spelled outside classifiers/labels.py: {offenders}"
