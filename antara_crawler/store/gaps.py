"""The ``scrapy gaps`` figures, read with plain SQL that SQLite and PostgreSQL both run.

:func:`report_with` is the one owner of the report: it takes an ``execute(sql, params) -> rows`` callable, so
:func:`antara_crawler.store.ledger.report` runs it through SQLAlchemy on any archive, and :func:`sqlite_report`
through the standard library's ``sqlite3`` on an SQLite archive already at the newest revision. The second path is
what keeps ``scrapy gaps`` under a second: importing SQLAlchemy alone takes about a third of a second, as long as
the report itself takes on 1,000,000 ids many times over. Any other archive (an older revision, PostgreSQL, a URL
with options) goes through SQLAlchemy, which migrates it first.

This module imports neither SQLAlchemy nor the rest of the store (``backfill`` is pure Python).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from antara_crawler.backfill import STATES

#: the keys of ``scrapy gaps --json``, in order
REPORT_KEYS = ("portal", "low", "high", "archived", "not_found", "not_article", "failed", "unprobed")
#: one row per portal: its archived bounds and a column per ledger state, in the order of backfill.STATES
TOTALS_SQL = "SELECT portal, low, high, archived, not_found, not_article, failed FROM id_ledger_totals"
#: ids of the ledger below (above) a portal's archived bounds: ``low`` starts a run and ``high`` ends one (runs never
#: overlap), so no run straddles them and each is one primary-key range scan
BELOW_SQL = "SELECT COALESCE(SUM(last_id - first_id + 1), 0) FROM id_ledger WHERE portal = :portal AND first_id < :low"
ABOVE_SQL = "SELECT COALESCE(SUM(last_id - first_id + 1), 0) FROM id_ledger WHERE portal = :portal AND first_id > :high"

Execute = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]


@dataclass
class PortalReport:
    """``scrapy gaps`` figures of one portal (or of one id range, for the run summary)."""

    portal: str
    low: int | None  # lowest archived id
    high: int | None  # highest archived id
    archived: int = 0
    not_found: int = 0
    not_article: int = 0
    failed: int = 0
    unprobed: int = 0  # ids in [low, high] with no ledger entry

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def report_with(execute: Execute, portal_names: Sequence[str] | None = None) -> list[PortalReport]:
    """Per portal (``portal_names``, else every portal the ledger holds, sorted): archived bounds, counts per state
    over all its runs (from ``id_ledger_totals``, kept in step by ``ledger.record``), unprobed ids in bounds."""
    wanted = set(portal_names) if portal_names is not None else None
    reports: dict[str, PortalReport] = {}
    for portal, low, high, *counts in execute(TOTALS_SQL, {}):
        if wanted is not None and portal not in wanted:
            continue
        rep = reports[portal] = PortalReport(portal, _int(low), _int(high))
        for state, n in zip(STATES, counts, strict=True):
            setattr(rep, state, int(n))
    for rep in reports.values():
        if rep.low is not None and rep.high is not None:
            params = {"portal": rep.portal, "low": rep.low, "high": rep.high}
            outside = sum(int(execute(sql, params)[0][0]) for sql in (BELOW_SQL, ABOVE_SQL))
            total = rep.archived + rep.not_found + rep.not_article + rep.failed
            rep.unprobed = (rep.high - rep.low + 1) - (total - outside)
    names = list(portal_names) if portal_names is not None else sorted(reports)
    return [reports.get(p) or PortalReport(p, None, None) for p in names]


def sqlite_report(
    path: Path, head_revision: str, portal_names: Sequence[str] | None = None, *, busy_seconds: float = 30.0
) -> list[PortalReport] | None:
    """The report of the SQLite archive at ``path`` through ``sqlite3``, or None when the archive is not at
    ``head_revision`` (or has no ledger yet): the caller then opens it through SQLAlchemy, which migrates it."""
    conn = sqlite3.connect(path, timeout=busy_seconds)
    try:
        try:
            stamped = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError:  # no version table: a new or foreign file
            return None
        if stamped != [(head_revision,)]:
            return None

        def execute(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
            return conn.execute(sql, params).fetchall()

        return report_with(execute, portal_names)
    finally:
        conn.close()


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


__all__ = ["REPORT_KEYS", "PortalReport", "report_with", "sqlite_report"]
