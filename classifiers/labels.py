"""Lagebild's vocabularies, spelled once: the tags, the platforms and the source categories.

Everything else imports these names: config validation, the tagger, the platform
dictionary, alerts, the digest, trends, the web UI. Display words live in the locale
files (`common.tag.<tag>`, `common.category.<category>`), colours and icons in the
templates and CSS; `tests/test_labels.py` fails when one of them lacks a name from here.
Kept free of imports so the crawl process and the CLI can load it for nothing.
"""

from __future__ import annotations

from typing import Literal

# The tags, in the order the model stores them (its arrays are indexed by this order).
TAGS: tuple[str, ...] = ("feature_rollout", "legal_change", "algorithm_reach_change")
Tag = Literal["feature_rollout", "legal_change", "algorithm_reach_change"]
LEGAL_TAG = "legal_change"
FEATURE_TAG = "feature_rollout"
REACH_TAG = "algorithm_reach_change"

# The order a reader sees them in: what a team must act on first.
TAG_DISPLAY_ORDER: tuple[str, ...] = ("legal_change", "algorithm_reach_change", "feature_rollout")

# Platform codes in display order, with the names people write them as.
PLATFORM_NAMES: dict[str, str] = {
    "facebook": "Facebook", "instagram": "Instagram", "threads": "Threads", "whatsapp": "WhatsApp",
    "messenger": "Messenger", "linkedin": "LinkedIn", "xing": "XING", "tiktok": "TikTok",
    "youtube": "YouTube", "x": "X", "pinterest": "Pinterest", "snapchat": "Snapchat", "reddit": "Reddit",
    "bluesky": "Bluesky", "mastodon": "Mastodon", "google": "Google", "telegram": "Telegram",
    "twitch": "Twitch",
}
PLATFORMS: tuple[str, ...] = tuple(PLATFORM_NAMES)

# Other names a user may write for a platform in feeds.yaml or a filter.
PLATFORM_ALIASES: dict[str, str] = {"twitter": "x"}

# Source categories (feeds.yaml `category:`).
CATEGORIES: tuple[str, ...] = ("platform", "industry", "legal", "network")
Category = Literal["platform", "industry", "legal", "network"]


def platform_code(name: str) -> str:
    """'Twitter' -> 'x', ' LinkedIn ' -> 'linkedin': the code for whatever a user wrote."""
    low = name.strip().lower()
    return PLATFORM_ALIASES.get(low, low)


def platform_label(code: str) -> str:
    """'linkedin' -> 'LinkedIn': how the teams write them (unknown codes capitalised)."""
    return PLATFORM_NAMES.get(code, code.capitalize())
