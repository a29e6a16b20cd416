"""``scrapy crawl``, with an exit status that tells cron and systemd a run failed.

Scrapy's own ``crawl`` exits 0 whatever the spider met. This override runs the spider the same way, keeps the
crawler, and exits with:

* **4** when the archive is unavailable: at start (wrong URL, server down, unwritable SQLite folder: checked before
  the engine starts, so no request is made) or for longer than ``ANTARA_ARCHIVE_RETRY_SECONDS`` during the run (stat
  ``antara/archive/unavailable``). One line on stderr says why, e.g. ``archive unavailable for 300 s: ...``.
* **3** when the run summary (``antara_crawler.extensions.RunSummary``) marked the run as failed (stat
  ``antara/run_failed``: nothing stored, too many errors, too little field coverage, or something lost).
* **1** when the crawler could not start, as in Scrapy.
"""

from __future__ import annotations

import argparse
import logging
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from antara_crawler.store import UNAVAILABLE_STAT, db_url, safe_url, setting

logger = logging.getLogger(__name__)

#: Exit status of a run that finished but failed (distinct from 1, Scrapy's "could not start" and usage errors).
EXIT_RUN_FAILED = 3
#: Exit status when the archive could not be used: unreachable at start, or unavailable past the retry budget.
EXIT_ARCHIVE_UNAVAILABLE = 4
#: the pipeline that needs the archive; without it (a feed-only crawl) the archive is not checked
STORE_PIPELINE = "antara_crawler.pipelines.StorePipeline"


class Command(ScrapyCrawlCommand):
    def long_desc(self) -> str:
        return (
            "Run a spider of the current project, by name. Exits with status 3 when the run failed "
            "(nothing stored, error rate over ANTARA_MAX_ERROR_RATE, coverage under ANTARA_MIN_COVERAGE, or items "
            "lost), and 4 when the archive was unavailable (at start, or longer than ANTARA_ARCHIVE_RETRY_SECONDS)."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        problem = archive_problem(crawler.settings)
        if problem:
            sys.stderr.write(problem + "\n")
            self.exitcode = EXIT_ARCHIVE_UNAVAILABLE
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = getattr(crawler, "stats", None)
        if stats is not None and stats.get_value(UNAVAILABLE_STAT):
            sys.stderr.write(f"{stats.get_value(UNAVAILABLE_STAT)}\n")
            self.exitcode = EXIT_ARCHIVE_UNAVAILABLE
        elif stats is not None and stats.get_value("antara/run_failed"):
            self.exitcode = EXIT_RUN_FAILED


def archive_problem(settings) -> str | None:
    """Why the archive cannot be used for this crawl (one line), or None: open it, migrate it, take a write lock."""
    pipelines = settings.getdict("ITEM_PIPELINES")
    if not any(str(path).endswith(("StorePipeline", STORE_PIPELINE)) and order is not None
               for path, order in pipelines.items()):  # fmt: skip
        return None
    from antara_crawler.store import Archive, describe

    url = db_url(settings)
    try:
        archive = Archive.open(url, busy_seconds=setting(settings, "ANTARA_SQLITE_BUSY_SECONDS", float))
        try:
            archive.check_writable()
        finally:
            archive.close()
    except Exception as exc:  # any reason (driver, network, file system): reported in one line, no traceback
        logger.debug("archive check failed", exc_info=True)
        return f"archive unavailable at start ({safe_url(url)}): {describe(exc)}"
    return None
