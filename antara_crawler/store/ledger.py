"""The id ledger in the database: record outcomes of article ids, read what is settled, report completeness.

``id_ledger`` holds runs ``(portal, first_id, last_id, state, tries, checked_at)`` and ``id_ledger_totals`` one row
per portal with the ids in each state and the archived bounds, updated with the runs; the rules (states, merging,
what is settled) are the pure functions of :mod:`antara_crawler.backfill`. Writes happen inside the archive's
write transaction (:meth:`Archive.write_prepared` calls :func:`record`), so an article and its ``archived`` mark
are committed together, whatever source found it. Concurrent writers: SQLite serialises them (``BEGIN
IMMEDIATE``); on PostgreSQL a transaction-level advisory lock per portal, taken after the article locks, makes the
read-merge-write of one portal's runs one at a time.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case, delete, func, select, text, union_all, update
from sqlalchemy.engine import Connection, Engine

from antara_crawler import backfill
from antara_crawler.backfill import ARCHIVED, STATES, Run
from antara_crawler.portals import tz_for
from antara_crawler.store import schema as s
from antara_crawler.store.gaps import REPORT_KEYS, PortalReport, report_with
from antara_crawler.store.sql import execute_many, fetch, fetch_in, insert_many, padded
from antara_crawler.utc import utc_text

#: ids of one batch closer than this share one read of the ledger (one window of runs)
WINDOW_GAP = 2000


# --- writing ----------------------------------------------------------------------------------------------------


def record(conn: Connection, outcomes: Mapping[str, Mapping[int, str]], now: str) -> int:
    """Write ``{portal: {id: state}}`` into the ledger (inside the caller's transaction); returns the ids written.

    One read of the runs the first window of close ids of every portal touches, for the whole batch (one statement
    per :data:`WINDOWS_PER_READ` portals, compiled once per size); a further window of a portal (ids more than
    WINDOW_GAP apart) is read after the rewrites before it are written. Then one ``executemany`` of primary-key
    deletes of the runs it rewrites and one insert for the whole batch, and one read and one write of the totals of
    all its portals.
    """
    portals = sorted(p for p, ids in outcomes.items() if ids)
    if not portals:
        return 0
    _lock_portals(conn, portals)
    windows = {portal: list(_windows(sorted(outcomes[portal]))) for portal in portals}
    first_runs = _runs_touching_many(conn, [(p, windows[p][0][0] - 1, windows[p][0][-1] + 1) for p in portals])
    written = 0
    changes: dict[str, tuple[dict[str, int], list[Run]]] = {}
    pending = _Pending()
    for portal in portals:
        ids = outcomes[portal]
        delta = dict.fromkeys(STATES, 0)
        archived: list[Run] = []
        for n, window in enumerate(windows[portal]):
            if n:
                pending.flush(conn)  # a later window of the portal may touch a run the previous one rewrote
                existing = _runs_touching(conn, portal, window[0] - 1, window[-1] + 1)
            else:
                existing = first_runs[portal]
            updates = backfill.outcomes_to_runs(existing, {i: ids[i] for i in window}, now)
            if not updates:
                continue
            merged = backfill.overlay(existing, updates)
            pending.replace(portal, existing, merged)
            for run in existing:
                delta[run.state] -= len(run)
            for run in merged:
                delta[run.state] += len(run)
            archived.extend(r for r in merged if r.state == ARCHIVED)
            written += len(window)
        if any(delta.values()) or archived:
            changes[portal] = (delta, archived)
    pending.flush(conn)
    if changes:
        _update_totals(conn, changes)
    return written


class _Pending:
    """Run rewrites collected over the windows of a batch: one ``executemany`` each of DELETE and INSERT for all."""

    def __init__(self) -> None:
        self.deletes: dict[str, list[int]] = defaultdict(list)
        self.rows: list[dict[str, Any]] = []

    def replace(self, portal: str, old: Sequence[Run], new: Sequence[Run]) -> None:
        self.deletes[portal].extend(r.first for r in old)
        self.rows.extend(
            {"portal": portal, "first_id": r.first, "last_id": r.last, "state": r.state, "tries": r.tries,
             "checked_at": r.checked_at}
            for r in new
        )  # fmt: skip

    def flush(self, conn: Connection) -> None:
        gone = [{"d_portal": portal, "d_first": first} for portal, starts in self.deletes.items() for first in starts]
        execute_many(conn, _DELETE_RUN, gone)
        insert_many(conn, s.id_ledger, self.rows)
        self.deletes.clear()
        self.rows = []


#: built and compiled once (store/sql.py): the statements of every write batch
_DELETE_RUN = delete(s.id_ledger).where(
    s.id_ledger.c.portal == bindparam("d_portal"), s.id_ledger.c.first_id == bindparam("d_first")
)
_UPDATE_TOTALS = (
    update(s.id_ledger_totals)
    .where(s.id_ledger_totals.c.portal == bindparam("v_portal"))
    .values(**{k: bindparam(f"v_{k}") for k in (*STATES, "low", "high")})
)


def _present(pick: Any, *values: int | None) -> int | None:
    """``pick`` (min or max) of the values that are not None; None when all are."""
    present = [v for v in values if v is not None]
    return pick(present) if present else None


def _update_totals(conn: Connection, changes: Mapping[str, tuple[Mapping[str, int], Sequence[Run]]]) -> None:
    """Apply each portal's change of counts (and archived bounds) to ``id_ledger_totals`` (portals locked)."""
    t = s.id_ledger_totals
    rows = {r.portal: r._mapping for r in fetch_in(conn, _totals_statement, sorted(changes))}
    inserts, updates = [], []
    for portal, (delta, archived) in changes.items():
        low = min((r.first for r in archived), default=None)
        high = max((r.last for r in archived), default=None)
        row = rows.get(portal)
        if row is None:
            inserts.append({"portal": portal, "low": low, "high": high, **{k: delta[k] for k in STATES}})
            continue
        values: dict[str, Any] = {f"v_{k}": int(row[k]) + delta[k] for k in STATES}
        values |= {"v_low": _present(min, row["low"], low), "v_high": _present(max, row["high"], high)}
        updates.append({"v_portal": portal, **values})
    insert_many(conn, t, inserts)
    execute_many(conn, _UPDATE_TOTALS, updates)


def _totals_statement(portals: tuple[Any, ...]) -> Any:
    """The ``id_ledger_totals`` rows of these portals (for :func:`~antara_crawler.store.sql.fetch_in`)."""
    t = s.id_ledger_totals
    return select(t).where(t.c.portal.in_(portals))


def _windows(ids: list[int]) -> Iterable[list[int]]:
    window: list[int] = []
    for antara_id in ids:
        if window and antara_id - window[-1] > WINDOW_GAP:
            yield window
            window = []
        window.append(antara_id)
    if window:
        yield window


def _touching_statement() -> Any:
    t = s.id_ledger
    before = (
        select(func.max(t.c.first_id))
        .where(t.c.portal == bindparam("b_portal"), t.c.first_id <= bindparam("b_lo"))
        .scalar_subquery()
    )
    return (
        select(t.c.first_id, t.c.last_id, t.c.state, t.c.tries, t.c.checked_at)
        .where(
            t.c.portal == bindparam("b_portal"),
            t.c.first_id <= bindparam("b_hi"),
            t.c.first_id >= func.coalesce(before, bindparam("b_lo")),
        )
        .order_by(t.c.first_id)
    )


#: built and compiled once (a write batch reads the runs of every window: building the statement each time cost most
#: of it)
_TOUCHING = _touching_statement()


def _runs_touching(conn: Connection, portal: str, lo: int, hi: int) -> list[Run]:
    """The runs holding any id of ``lo..hi``, in one query: those starting from the last run that starts at or
    before ``lo`` (a primary-key lookup; runs never overlap) up to ``hi``; that first run is kept if it reaches
    ``lo``."""
    rows = fetch(conn, _TOUCHING, {"b_portal": portal, "b_lo": lo, "b_hi": hi})
    return [Run(int(r[0]), int(r[1]), r[2], int(r[3]), r[4]) for r in rows if r[1] >= lo]


#: windows (of distinct portals) per statement of :func:`_runs_touching_many`, a power of two (SQLite allows 500
#: selects in one compound statement)
WINDOWS_PER_READ = 128


@lru_cache(maxsize=16)
def _touching_many_statement(size: int) -> Any:
    """``UNION ALL`` of ``size`` :func:`_touching_statement` selects, the ``j``-th bound to ``:b_portal_j``,
    ``:b_lo_j``, ``:b_hi_j``, each row with its portal. One statement per power-of-two size, compiled once."""
    t = s.id_ledger
    parts = []
    for j in range(size):
        portal, lo, hi = bindparam(f"b_portal_{j}"), bindparam(f"b_lo_{j}"), bindparam(f"b_hi_{j}")
        before = select(func.max(t.c.first_id)).where(t.c.portal == portal, t.c.first_id <= lo).scalar_subquery()
        parts.append(
            select(t.c.portal, t.c.first_id, t.c.last_id, t.c.state, t.c.tries, t.c.checked_at).where(
                t.c.portal == portal, t.c.first_id <= hi, t.c.first_id >= func.coalesce(before, lo)
            )
        )
    return parts[0] if size == 1 else union_all(*parts)


def _runs_touching_many(conn: Connection, windows: Sequence[tuple[str, int, int]]) -> dict[str, list[Run]]:
    """:func:`_runs_touching` of each ``(portal, lo, hi)`` (one window per portal), by portal, in one query per
    WINDOWS_PER_READ windows; a statement's size is the next power of two, the spare windows on portal ``''`` with
    an empty range (no row)."""
    out: dict[str, list[Run]] = {portal: [] for portal, _, _ in windows}
    lows = {portal: lo for portal, lo, _ in windows}
    for i in range(0, len(windows), WINDOWS_PER_READ):
        chunk = padded(windows[i : i + WINDOWS_PER_READ], fill=("", 0, -1))
        size = len(chunk)
        params: dict[str, Any] = {}
        for j, (portal, lo, hi) in enumerate(chunk):
            params[f"b_portal_{j}"], params[f"b_lo_{j}"], params[f"b_hi_{j}"] = portal, lo, hi
        for r in fetch(conn, _touching_many_statement(size), params):
            if r[2] >= lows[r[0]]:
                out[r[0]].append(Run(int(r[1]), int(r[2]), r[3], int(r[4]), r[5]))
    for runs in out.values():
        runs.sort(key=lambda run: run.first)
    return out


def _lock_portals(conn: Connection, portals: Sequence[str]) -> None:
    """PostgreSQL: a transaction-level advisory lock per portal, in sorted order, in one statement."""
    if conn.dialect.name != "postgresql":
        return
    keys = sorted(
        int.from_bytes(hashlib.blake2b(f"antara-ledger/{p}".encode(), digest_size=8).digest(), "big", signed=True)
        for p in portals
    )
    conn.execute(
        text(
            "SELECT pg_advisory_xact_lock(k) FROM "
            "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS ordered_keys"
        ),
        {"keys": keys},
    )


# --- reading ----------------------------------------------------------------------------------------------------


def runs_between(engine: Engine, portal: str, lo: int, hi: int) -> list[Run]:
    with engine.connect() as conn:
        return _runs_touching(conn, portal, lo, hi)


def unsettled(
    engine: Engine,
    portal: str,
    lo: int,
    hi: int,
    *,
    recheck_days: float,
    max_rechecks: int,
    now: datetime | None = None,
) -> list[tuple[int, int]]:
    """The id ranges of ``lo..hi`` a backfill still has to request (see :func:`backfill.unsettled`)."""
    runs = runs_between(engine, portal, lo, hi)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    return backfill.unsettled(lo, hi, runs, now=now, recheck_days=recheck_days, max_rechecks=max_rechecks)


def archived_bounds(engine: Engine, portal: str) -> tuple[int | None, int | None]:
    """Lowest and highest archived id of ``portal`` (None, None when nothing is archived)."""
    t = s.id_ledger_totals
    with engine.connect() as conn:
        row = conn.execute(select(t.c.low, t.c.high).where(t.c.portal == portal)).first()
    if row is None or row.low is None:
        return (None, None)
    return (int(row.low), int(row.high))


def portals(engine: Engine) -> list[str]:
    """The portals the archive holds: any with a ledger entry."""
    t = s.id_ledger_totals
    with engine.connect() as conn:
        return [p for (p,) in conn.execute(select(t.c.portal).order_by(t.c.portal))]


def report(engine: Engine, portal_names: Sequence[str] | None = None) -> list[PortalReport]:
    """``scrapy gaps``: per portal, archived bounds, counts per state over all its runs, unprobed ids in bounds
    (:func:`antara_crawler.store.gaps.report_with`, the one owner of the report, run through SQLAlchemy)."""
    with engine.connect() as conn:

        def execute(sql: str, params: dict[str, Any]) -> list[Any]:
            return list(conn.execute(text(sql), params).all())

        return report_with(execute, portal_names)


def range_report(engine: Engine, portal: str, lo: int, hi: int) -> PortalReport:
    """The ``gaps`` figures of ``lo..hi`` only (the run summary's completeness of the range a backfill covered):
    counts clipped to the range, ``low``/``high`` the archived ids within it, ``unprobed`` over the whole range."""
    t = s.id_ledger
    clipped = _clipped_length(t, lo, hi)
    stmt = (
        select(t.c.state, func.sum(clipped))
        .where(t.c.portal == portal, t.c.last_id >= lo, t.c.first_id <= hi)
        .group_by(t.c.state)
    )
    bounds = select(func.min(case((t.c.first_id < lo, lo), else_=t.c.first_id)),
                    func.max(case((t.c.last_id > hi, hi), else_=t.c.last_id))).where(
        t.c.portal == portal, t.c.state == ARCHIVED, t.c.last_id >= lo, t.c.first_id <= hi
    )  # fmt: skip
    rep = PortalReport(portal, None, None)
    with engine.connect() as conn:
        covered = 0
        for state, n in conn.execute(stmt):
            covered += int(n)
            if state in STATES:
                setattr(rep, state, int(n))
        low, high = conn.execute(bounds).one()
    rep.low = int(low) if low is not None else None
    rep.high = int(high) if high is not None else None
    rep.unprobed = (hi - lo + 1) - covered
    return rep


def _clipped_length(t: Any, lo: int, hi: int) -> Any:
    start = case((t.c.first_id < lo, lo), else_=t.c.first_id)
    end = case((t.c.last_id > hi, hi), else_=t.c.last_id)
    return end - start + 1


# --- dates of archived ids (bounds of a backfill by date) -------------------------------------------------------


def dated_neighbours(engine: Engine, portal: str, days: Iterable[date]) -> list[tuple[int, date]]:
    """``(id, local day)`` of the archived articles nearest each ``day``'s start: the newest one before it and the
    oldest one on or after it. They seed the bisection for a backfill's id bounds."""
    a = s.articles
    tz = tz_for(portal)
    points: list[tuple[int, date]] = []
    with engine.connect() as conn:
        for day in days:
            start = utc_text(datetime.combine(day, time(0), tz))
            base = select(a.c.antara_id, a.c.published_at).where(a.c.portal == portal, a.c.published_at.is_not(None))
            before = base.where(a.c.published_at < start).order_by(a.c.published_at.desc()).limit(1)
            after = base.where(a.c.published_at >= start).order_by(a.c.published_at).limit(1)
            for stmt in (before, after):
                row = conn.execute(stmt).first()
                if row is not None:
                    points.append((int(row.antara_id), _local_day(row.published_at, portal)))
    return points


def _local_day(utc_text: str, portal: str) -> date:
    return datetime.fromisoformat(utc_text).replace(tzinfo=UTC).astimezone(tz_for(portal)).date()


def group_outcomes(pairs: Iterable[tuple[str, int, str]]) -> dict[str, dict[int, str]]:
    """``{portal: {id: state}}`` from ``(portal, id, state)`` in order; an archived id stays archived."""
    out: dict[str, dict[int, str]] = defaultdict(dict)
    for portal, antara_id, state in pairs:
        if out[portal].get(antara_id) == ARCHIVED:
            continue
        out[portal][antara_id] = state
    return dict(out)


__all__ = [
    "REPORT_KEYS",
    "PortalReport",
    "archived_bounds",
    "dated_neighbours",
    "group_outcomes",
    "portals",
    "range_report",
    "record",
    "report",
    "runs_between",
    "unsettled",
]
