"""feeds.yaml: strict validation, errors that name file, line and fix, environment secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import ConfigError, load_config

GOOD = """\
settings:
  timezone: Europe/Berlin
  language: en
  fetch:
    interval: 15m
  digest:
    at: "06:45"
    notify: [team-email]
  alerts:
    - tags: [legal_change]
      platforms: [Twitter]
      notify: [team-chat]
notify:
  team-email: ${MAIL_URL}
  team-chat: ${CHAT_URL:-}
sources:
  - name: One
    url: https://one.example/feed
    category: legal
    language: de
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, **kw) -> str:
    with pytest.raises(ConfigError) as e:
        load_config(path, **kw)
    return str(e.value)


def test_good_config_is_typed_and_expands_the_environment(tmp_path):
    config = load_config(write(tmp_path, GOOD), environ={"MAIL_URL": "mailto://x"})
    assert config.settings.fetch.interval.total_seconds() == 900
    assert config.settings.digest.at.hour == 6 and config.settings.digest.at.minute == 45
    assert config.settings.alerts[0].platforms == ["x"]
    assert config.targets(["team-email", "team-chat"]) == {"team-email": "mailto://x"}  # empty chat: disabled


def test_a_config_read_again_is_its_own_copy_expanded_with_the_environment_of_the_moment(tmp_path):
    """A worker reads the applied configuration more than once (the parsed text is kept): each
    read must still expand ${VAR} from the environment it is given, and share nothing."""
    path = write(tmp_path, GOOD)
    first = load_config(path, environ={"MAIL_URL": "mailto://first"})
    second = load_config(path, environ={"MAIL_URL": "mailto://second"})
    assert first.targets(["team-email"]) == {"team-email": "mailto://first"}
    assert second.targets(["team-email"]) == {"team-email": "mailto://second"}
    assert second.sources == first.sources and second.sources is not first.sources


@pytest.mark.parametrize("change, line, words", [
    (("  language: en", "  langauge: en"), 3, ["settings.langauge", "unknown key", "language"]),
    (("    notify: [team-chat]", "    notify: [team-chatt]"), 12, ["team-chatt", "not defined"]),
    (("https://one.example/feed", "one.example/feed"), 18, ["sources.0.url", "not an http(s) URL"]),
    (("  timezone: Europe/Berlin", "  timezone: Europe/Berlim"), 2, ["time zone"]),
    (("    interval: 15m", "    interval: soon"), 5, ["not a duration"]),
    (("    category: legal", "    category: law"), 19, ["sources.0.category"]),
])
def test_errors_name_file_line_and_fix(tmp_path, change, line, words):
    path = write(tmp_path, GOOD.replace(*change))
    message = error_of(path, environ={"MAIL_URL": "m"})
    assert message.startswith(f"{path}:{line}:"), message
    for word in words:
        assert word in message


@pytest.mark.parametrize("change, line, words", [
    (('    at: "06:45"', "    at: 25:00"), 7, ["settings.digest.at", "'25:00' is not a time of day", "07:30"]),
    (('    at: "06:45"', "    at: 7"), 7, ["7 is not a time of day"]),
    (("    interval: 15m", "    timeout: 0"), 5, ["settings.fetch.timeout", "longer than 0", "30s"]),
    (("    interval: 15m", "    interval: 0s"), 5, ["settings.fetch.interval", "longer than 0"]),
    (("    interval: 15m", "    delay: -5"), 5, ["settings.fetch.delay", "0s or more"]),
    (("      platforms: [Twitter]", "      platforms: [twiter]"), 11,
     ["settings.alerts.0.platforms.0", "'twiter' is not a platform", "did you mean 'twitter'"]),
    (("  language: en", "  language: en\n  platforms: [linkdin]"), 4, ["'linkdin'", "did you mean 'linkedin'"]),
    (("    language: de", "    language: de\n    platforms: [instagam]"), 21,
     ["sources.0.platforms.0", "did you mean 'instagram'"]),
    (("      platforms: [Twitter]", "      sources: [Onee]"), 11,
     ["settings.alerts.0.sources.0", "no source 'Onee'", "did you mean 'One'"]),
    (("    url: https://one.example/feed", "    url: https://one.example/feed\n    url: https://two.example/feed"),
     19, ["duplicate key \"url\"", "keep one of the two"]),
])
def test_values_that_could_never_work_are_errors_with_file_line_and_fix(tmp_path, change, line, words):
    """Each of these was accepted before and failed later, silently or under another name: a
    digest at 25:00 went out at 01:00, a timeout of 0 was reported as a DNS failure, a rule on a
    misspelt platform or source never fired, and a key written twice quietly lost the first."""
    path = write(tmp_path, GOOD.replace(*change))
    message = error_of(path, environ={"MAIL_URL": "m"})
    assert message.startswith(f"{path}:{line}:"), message
    for word in words:
        assert word in message, message


def test_sizes_are_read_as_people_write_them(tmp_path):
    for written, size in (("20MB", 20 * 1024 * 1024), ("512 KB", 512 * 1024), ("2048", 2048)):
        text = GOOD.replace("    interval: 15m", f"    interval: 15m\n    max_bytes: {written}")
        assert load_config(write(tmp_path, text), environ={"MAIL_URL": "m"}).settings.fetch.max_bytes == size
    text = GOOD.replace("    interval: 15m", "    interval: 15m\n    max_bytes: 20 megs")
    message = error_of(write(tmp_path, text), environ={"MAIL_URL": "m"})
    assert "feeds.yaml:6:" in message and "write bytes or e.g. 20MB" in message


