"""``scrapy stories``: how the archive's articles group into stories; ``--rebuild`` recomputes every story.

    scrapy stories                 # counts: articles, stories, stories on several portals, the largest
    scrapy stories --rebuild       # recompute the LSH bands and every story from the current bodies
    scrapy stories --db data/other.db --rebuild

Stories are assigned as articles are stored (see :mod:`antara_crawler.store.stories`); a rebuild is needed once
after upgrading an archive to revision 0007, or after changing the thresholds. ``--rebuild`` shows a progress bar
on a terminal and logs a line every ``ANTARA_PROGRESS_INTERVAL`` seconds elsewhere. A missing library of the
``analysis`` extra prints one line and exits 2.
"""

from __future__ import annotations

import sys
from typing import Any

from scrapy.commands import ScrapyCommand

from antara_crawler.commands.common import ArchiveCommandMixin

#: the summary printed by ``scrapy stories`` (portable SQL over the ``stories`` view)
SUMMARY_SQL = """
    SELECT COUNT(*) AS stories, COALESCE(SUM(size), 0) AS articles,
           COALESCE(SUM(CASE WHEN portals > 1 THEN 1 ELSE 0 END), 0) AS on_several_portals,
           COALESCE(MAX(size), 0) AS largest
    FROM stories
"""


class Command(ArchiveCommandMixin, ScrapyCommand):
    default_settings: dict[str, Any] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[--rebuild] [--db URL]"

    def short_desc(self) -> str:
        return "Count the archive's stories (groups of copies across portals); --rebuild recomputes them"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        self.add_db_option(parser)
        parser.add_argument("--rebuild", action="store_true", help="recompute every story from the current bodies")

    def run(self, args: list[str], opts: Any) -> None:
        if args:
            self.fail(f"unexpected argument {args[0]!r}")
            return
        from sqlalchemy import text

        from antara_crawler.progress import Progress
        from antara_crawler.store import Archive
        from antara_crawler.store.extras import MissingExtra
        from antara_crawler.store.signatures import bands
        from antara_crawler.store.stories import rebuild

        archive = Archive.open(self.archive_url(opts))
        try:
            if opts.rebuild:
                bands()  # the one-line message for a missing datasketch, before the progress bar starts
                total = archive.count()
                interval = self.settings.getfloat("ANTARA_PROGRESS_INTERVAL")
                with Progress(total, "stories --rebuild", unit="articles", interval=interval) as progress:
                    rebuild(archive.engine, progress=progress.set_done)
            with archive.engine.connect() as conn:
                row = conn.execute(text(SUMMARY_SQL)).one()
        except MissingExtra as exc:
            self.fail(str(exc))
            return
        finally:
            archive.close()
        print(
            f"stories: {row.articles} articles in {row.stories} stories, {row.on_several_portals} on several portals, "
            f"the largest of {row.largest}",
            file=sys.stdout,
        )
