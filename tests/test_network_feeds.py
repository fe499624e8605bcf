"""Feeds of the networks themselves: YouTube channels, Mastodon, Bluesky, subreddits."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.base import SourceSpec
from spiders.crawl import POLITE_HOSTS
from spiders.feed import parse_feed

HERE = Path(__file__).resolve().parent / "fixtures" / "network"
REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "real-feeds"


def parse(path: Path, name: str = "net"):
    return parse_feed(path.read_bytes(), SourceSpec(name, "https://example.org/feed", "feed", "network"))


def test_mastodon_posts_without_titles_get_their_first_words():
    [post] = parse(HERE / "mastodon.rss")
    assert post.title.startswith("WhatsApp zeigt Kanal-Updates ab heute auch in der Chatliste an.")
    assert "#WhatsApp" in post.summary and "<" not in post.summary
    assert post.url == "https://social.example/@plattformticker/113000000000000001"
    assert post.published.isoformat() == "2026-11-20T08:12:00+00:00"


def test_bluesky_posts_keep_their_text_and_link():
    [post] = parse(HERE / "bluesky.rss")
    assert post.title.startswith("Starter packs can now be shared as a QR code")
    assert post.url.startswith("https://bsky.app/profile/bsky.app/post/")
    assert post.guid.startswith("at://")


def test_subreddit_atom_entries_are_read_without_reddit_boilerplate_markup():
    [entry] = parse(HERE / "reddit.atom")
    assert entry.title == "LinkedIn now shows link posts less often?"
    assert entry.summary.startswith("LinkedIn confirmed in their help center")
    assert "SC_OFF" not in entry.summary


@pytest.mark.skipif(not (REAL / "feedjira__youtube_atom.xml").exists(), reason="real-feeds fixtures absent")
def test_youtube_channel_feed_text_comes_from_media_description():
    videos = parse(REAL / "feedjira__youtube_atom.xml")
    assert len(videos) == 15
    assert videos[0].url.startswith("http://www.youtube.com/watch?v=")
    assert videos[0].summary.startswith("A question is the most powerful force")


def test_rate_limited_networks_are_fetched_one_at_a_time():
    assert POLITE_HOSTS["www.reddit.com"]["concurrency"] == 1 and POLITE_HOSTS["www.reddit.com"]["delay"] >= 2
