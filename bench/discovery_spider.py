"""A series of ``bench_crawl``: our crawl spider with everything after the download of an article left out.

It runs discovery exactly as ``scrapy crawl antara`` does (the RSS feeds and listing pages parsed, robots.txt
checked, the archive asked which articles it holds, every article request built and sent through Scrapy's
middlewares, scheduler and duplicate filter), then does nothing with the article pages it downloads: no
extraction, no item, nothing stored (the run summary counts no article seen and the crawl exits 0, as one with
nothing new does). Set beside the discovering bare spider (``bare_discovery_spider.py``), it gives our own share
of discovery's CPU per page.
"""

from __future__ import annotations

from antara_crawler.spiders.antara import AntaraCrawlSpider


class DiscoveryOnlySpider(AntaraCrawlSpider):
    name = "bench_discovery"

    def parse_article(self, response):
        return None
