"""Human durations such as `30m`, `24h`, `7d` as used in feeds.yaml and on the command line."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | int | float) -> timedelta:
    """`90s`, `30m`, `1h30m`, `7d`, `2w`; a bare number is seconds. Raises ValueError."""
    if isinstance(text, (int, float)):
        return timedelta(seconds=float(text))
    raw = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return timedelta(seconds=float(raw))
    parts = _PART.findall(raw)
    if not parts or _PART.sub("", raw).strip():
        raise ValueError(f"{text!r} is not a duration; write e.g. 30m, 6h, 7d")
    return timedelta(seconds=sum(float(n) * _UNITS[u.lower()] for n, u in parts))


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
