"""OPML in and out: a round trip keeps every source, an import only adds (comments and layout
untouched), known URLs are skipped, names stay unique, and hostile XML is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from monitor.cli import cli
from monitor.config import Config, ConfigError, Settings, Source, load_config
from monitor.opml import OpmlError, export_opml, import_opml, read_opml

REPO_FEEDS = Path(__file__).resolve().parent.parent / "feeds.yaml"
SOURCES = [
    Source(name="Instagram Newsroom", url="https://about.instagram.com/feed", category="platform", language="en",
           platforms=["instagram", "threads"]),
    Source(name="t3n: Social Media", url="https://t3n.de/tag/social-media/rss.xml", category="industry", language="de"),
    Source(name="Datenschutz & Recht", url="https://recht.example/feed?format=atom", category="legal", language="de",
           note="Kanzlei-Blog, \"wöchentlich\""),
    Source(name="Mastodon News", url="https://blog.joinmastodon.org/index.xml", category="network",
           platforms=["mastodon"], enabled=False),
]
COMMENTED = """\
# Our sources. Keep this comment!
settings:
  language: de   # the web UI speaks German

sources:
  # --- platforms -------------------------------------------------------
  - name: Meta Newsroom
    url: https://about.fb.com/news/feed/
    kind: feed
    category: platform
    platforms: [facebook, instagram]   # hint

  # --- legal -------------------------------------------------------------
  - name: "Datenschutz-Blog"
    url: 'https://datenschutz.example/feed'
    kind: feed
    category: legal

