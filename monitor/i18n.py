"""German and English words, dates and numbers for the digest, alerts and web UI.

Strings live in YAML catalogs under monitor/locale/ (one file per area: `web.yaml`,
`mail.yaml`, ...), each key with a `de` and an `en` text; dates and numbers are
formatted by Babel so '21.11.2026' and 'Nov 21, 2026' come out right.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from ruamel.yaml import YAML

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("de", "en")
_BABEL = {"de": "de_DE", "en": "en_GB"}


@cache
def _area(name: str) -> dict[str, dict[str, str]]:
    """One catalog file's keys ('cli.summary' is in cli.yaml): a command reads only the files
    it speaks from (all six cost `monitor run` 0.6 s of its start, ruamel reads YAML in Python)."""
    path = LOCALE_DIR / f"{name}.yaml"
    if not name.isidentifier() or not path.is_file():
        return {}
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    return {f"{name}.{key}": texts for key, texts in data.items()}


def _catalog() -> dict[str, dict[str, str]]:
    """Every key of every catalog file."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALE_DIR.glob("*.yaml")):
        merged.update(_area(path.stem))
    return merged


class Translator:
    """`t("web.filters")`, `t("mail.more", n=3)`; falls back to English, then to the key."""

    def __init__(self, language: str = "de", timezone: str = "Europe/Berlin") -> None:
        self.language = language if language in LANGUAGES else "en"
        self.tz = ZoneInfo(timezone)
        self.locale = _BABEL[self.language]

    def __call__(self, key: str, **values: object) -> str:
        texts = _area(key.partition(".")[0]).get(key, {})
        text = texts.get(self.language) or texts.get("en") or key
        return text.format(**values) if values else text

    def plural(self, key: str, n: int, **values: object) -> str:
        """Keys `<key>.one` / `<key>.other`."""
        return self(f"{key}.{'one' if n == 1 else 'other'}", n=self.number(n), **values)

    def date(self, value: date | datetime | None, form: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, format=form, locale=self.locale)

    def datetime(self, value: datetime | None, form: str = "minutes") -> str:
        """A moment in the team's time zone; "minutes" (the default): the date as lists show it and the
        time to the minute ("07.12.2026, 16:57", "7 Dec 2026, 16:57"), everywhere alike. Babel's own
        "short" had a two-digit year, and in English a day/month order a US reader takes the other way."""
        if value is None:
            return ""
        if form == "minutes":
            return f"{self.date(value)}, {format_time(value, format='short', tzinfo=self.tz, locale=self.locale)}"
        return format_datetime(value, format=form, tzinfo=self.tz, locale=self.locale)

    def short_date(self, value: dt.datetime | dt.date) -> str:   # dt.: the methods above shadow the names
        """'21.11.' in German, '21 Nov' in English: for subjects."""
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, format="dd.MM." if self.language == "de" else "d MMM", locale=self.locale)

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)
