"""The ``article`` spider: fetch the given article URLs and yield their records.

    scrapy crawl article -a urls=URL[,URL...] -O articles.jsonl
    scrapy crawl article -a urls_file=urls.txt -O articles.json

``urls_file`` holds one URL a line (blank lines and ``#`` comments skipped). Every URL is fetched, archived or not;
URLs that are not ANTARA article URLs are reported and counted (``antara/dropped/not_article_url``).
"""

from __future__ import annotations

from pathlib import Path

from antara_crawler.spiders.base import AntaraSpider


class ArticleSpider(AntaraSpider):
    name = "article"

    def __init__(self, urls: str = "", urls_file: str = "", *args, **kwargs):
        super().__init__(*args, urls=urls, urls_file=urls_file, **kwargs)
        self.urls = [u.strip() for u in urls.split(",") if u.strip()]
        if urls_file:
            lines = Path(urls_file).read_text(encoding="utf-8").splitlines()
            self.urls += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        if not self.urls:
            raise ValueError("give article URLs with -a urls=URL[,URL...] or -a urls_file=PATH")

    async def start(self):
        for url in self.urls:
            request = self.article_request(url)
            if request is None:
                self.crawler.stats.inc_value("antara/dropped/not_article_url")
                self.logger.warning("Not an ANTARA article URL, skipped: %s", url)
                continue
            yield request
