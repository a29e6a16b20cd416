"""bench/bench_crawl.py's extra series and the split it prints: Scrapy's and our shares of discovery, extraction's and
the store's shares of our extra CPU, the ratio each partial crawl reaches and the target's budget."""

from __future__ import annotations

import json

from scrapy.http import HtmlResponse

from antara_crawler import settings as project
from antara_crawler.spiders.antara import AntaraCrawlSpider
from bench.bare_discovery_spider import BareDiscoverySpider
from bench.bench_crawl import BARE_DISCOVERY_SPIDER, DISCOVERY_SPIDER, NO_STORE, Best, Run, _report_split
from bench.discovery_spider import DiscoveryOnlySpider


def _run(pages: int, seconds: float, crawl_cpu: float) -> Run:
    return Run(seconds, pages, 100.0, 0, pages, crawl_cpu_seconds=crawl_cpu)


def test_the_no_store_series_keeps_every_pipeline_but_the_store():
    kept = json.loads(NO_STORE)
    assert kept == {k: v for k, v in project.ITEM_PIPELINES.items() if not k.endswith(".StorePipeline")}
    assert kept and len(kept) == len(project.ITEM_PIPELINES) - 1


def test_the_discovery_series_runs_our_spider_and_leaves_article_pages_alone():
    assert DISCOVERY_SPIDER.is_file() and DISCOVERY_SPIDER.stem == DiscoveryOnlySpider.__module__.rsplit(".", 1)[1]
    assert issubclass(DiscoveryOnlySpider, AntaraCrawlSpider)
    assert DiscoveryOnlySpider.parse_listing_page is AntaraCrawlSpider.parse_listing_page
    spider = DiscoveryOnlySpider(portals="babel")
    page = HtmlResponse("https://babel.antaranews.com/berita/123/a", body=b"<html><h1>A</h1><p>text</p></html>")
    assert spider.parse_article(page) is None


def test_the_discovering_bare_spider_requests_the_article_links_of_listing_pages_only(tmp_path):
    assert (
        BARE_DISCOVERY_SPIDER.is_file() and BARE_DISCOVERY_SPIDER.stem == BareDiscoverySpider.__module__.split(".")[-1]
    )
    urls = tmp_path / "urls.txt"
    urls.write_text("https://babel.antaranews.com/terkini\nhttps://babel.antaranews.com/berita/1/a\n", encoding="utf-8")
    spider = BareDiscoverySpider(urls_file=str(urls))
    assert spider.urls == ["https://babel.antaranews.com/terkini"]  # the article pages are found, not given
    listing = HtmlResponse(
        "https://babel.antaranews.com/terkini",
        body=b'<a href="https://babel.antaranews.com/berita/7/x">x</a> <a href="https://babel.antaranews.com/foto/8/y">'
        b'</a> <a href="https://www.antaranews.com/berita/9/z?utm_source=a">z</a>',
    )
    requests = list(spider.parse_listing(listing))
    assert [r.url for r in requests] == [
        "https://babel.antaranews.com/berita/7/x",
        "https://www.antaranews.com/berita/9/z?utm_source=a",
    ]
    assert all(not r.dont_filter and r.callback == spider.parse_article for r in requests)
    assert spider.parse_article(listing) is None


def test_the_split_is_the_difference_of_the_median_cpu_per_page(capsys):
    bare = Best([_run(1000, 2.0, 2.5), _run(1000, 2.5, 2.0), _run(1000, 2.2, 1.5)])  # median: 2.0 ms per page
    bare_discovery = Best([_run(1000, 2.2, 2.2)])
    discovery = Best([_run(1000, 2.5, 2.5)])
    no_store = Best([_run(1000, 4.0, 4.0)])
    full = Best([_run(1000, 5.0, 5.5), _run(1000, 5.2, 5.0), _run(1000, 4.0, 4.5)])  # median: 5.0 ms per page
    for run, mirror in zip(full.runs, (0.5, 1.0, 2.0), strict=True):
        run.server_cpu_seconds = mirror  # median: 1.0 ms per page
    _report_split(bare, bare_discovery, discovery, no_store, full, cores=2)
    out = capsys.readouterr().out
    assert (
        "bare 2.00; + Scrapy's discovery 0.20 (the bare spider finding its pages by regex: 2.20); + ours 0.30 (" in out
    )
    assert "+ extraction and Scrapy's item path 1.50 (store pipeline off: 4.00); + the store 1.00 = 5.00" in out
    # best pages/s: bare 500, discovering bare 1000 / 2.2 = 455, discovery 400, no store 250, ours 250
    assert (
        "discovering bare spider would be 91%, of discovery alone 80%, with no store 50%; in CPU 91%, 80% and 50%"
        in out
    )
    assert "our crawl against the discovering bare spider: 55% in pages/s" in out
    assert (
        "budget over the bare spider: 0.50 ms a page for all our work; discovery alone uses 0.50 (Scrapy's part 0.20)"
        in out
    )
    assert "the whole crawl 3.00" in out
    # 2 cores / (5.0 + 1.0) ms = 333 pages/s against the bare spider's best 500
    assert (
        "2 cores doing nothing but our crawl and the mirror (5.00 + 1.00 ms a page) serve at most 333 pages/s, 67%"
        in out
    )
