"""``scrapy crawl``, with an exit status that tells cron and systemd a run failed.

Scrapy's own ``crawl`` exits 0 whatever the spider met. This override runs the spider the same way, keeps the
crawler, and exits with status 3 when the run summary (``antara_crawler.extensions.RunSummary``) marked the run as
failed (stat ``antara/run_failed``: nothing stored, too many errors, or too little field coverage). A crawler that
could not start still exits 1, as in Scrapy.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

#: Exit status of a run that finished but failed (distinct from 1, Scrapy's "could not start" and usage errors).
EXIT_RUN_FAILED = 3


class Command(ScrapyCrawlCommand):
    def long_desc(self) -> str:
        return (
            "Run a spider of the current project, by name. Exits with status 3 when the run failed "
            "(nothing stored, error rate over ANTARA_MAX_ERROR_RATE, or coverage under ANTARA_MIN_COVERAGE)."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = getattr(crawler, "stats", None)
        if stats is not None and stats.get_value("antara/run_failed"):
            self.exitcode = EXIT_RUN_FAILED
