"""bench/bench_crawl.py's third series and the split it prints: the store's share and the rest of our extra CPU."""

from __future__ import annotations

import json

from antara_crawler import settings as project
from bench.bench_crawl import NO_STORE, Best, Run, _report_split


def _run(pages: int, seconds: float, crawl_cpu: float) -> Run:
    return Run(seconds, pages, 100.0, 0, pages, crawl_cpu_seconds=crawl_cpu)


def test_the_no_store_series_keeps_every_pipeline_but_the_store():
    kept = json.loads(NO_STORE)
    assert kept == {k: v for k, v in project.ITEM_PIPELINES.items() if not k.endswith(".StorePipeline")}
    assert kept and len(kept) == len(project.ITEM_PIPELINES) - 1


def test_the_split_is_the_difference_of_the_median_cpu_per_page(capsys):
    bare = Best([_run(1000, 2.0, 2.5), _run(1000, 2.5, 2.0), _run(1000, 2.2, 1.5)])  # median: 2.0 ms per page
    no_store = Best([_run(1000, 4.0, 4.0)])
    full = Best([_run(1000, 5.0, 5.5), _run(1000, 5.2, 5.0), _run(1000, 4.0, 4.5)])  # median: 5.0 ms per page
    _report_split(bare, no_store, full)
    out = capsys.readouterr().out
    assert "bare 2.00;" in out
    assert "Scrapy's item path 2.00 (store pipeline off: 4.00, 250 pages/s)" in out
    assert "+ the store 1.00 = 5.00" in out
    assert "would be 50% in pages/s (50% in CPU)" in out
