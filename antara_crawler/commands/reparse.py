"""``scrapy reparse``: re-extract every stored page with the current parser and update the archive, offline.

    scrapy reparse [--db URL] [--portal babel] [--batch-size 200]

Reads each article's pages from the archive's ``pages`` table (one page, or every page of a multi-page article: page
1 then ``?page=2``... or the ``?page=all`` view), rebuilds the record with
``antara_crawler.extract.paging.build_article`` (the function the spiders call) and writes the results through
``Archive.write_batch`` (unchanged content stays unchanged, changed content keeps its previous version). An archive
written by older code gains what the parser reads today, e.g. the Berita Terkait entries that were lost when a story
was also a Baca juga link. The stored pages are kept. No network request is made: nothing here goes through Scrapy's
downloader. A progress bar on a terminal, a log line every
``ANTARA_PROGRESS_INTERVAL`` seconds elsewhere.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from antara_crawler.commands.common import ArchiveCommandMixin

if TYPE_CHECKING:
    from antara_crawler.items import Article
    from antara_crawler.progress import Progress
    from antara_crawler.store import Archive

logger = logging.getLogger(__name__)


def reparse(
    archive: Archive,
    parse: Callable[..., Article],
    *,
    portal: str | None = None,
    batch_size: int = 200,
    not_article: type[Exception] | tuple[type[Exception], ...] = (),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Rebuild every article of ``archive`` from its stored pages with ``parse`` (called as
    ``parse(pages, fetched_at=...)``, ``pages`` being ``[(url, html), ...]``); returns the counts. ``progress``
    advances by one per stored page."""
    from antara_crawler.store import WriteResult

    totals = WriteResult()
    failed: dict[str, int] = {}
    pages = 0
    batch: list[Article] = []

    def write() -> None:
        if batch:
            totals.merge(archive.write_batch(batch))
            batch.clear()

    for page_portal, antara_id, fetched_at, article_pages in archive.iter_article_pages(portal=portal):
        pages += len(article_pages)
        url = article_pages[0][0]
        if progress is not None:
            progress.update(len(article_pages))
        try:
            article = parse(article_pages, fetched_at=_iso(fetched_at))
        except not_article as exc:
            reason = str(getattr(exc, "reason", None) or exc.__class__.__name__)
            failed[reason] = failed.get(reason, 0) + 1
            logger.warning("%s is no longer parsed as an article: %s", url, reason)
            continue
        except Exception as exc:  # a parser bug on one page must not stop the others
            reason = f"parser_error/{exc.__class__.__name__}"
            failed[reason] = failed.get(reason, 0) + 1
            logger.exception("parsing %s failed", url)
            continue
        if (article.portal, article.antara_id) != (page_portal, antara_id):
            failed["key_mismatch"] = failed.get("key_mismatch", 0) + 1
            logger.warning("%s parsed as %s/%s; skipped", url, article.portal, article.antara_id)
            continue
        article.raw_html = None  # the stored pages stay as they are
        article.more_pages = []
        batch.append(article)
        if len(batch) >= batch_size:
            write()
    write()
    for reason, n in totals.dropped.items():
        failed[f"dropped/{reason}"] = failed.get(f"dropped/{reason}", 0) + n
    return {
        "pages": pages,
        "new": totals.new,
        "updated": totals.updated,
        "unchanged": totals.unchanged,
        "failed": sum(failed.values()),
        "failed_reasons": failed,
    }


def count_pages(archive: Archive, portal: str | None = None) -> int:
    """How many stored pages a reparse will read (the total of its progress bar)."""
    from sqlalchemy import func, select

    from antara_crawler.store import schema as s

    a, p = s.articles, s.pages
    stmt = select(func.count()).select_from(p)
    if portal:
        stmt = stmt.join(a, a.c.id == p.c.article_id).where(a.c.portal == portal)
    with archive.engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def _iso(fetched_at: str | None) -> str | None:
    """The archive's ``YYYY-MM-DD HH:MM:SS`` (UTC) as the ISO 8601 UTC string items carry."""
    if not fetched_at:
        return None
    return fetched_at.replace(" ", "T") + "+00:00" if "T" not in fetched_at else fetched_at


class Command(ArchiveCommandMixin, ScrapyCommand):
    default_settings: dict[str, Any] = {"LOG_ENABLED": True}

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Re-extract every stored page with the current parser and update the archive (no network)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        self.add_db_option(parser)
        parser.add_argument("--portal", help="only this portal's pages")
        parser.add_argument("--batch-size", type=int, default=200, help="articles per transaction (default 200)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("reparse takes no positional arguments")
        from antara_crawler.extract import NotArticle
        from antara_crawler.extract.paging import build_article
        from antara_crawler.progress import Progress

        archive = self.open_archive(opts)
        if archive is None:
            return
        interval = self.settings.getfloat("ANTARA_PROGRESS_INTERVAL")
        try:
            with Progress(count_pages(archive, opts.portal), "reparse", unit="pages", interval=interval) as progress:
                counts = reparse(
                    archive,
                    build_article,
                    portal=opts.portal,
                    batch_size=max(1, opts.batch_size),
                    not_article=NotArticle,
                    progress=progress,
                )
        finally:
            archive.close()
        print(
            f"reparse: {counts['pages']} pages, {counts['new']} new, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['failed']} failed"
        )
        for reason, n in sorted(counts["failed_reasons"].items()):
            print(f"  failed {reason}: {n}")