# Candidates for later:
#  - name: Something
#    url: https://later.example/feed
"""


def opml(body: str, doctype: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}<opml version="2.0"><head><title>x</title></head>' \
           f'<body>{body}</body></opml>'


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def comparable(sources) -> list[dict]:
    return [s.model_dump(exclude_none=True) for s in sources]


# ---------------------------------------------------------------------- export

def test_export_is_opml_2_with_a_folder_per_category_and_the_source_attributes():
    root = etree.fromstring(export_opml(Config(sources=SOURCES)).encode())
    assert root.tag == "opml" and root.get("version") == "2.0" and root.findtext("head/title")
    folders = root.findall("body/outline")
    assert [f.get("text") for f in folders] == ["platform", "industry", "legal", "network"]
    insta = folders[0].find("outline")
    assert insta.attrib == {"text": "Instagram Newsroom", "title": "Instagram Newsroom", "type": "rss",
                            "xmlUrl": "https://about.instagram.com/feed", "category": "platform", "language": "en",
                            "platforms": "instagram threads"}
    assert folders[3].find("outline").get("enabled") == "false"


def test_pages_and_spiders_are_exported_as_links_and_not_imported_as_feeds(tmp_path):
    config = Config(sources=[Source(name="Terms", url="https://x.example/terms", kind="page", category="legal")])
    exported = write(tmp_path / "out.opml", export_opml(config))
    [outline] = [o for o in etree.fromstring(exported.read_bytes()).iter("outline") if o.get("url")]
    assert outline.get("type") == "link" and outline.get("kind") == "page"
    report = import_opml(exported, tmp_path / "feeds.yaml")
    assert report.added == [] and report.skipped and "not a feed" in report.skipped[0][1]


# ---------------------------------------------------------------------- import

def test_round_trip_into_an_empty_feeds_yaml_gives_the_same_sources(tmp_path):
    exported = write(tmp_path / "sources.opml", export_opml(Config(sources=SOURCES)))
    target = write(tmp_path / "feeds.yaml", "")
    report = import_opml(exported, target)
    assert [s["name"] for s in report.added] == [s.name for s in SOURCES]
    assert comparable(load_config(target).sources) == comparable(SOURCES)


def test_round_trip_of_the_shipped_feeds_yaml_keeps_every_feed(tmp_path):
    shipped = load_config(REPO_FEEDS)
    feeds = [s for s in shipped.sources if s.kind == "feed"]
    exported = write(tmp_path / "sources.opml", export_opml(shipped))
    target = tmp_path / "feeds.yaml"                        # not there yet: created
    report = import_opml(exported, target)
    assert len(report.added) == len(feeds) and len(report.skipped) == len(shipped.sources) - len(feeds)
    assert comparable(load_config(target).sources) == comparable(feeds)


def test_import_appends_after_the_last_source_and_keeps_every_comment_and_quote(tmp_path):
    target = write(tmp_path / "feeds.yaml", COMMENTED)
    source = write(tmp_path / "in.opml", opml(
        '<outline text="Legal"><outline text="Recht-Blog" type="rss" xmlUrl="https://recht.example/rss" '
        'language="de-DE"/></outline>'
        '<outline text="Tech"><outline text="Deep"><outline title="The Verge" text="Verge" type="rss" '
        'xmlUrl="https://www.theverge.com/rss/index.xml"/></outline></outline>'
        '<outline text="Loose" xmlUrl="https://loose.example/feed"/>'))
    report = import_opml(source, target)
    text = target.read_text(encoding="utf-8")
    added_block = text[text.index("  # imported from in.opml"):text.index("# Candidates for later:")]
    assert text.replace(added_block, "") == COMMENTED                      # the rest is byte for byte the same
    assert text.rstrip().endswith("#    url: https://later.example/feed")  # the closing comments stay last
    config = load_config(target)
    assert [(s.name, s.category, s.language, s.kind) for s in config.sources[2:]] == [
        ("Recht-Blog", "legal", "de", "feed"), ("The Verge", "industry", None, "feed"),
        ("Loose", "industry", None, "feed")]
    assert len(report.added) == 3 and "added 3 source(s)" in report.lines()[0]


def test_known_urls_are_skipped_names_made_unique_and_a_second_import_changes_nothing(tmp_path):
    target = write(tmp_path / "feeds.yaml", COMMENTED)
    source = write(tmp_path / "in.opml", opml(
        '<outline text="Meta" type="rss" xmlUrl="https://ABOUT.fb.com/news/feed"/>'          # known, other spelling
        '<outline text="Datenschutz-Blog" type="rss" xmlUrl="https://other.example/feed"/>'  # name taken
        '<outline text="Twice" type="rss" xmlUrl="https://twice.example/feed"/>'
        '<outline text="Twice again" type="rss" xmlUrl="https://twice.example/feed/"/>'
        '<outline text="FTP" type="rss" xmlUrl="ftp://files.example/feed"/>'))
    report = import_opml(source, target)
    assert [s["name"] for s in report.added] == ["Datenschutz-Blog (2)", "Twice"]
    assert [url for _, url in report.duplicates] == ["https://ABOUT.fb.com/news/feed", "https://twice.example/feed/"]
    assert report.renamed == [("Datenschutz-Blog", "Datenschutz-Blog (2)")]
    assert report.skipped and "not an http(s) URL" in report.skipped[0][1]
    after = target.read_text(encoding="utf-8")
    again = import_opml(source, target)
    assert again.added == [] and target.read_text(encoding="utf-8") == after
    assert len(load_config(target).sources) == 4


def test_outlines_that_would_leak_a_secret_or_reach_a_metadata_service_are_skipped_with_the_reason(tmp_path):
    """feeds.yaml fills ${VAR} in a source's url from the environment: an imported address that
    names a variable would send this machine's value (a mail password) to the feed's site."""
    target = write(tmp_path / "feeds.yaml", COMMENTED)
    source = write(tmp_path / "in.opml", opml(
        '<outline text="Harmless News" type="rss" xmlUrl="http://leak.example/f?k=${MONITOR_EMAIL_URL}"/>'
        '<outline text="Metadata" type="rss" xmlUrl="http://169.254.169.254/latest/meta-data/"/>'
        '<outline text="No address" type="rss"/>'
        '<outline text="Upper case" type="rss" xmlUrl="HTTPS://Upper.example/feed"/>'))
    report = import_opml(source, target)
    why = dict(report.skipped)
    assert "environment variable" in why["Harmless News"] and "link-local" in why["Metadata"]
    assert "no xmlUrl" in why["No address"]
    assert [s["url"] for s in report.added] == ["https://Upper.example/feed"]
    assert "${" not in target.read_text(encoding="utf-8")


def test_an_opml_nested_a_thousand_folders_deep_is_read_in_order(tmp_path):
    target = write(tmp_path / "feeds.yaml", COMMENTED)
    deep = '<outline text="Ordner">' * 1000 + '<outline text="Tief" type="rss" xmlUrl="https://deep.example/feed"/>' \
        + "</outline>" * 1000
    source = write(tmp_path / "deep.opml", opml('<outline text="Erst" type="rss" xmlUrl="https://first.example/f"/>'
                                                + deep + '<outline text="Zuletzt" type="rss" '
                                                'xmlUrl="https://last.example/f"/>'))
    report = import_opml(source, target)
    assert [s["name"] for s in report.added] == ["Erst", "Tief", "Zuletzt"]


def test_an_opml_that_declares_entities_is_refused_and_nothing_changes(tmp_path):
    target = write(tmp_path / "feeds.yaml", COMMENTED)
    laughs = ('<!DOCTYPE opml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n')
    external = '<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    for n, doctype in enumerate((laughs, external)):
        hostile = write(tmp_path / f"hostile{n}.opml",
                        opml('<outline text="&lol2;" type="rss" xmlUrl="https://x.example/feed"/>'
                             if n == 0 else '<outline text="&secret;" type="rss" xmlUrl="https://x.example/feed"/>',
                             doctype))
        with pytest.raises(OpmlError, match="declares XML entities"):
            import_opml(hostile, target)
    assert target.read_text(encoding="utf-8") == COMMENTED


def test_files_that_are_not_opml_get_a_clear_error(tmp_path):
    for text, message in (("<rss version='2.0'/>", "not an OPML file"), ("<opml><body>", "not well-formed"),
                          ("<opml version='2.0'/>", "no <body>")):
        with pytest.raises(OpmlError, match=message):
            read_opml(write(tmp_path / "x.opml", text))


def test_an_import_that_would_break_the_config_is_not_written(tmp_path):
    target = write(tmp_path / "feeds.yaml", "settings:\n  language: xx\nsources: []\n")
    source = write(tmp_path / "in.opml", opml('<outline text="A" type="rss" xmlUrl="https://a.example/feed"/>'))
    with pytest.raises(ConfigError):
        import_opml(source, target)
    assert target.read_text(encoding="utf-8") == "settings:\n  language: xx\nsources: []\n"


def test_flow_style_empty_sources_become_a_list(tmp_path):
    target = write(tmp_path / "feeds.yaml", "settings:\n  language: en\nsources: []   # none yet\n")
    source = write(tmp_path / "in.opml", opml('<outline text="A" type="rss" xmlUrl="https://a.example/feed"/>'))
    import_opml(source, target)
    assert [s.name for s in load_config(target).sources] == ["A"]
    assert load_config(target).settings == Settings(language="en")


# ---------------------------------------------------------------------- command line

def test_the_commands_export_and_import(tmp_path):
    runner = CliRunner()
    origin = write(tmp_path / "origin.yaml", COMMENTED)
    exported = tmp_path / "out.opml"
    result = runner.invoke(cli, ["sources-export", "--config", str(origin), "--output", str(exported)])
    assert result.exit_code == 0, result.output
    assert [a["text"] for a, _ in read_opml(exported)] == ["Meta Newsroom", "Datenschutz-Blog"]
    printed = runner.invoke(cli, ["sources-export", "--config", str(origin)])
    assert printed.exit_code == 0 and printed.output.startswith("<?xml") and "xmlUrl" in printed.output
    fresh = write(tmp_path / "fresh.yaml", "# new team config\n")
    done = runner.invoke(cli, ["sources-import", str(exported), "--config", str(fresh)])
    assert done.exit_code == 0 and "added 2 source(s)" in done.output, done.output
    assert fresh.read_text(encoding="utf-8").startswith("# new team config\n")
    assert comparable(load_config(fresh).sources) == comparable(load_config(origin).sources)
    bad = runner.invoke(cli, ["sources-import", str(write(tmp_path / "bad.opml", "<html/>")), "--config", str(fresh)])
    assert bad.exit_code == 1 and "not an OPML file" in bad.output
