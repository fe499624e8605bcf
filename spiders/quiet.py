"""Scrapy's per-response and per-item log lines, not made at all.

Scrapy builds a DEBUG record for every response ("Crawled (304) ...") and every item
("Scraped from ..."); with LOG_LEVEL at ERROR no handler prints them, but each is still
made, passed to the log machinery and dropped: a twentieth of a 304-only crawl's CPU
(benchmarks/bench_fetch.py, second run). Returning None tells Scrapy to log nothing.
"""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter


class QuietLogFormatter(LogFormatter):
    def crawled(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        return None

    def scraped(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        return None
