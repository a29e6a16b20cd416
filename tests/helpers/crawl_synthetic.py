"""A real Scrapy crawl (engine, ITEM_PIPELINES, signals) whose spider yields synthetic items without any request.

    python -m tests.helpers.crawl_synthetic DB_URL TOTAL BATCH_SIZE [--delay SECONDS]

Prints ``YIELDED <n>`` as it goes; with ``--delay`` it sleeps between items so a test can send SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Spider
from scrapy.crawler import AsyncCrawlerProcess

from antara_crawler.items import LinkStatus
from tests.helpers.articles import make_article


class SyntheticSpider(Spider):
    name = "synthetic"

    def __init__(self, total: int = 10, delay: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.total = int(total)
        self.delay = float(delay)
        self.run_arguments = {"total": self.total, "delay": self.delay}

    async def start(self) -> AsyncIterator[Any]:
        for i in range(1, self.total + 1):
            yield make_article(i)
            print(f"YIELDED {i}", flush=True)
            if self.delay:
                await asyncio.sleep(self.delay)
        yield LinkStatus(
            url="https://babel.antaranews.com/berita/1001/x",
            portal="babel",
            antara_id=1001,
            status=404,
            reason="http_404",
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db_url")
    ap.add_argument("total", type=int)
    ap.add_argument("batch_size", type=int)
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()
    process = AsyncCrawlerProcess(
        {
            "ANTARA_DB_URL": args.db_url,
            "ANTARA_BATCH_SIZE": args.batch_size,
            "ITEM_PIPELINES": {"antara_crawler.pipelines.store.StorePipeline": 500},
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "LOG_LEVEL": "INFO",
            "TELNETCONSOLE_ENABLED": False,
        }
    )
    process.crawl(SyntheticSpider, total=args.total, delay=args.delay)
    process.start()


if __name__ == "__main__":
    sys.exit(main())
