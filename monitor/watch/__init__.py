"""Watch: the crawl contract, cleaning untrusted text and links, annotation, watched pages.

The Scrapy side of watching (spiders, crawl process, settings) lives in `spiders/`;
this package holds what both the crawl process and the parent need, free of Scrapy.
"""