def test_unquoted_times_and_platforms_a_source_brings_are_fine(tmp_path):
    text = GOOD.replace('    at: "06:45"', "    at: 6:45").replace(
        "      platforms: [Twitter]", "      platforms: [discord]").replace(
        "    language: de", "    language: de\n    platforms: [discord]")
    config = load_config(write(tmp_path, text), environ={"MAIL_URL": "m"})
    assert (config.settings.digest.at.hour, config.settings.digest.at.minute) == (6, 45)
    assert config.settings.alerts[0].platforms == ["discord"], "a platform one of the sources carries"


def test_a_source_url_takes_a_secret_from_the_environment_as_notify_urls_do(tmp_path):
    text = GOOD.replace("https://one.example/feed", "HTTPS://one.example/feed?token=${FEED_TOKEN}")
    config = load_config(write(tmp_path, text), environ={"MAIL_URL": "m", "FEED_TOKEN": "s3cr3t"})
    assert config.sources[0].url == "https://one.example/feed?token=s3cr3t"
    message = error_of(write(tmp_path, text), environ={"MAIL_URL": "m"})
    assert "feeds.yaml:18:" in message and "FEED_TOKEN is not set" in message


def test_missing_environment_variable_is_named(tmp_path):
    message = error_of(write(tmp_path, GOOD), environ={})
    assert "feeds.yaml:14" in message and "MAIL_URL" in message and "${MAIL_URL:-}" in message


def test_duplicate_source_names_and_unknown_kinds(tmp_path):
    twice = GOOD + "  - name: One\n    url: https://two.example/feed\n"
    assert "used twice" in error_of(write(tmp_path, twice), environ={"MAIL_URL": "m"})
    odd = GOOD.replace("    category: legal", "    kind: magic\n    category: legal")
    message = error_of(write(tmp_path, odd), environ={"MAIL_URL": "m"}, known_kinds={"feed"})
    assert "unknown kind 'magic'" in message and "feed" in message


def test_broken_yaml_and_missing_file(tmp_path):
    assert "not valid YAML" in error_of(write(tmp_path, "settings:\n  language: [de\n"))
    assert "no such config file" in error_of(tmp_path / "nope.yaml")


def test_shipped_feeds_yaml_is_valid_and_large_enough():
    from spiders import KINDS
    config = load_config(Path(__file__).resolve().parent.parent / "feeds.yaml", known_kinds=set(KINDS),
                         environ={})
    assert len(config.sources) >= 40
    assert {s.category for s in config.sources} == {"platform", "industry", "legal", "network"}
    assert sum(s.language == "de" for s in config.sources) >= 10


SHIPPED = Path(__file__).resolve().parent.parent / "feeds.yaml"
SHIPPED_NOTIFY = "notify:\n  team-email: mailto://127.0.0.1:2525?to=a@example.org\n  team-chat: json://127.0.0.1:9/hook\n"


def commented_examples(text: str) -> list[tuple[int, str]]:
    """The YAML examples in a file's comments: runs of comment lines that start with `- name:`
    (a source) or a settings key such as `alerts:`, and go on while indented deeper; with the
    line each starts on."""
    lines = text.splitlines()
    found, i = [], 0
    while i < len(lines):
        body = lines[i].removeprefix("#")
        start = len(body) - len(body.lstrip())
        if lines[i].startswith("#") and (body.lstrip().startswith("- name:") or body.strip() == "alerts:"):
            block, j = [body], i + 1
            while j < len(lines) and lines[j].startswith("#"):
                more = lines[j].removeprefix("#")
                if not more.strip() or len(more) - len(more.lstrip()) <= start:
                    break
                block.append(more)
                j += 1
            found.append((i + 1, "\n".join(line[start:] for line in block) + "\n"))
            i = j
        else:
            i += 1
    return found


def test_every_commented_example_in_the_shipped_feeds_yaml_validates(tmp_path):
    from spiders import KINDS
    examples = commented_examples(SHIPPED.read_text(encoding="utf-8"))
    kinds = {line.split("kind:")[1].strip() for _, text in examples for line in text.splitlines() if "kind:" in line}
    assert len(examples) >= 3 and {"page", "listpage"} <= kinds, examples
    for line, example in examples:
        if example.startswith("alerts:"):
            text = "settings:\n" + "".join(f"  {row}\n" for row in example.splitlines()) + SHIPPED_NOTIFY
        else:
            text = SHIPPED_NOTIFY + "sources:\n" + "".join(f"  {row}\n" for row in example.splitlines())
        try:
            load_config(write(tmp_path, text), known_kinds=set(KINDS), environ={})
        except ConfigError as e:
            pytest.fail(f"feeds.yaml:{line}: the commented example does not validate: {e}")


def test_a_broken_commented_example_is_caught(tmp_path):
    """The check above can fail: a selector that is neither CSS nor XPath is found."""
    text = "# e.g.\n#  - name: X\n#    url: https://x.example/\n#    kind: listpage\n#    category: platform\n" \
           '#    selectors: {item: "article", title: "h2", link: "a/@href"}\n'
    [(line, example)] = commented_examples(text)
    assert line == 2
    message = error_of(write(tmp_path, SHIPPED_NOTIFY + "sources:\n" + "".join(f"  {r}\n" for r in example.splitlines())),
                       known_kinds={"listpage"}, environ={})
    assert "selectors.link" in message


def test_the_shipped_digest_target_is_named_in_its_header():
    """The header says what the file does with MONITOR_EMAIL_URL, and the file does that."""
    text = SHIPPED.read_text(encoding="utf-8")
    header = text.split("\nsettings:", 1)[0]
    assert "team-email: ${MONITOR_EMAIL_URL:-}" in text
    assert "MONITOR_EMAIL_URL" in header and "exit status 2" in header and "monitor digest --output" in header
