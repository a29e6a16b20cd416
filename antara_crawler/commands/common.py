"""What the archive commands share: ``--db`` and filter options, opening an existing archive, errors as one line.

Scrapy imports every module of this package to list the commands, whichever one is run, so the modules here import
the store, SQLAlchemy and the extractors inside the functions that use them: ``scrapy gaps`` or ``scrapy version``
then load only what they need.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from antara_crawler.store import Archive

#: exit status of a usage error (a bad option, query or path), as Scrapy gives ``UsageError``
USAGE_EXIT = 2


class ArchiveCommandMixin:
    """For commands over the archive: ``--db`` and filter options, errors as one line on stderr, exit 2.

    A mixin, not a ScrapyCommand subclass, so Scrapy does not register it as a command of its own.
    """

    requires_project = True
    requires_crawler_process = False  # no crawl: no reactor, no startup log lines
    default_settings: dict[str, Any] = {"LOG_LEVEL": "WARNING"}
    settings: Any
    exitcode: int

    def add_archive_options(self, parser: Any) -> None:
        self.add_db_option(parser)
        parser.add_argument("--portal", default=None, help="only these portals (comma list, e.g. aceh,sumut)")
        parser.add_argument("--since", default=None, help="published on or after (YYYY-MM-DD or ISO date-time)")
        parser.add_argument("--until", default=None, help="published on or before (YYYY-MM-DD or ISO date-time)")

    def add_db_option(self, parser: Any) -> None:
        parser.add_argument("--db", default=None, help="archive path or SQLAlchemy URL, by default ANTARA_DB_URL")

    def archive_url(self, opts: Any) -> str:
        """``--db`` (a path or a URL), else the ANTARA_DB_URL setting: the same rule for every command."""
        from antara_crawler.store import db_url
        from antara_crawler.store.location import db_url_from

        if opts.db:
            return db_url_from(opts.db)
        return db_url(self.settings)

    def open_archive(self, opts: Any) -> Archive | None:
        """The existing archive ``--db`` names (migrated to head), or None after one line on stderr (exit 2) when it
        is missing or cannot be opened."""
        from antara_crawler.store.archive import Archive

        engine = self.open_engine(opts)
        return None if engine is None else Archive(engine, store_html=False)

    def open_engine(self, opts: Any) -> Engine | None:
        """Like :meth:`open_archive`, the bare engine: for a command that only reads (``scrapy gaps``), without
        loading the archive's write path."""
        from sqlalchemy.exc import SQLAlchemyError

        from antara_crawler.store.engine import open_existing_engine
        from antara_crawler.store.errors import ArchiveMissing, QueryError

        try:
            return open_existing_engine(self.archive_url(opts))
        except (QueryError, ArchiveMissing) as exc:
            self.fail(str(exc))
        except SQLAlchemyError as exc:
            self.fail(f"cannot open the archive: {exc.__class__.__name__}: {getattr(exc, 'orig', exc)}")
        return None

    def fail(self, message: str) -> None:
        """One line on stderr, exit status 2 (no traceback, no usage text)."""
        name = type(self).__module__.rsplit(".", 1)[-1]
        print(f"scrapy {name}: error: {' '.join(str(message).split())}", file=sys.stderr)
        self.exitcode = USAGE_EXIT
