"""Scrapy spiders, one per source kind. A spider's `name` is its file name and the
`kind:` that selects it in feeds.yaml; adding one is one file plus one line in SPIDERS."""

from spiders.feed import FeedSpider

SPIDERS = {spider.name: spider for spider in (FeedSpider,)}

__all__ = ["SPIDERS", "FeedSpider"]
