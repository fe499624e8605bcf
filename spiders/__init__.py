"""Scrapy spiders, one per source kind. A spider's `name` is its file name and the
`kind:` that selects it in feeds.yaml; adding one is one file plus one line in SPIDERS."""

from spiders.feed import FeedSpider
from spiders.linkedin_changes import LinkedinChangesSpider
from spiders.listpage import ListPageSpider
from spiders.meta_changelog import MetaChangelogSpider
from spiders.page import PageSpider
from spiders.tiktok_changelog import TiktokChangelogSpider

SPIDERS = {spider.name: spider for spider in (FeedSpider, PageSpider, ListPageSpider, MetaChangelogSpider,
                                               LinkedinChangesSpider, TiktokChangelogSpider)}

__all__ = ["SPIDERS", "FeedSpider", "PageSpider", "ListPageSpider", "MetaChangelogSpider",
           "LinkedinChangesSpider", "TiktokChangelogSpider"]
