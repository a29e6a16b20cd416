"""``scrapy gaps``: how complete the archive is, per portal, from the id ledger.

    scrapy gaps                       # every portal the archive holds
    scrapy gaps --portal babel,sumbar --json

Per portal: ``low`` and ``high`` (lowest and highest archived id; null when none), ``archived``, ``not_found``,
``not_article``, ``failed`` (ids in each state over all the portal's ledger entries) and ``unprobed`` (ids in
``[low, high]`` with no ledger entry; 0 when nothing is archived). ``--json`` prints a JSON list of objects with
exactly the keys ``portal, low, high, archived, not_found, not_article, failed, unprobed``. Exit 0; a missing
archive or an unknown portal is one line on stderr with exit 2. ``sources=gaps`` crawls what this reports missing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand

from antara_crawler.commands.common import ArchiveCommandMixin
from antara_crawler.portals import PORTALS
from antara_crawler.store.errors import QueryError
from antara_crawler.store.gaps import REPORT_KEYS

if TYPE_CHECKING:
    from antara_crawler.store.gaps import PortalReport


def format_report(rows: list[PortalReport]) -> str:
    """A fixed-width table, one portal a line."""
    header = f"{'portal':<12} {'low':>10} {'high':>10} {'archived':>9} {'not_found':>9} {'not_art.':>9} "
    header += f"{'failed':>7} {'unprobed':>9}"
    lines = [header]
    for r in rows:
        low = "-" if r.low is None else str(r.low)
        high = "-" if r.high is None else str(r.high)
        lines.append(
            f"{r.portal:<12} {low:>10} {high:>10} {r.archived:>9} {r.not_found:>9} {r.not_article:>9} "
            f"{r.failed:>7} {r.unprobed:>9}"
        )
    return "\n".join(lines)


def parse_portal_option(value: str | None) -> list[str] | None:
    """``--portal a,b`` as a list (None: every portal); an unknown portal raises QueryError."""
    if value is None:
        return None
    names = list(dict.fromkeys(p.strip().lower() for p in value.split(",") if p.strip()))
    unknown = [p for p in names if p not in PORTALS]
    if unknown or not names:
        raise QueryError(f"unknown portal(s): {', '.join(unknown) or '(none given)'}")
    return names


class Command(ArchiveCommandMixin, ScrapyCommand):
    def syntax(self) -> str:
        return "[--portal P[,Q]] [--json]"

    def short_desc(self) -> str:
        return "Report per portal which article ids the archive holds, lacks or has not tried (the id ledger)"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        self.add_db_option(parser)
        parser.add_argument("--portal", default=None, help="only these portals (comma list, e.g. babel,sumbar)")
        parser.add_argument("--json", action="store_true", help="print a JSON list, one object per portal")

    def run(self, args: list[str], opts: Any) -> None:
        if args:
            self.fail(f"unexpected argument(s): {' '.join(args)}")
            return
        try:
            names = parse_portal_option(opts.portal)
        except QueryError as exc:
            self.fail(str(exc))
            return
        rows = self.quick_report(opts, names)
        if rows is None:
            rows = self.migrating_report(opts, names)
        if rows is None:
            return
        if opts.json:
            print(json.dumps([{k: r.as_dict()[k] for k in REPORT_KEYS} for r in rows], indent=2))
            return
        if not rows:
            print("the ledger is empty: nothing archived or tried yet")
            return
        print(format_report(rows))

    def quick_report(self, opts: Any, names: list[str] | None) -> list[PortalReport] | None:
        """The report of an SQLite archive at the newest revision, read with ``sqlite3`` (no SQLAlchemy, no
        Alembic: ``scrapy gaps`` then starts as fast as any Scrapy command); None for any other archive."""
        import sqlite3

        from antara_crawler.store.gaps import sqlite_report
        from antara_crawler.store.location import sqlite_path
        from antara_crawler.store.revision import HEAD_REVISION

        path = sqlite_path(self.archive_url(opts))
        if path is None:
            return None
        try:
            return sqlite_report(
                path, HEAD_REVISION, names, busy_seconds=self.settings.getfloat("ANTARA_SQLITE_BUSY_SECONDS")
            )
        except sqlite3.Error:  # locked past the busy timeout, not a database...: SQLAlchemy says why, in one line
            return None

    def migrating_report(self, opts: Any, names: list[str] | None) -> list[PortalReport] | None:
        """The report through SQLAlchemy, on any archive (migrated to head first); None after a one-line error."""
        engine = self.open_engine(opts)
        if engine is None:
            return None
        from sqlalchemy.exc import SQLAlchemyError

        from antara_crawler.store.ledger import report

        try:
            return report(engine, names)
        except SQLAlchemyError as exc:
            self.fail(f"cannot read the ledger: {exc.__class__.__name__}: {getattr(exc, 'orig', exc)}")
            return None
        finally:
            engine.dispose()
