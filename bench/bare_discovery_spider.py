"""The bare spider's discovering twin, a series of ``bench_crawl``: it finds the article pages as a crawl must.

It fetches the feeds and listing pages of the benchmark's URL list, finds the ``/berita/<id>`` links in each with a
regular expression, and requests them (Scrapy's duplicate filter drops the repeats); it parses nothing else and
yields nothing. The bare spider is handed every article URL; this one pays what Scrapy charges for requests born in
a callback (the spider middlewares, the scheduler's duplicate filter), as every discovering spider does. Set
between the bare spider and ``discovery_spider.py``, it tells Scrapy's share of discovery from ours (the listing
parser, robots.txt checks, archive reads).
"""

from __future__ import annotations

import re

import scrapy

from bench.bench_crawl import BareSpider

_ARTICLE_LINK = re.compile(rb'href="(https?://[a-z0-9-]+\.antaranews\.com/berita/\d+[^"]*)"')


class BareDiscoverySpider(BareSpider):
    name = "bench_bare_discovery"

    def __init__(self, urls_file: str = "", *args, **kwargs):
        super().__init__(urls_file, *args, **kwargs)
        self.urls = [u for u in self.urls if "/berita/" not in u]  # the article pages are found, not given

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse_listing, dont_filter=True, priority=10)

    def parse_listing(self, response):
        for m in _ARTICLE_LINK.finditer(response.body):
            yield scrapy.Request(m.group(1).decode(), callback=self.parse_article)

    def parse_article(self, response):
        return None
