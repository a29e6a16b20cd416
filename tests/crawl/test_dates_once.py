"""Dates are filled once, at extraction; DatesPipeline only counts what stayed undated (issue 12)."""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from antara_crawler.dates import fill_article_dates, unparsed_dates
from antara_crawler.items import Article, RelatedLink
from antara_crawler.pipelines import DatesPipeline


def _article(**kw) -> Article:
    related = [
        RelatedLink(url="https://papua.antaranews.com/berita/5/x", title="t", published_at=None, kind="berita_terkait",
                    published_raw="16 November 2024 07:29"),
        RelatedLink(url="https://aceh.antaranews.com/berita/10/u", title="t", published_at=None, kind="berita_terkait",
                    published_raw="Jumat (21/10)"),
        RelatedLink(url="https://aceh.antaranews.com/berita/9/v", title="t", published_at=None, kind="baca_juga"),
    ]  # fmt: skip
    defaults = {"url": "https://babel.antaranews.com/berita/1/x", "portal": "babel", "antara_id": 1,
                "fetched_at": "2026-05-28T06:00:00+00:00", "related": related}  # fmt: skip
    return Article(**{**defaults, **kw})  # type: ignore[arg-type]


def test_unparsed_dates_reports_what_filling_left_and_fills_nothing():
    art = _article(published_raw="Senin")
    assert unparsed_dates(art) == ["Senin", "16 November 2024 07:29", "Jumat (21/10)"]  # nothing filled yet
    assert [link.published_at for link in art.related] == [None, None, None]
    failed = fill_article_dates(art)
    assert unparsed_dates(art) == failed == ["Senin", "Jumat (21/10)"]


def test_dates_pipeline_counts_and_changes_nothing():
    crawler = get_crawler()
    stats = MemoryStatsCollector(crawler)
    pipeline = DatesPipeline(stats)
    art = _article(published_raw="Senin")
    fill_article_dates(art)  # what extraction did
    before = (art.published_at, [link.published_at for link in art.related])
    assert pipeline.process_item(art) is art
    assert (art.published_at, [link.published_at for link in art.related]) == before
    assert stats.get_value("antara/dates/unparsed") == 2
