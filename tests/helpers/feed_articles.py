"""Feed synthetic Articles through the real StorePipeline with a real crawler object (no engine, no network).

    python -m tests.helpers.feed_articles DB_URL TOTAL BATCH_SIZE [--slow-after N] [--background]

Skips the keys the archive already holds (``known_keys``), like an incremental crawl. Prints ``COMMITTED <n>``
after every committed batch (n = articles committed by this run), ``FED <i>`` after each item once slow, and
``DONE new=<n> skipped=<k>`` at the end. ``--slow-after N``: once N items are committed, sleep between items so a
test can kill the process in the middle of a batch.
"""

from __future__ import annotations

import argparse
import sys
import time

from scrapy import Spider

from antara_crawler.pipelines.store import StorePipeline
from tests.helpers import spider_with_crawler
from tests.helpers.articles import PORTALS, make_article


class FeedSpider(Spider):
    name = "feed"


def keys(total: int) -> list[tuple[str, int]]:
    return [(PORTALS[i % len(PORTALS)], 1 + i // len(PORTALS)) for i in range(total)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db_url")
    ap.add_argument("total", type=int)
    ap.add_argument("batch_size", type=int)
    ap.add_argument("--slow-after", type=int, default=0)
    ap.add_argument("--background", action="store_true", help="ANTARA_STORE_BACKGROUND on")
    args = ap.parse_args()

    settings = {
        "ANTARA_DB_URL": args.db_url,
        "ANTARA_BATCH_SIZE": args.batch_size,
        "ANTARA_STORE_BACKGROUND": args.background,
    }
    crawler = spider_with_crawler(FeedSpider, settings, run_arguments={"total": args.total}).crawler
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    assert pipeline.archive is not None
    wanted = keys(args.total)
    known = pipeline.archive.known_keys(wanted)
    batches = 0
    slow = False
    for i, (portal, antara_id) in enumerate(wanted):
        if (portal, antara_id) in known:
            continue
        pipeline.process_item(make_article(antara_id, portal=portal))
        if pipeline.batches != batches:
            batches = pipeline.batches
            print(f"COMMITTED {pipeline.totals.new}", flush=True)
            slow = bool(args.slow_after) and pipeline.totals.new >= args.slow_after
        if slow:
            print(f"FED {i} buffered={len(pipeline.buffer)}", flush=True)
            time.sleep(0.02)
    pipeline.close_spider()
    pipeline.spider_closed(crawler.spider, "finished")  # what the spider_closed signal does in a crawl
    print(f"DONE new={pipeline.totals.new} skipped={len(known)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
