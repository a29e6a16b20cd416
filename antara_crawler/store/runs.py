"""Run bookkeeping: one ``crawl_runs`` row per crawl, started, finished with its counts, and the previous run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, insert, select, update

from antara_crawler.store import schema as s
from antara_crawler.store.rows import utc_now


def previous_run(
    engine: Engine, spider: str, *, before_run_id: int | None = None, started_before: str | None = None
) -> dict[str, Any] | None:
    """The last ``crawl_runs`` row (id, started_at, finished_at, finish_reason) of ``spider`` before a run:
    by id when ``before_run_id`` is given (start times have one-second resolution), else the last one started no
    later than ``started_before``; None when there is none."""
    runs = s.crawl_runs
    stmt = select(runs.c.id, runs.c.started_at, runs.c.finished_at, runs.c.finish_reason).where(runs.c.spider == spider)
    if before_run_id is not None:
        stmt = stmt.where(runs.c.id < int(before_run_id))
    elif started_before is not None:
        stmt = stmt.where(runs.c.started_at <= started_before)
    with engine.connect() as conn:
        row = conn.execute(stmt.order_by(runs.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def start_run(engine: Engine, spider: str, arguments: Mapping[str, Any] | None = None) -> int:
    row = {"spider": spider, "arguments": json.dumps(dict(arguments or {}), default=str), "started_at": utc_now()}
    with engine.begin() as conn:
        return int(conn.execute(insert(s.crawl_runs).returning(s.crawl_runs.c.id), row).scalar_one())


def finish_run(engine: Engine, run_id: int, counts: Mapping[str, Any], finish_reason: str | None) -> None:
    dropped = counts.get("dropped", 0)
    if isinstance(dropped, Mapping):
        dropped = sum(dropped.values())
    values = {
        "finished_at": utc_now(),
        "new": int(counts.get("new", 0)),
        "updated": int(counts.get("updated", 0)),
        "unchanged": int(counts.get("unchanged", 0)),
        "dropped": int(dropped),
        "counts": json.dumps(dict(counts), default=str, sort_keys=True),
        "finish_reason": finish_reason,
    }
    with engine.begin() as conn:
        conn.execute(update(s.crawl_runs).where(s.crawl_runs.c.id == run_id).values(**values))


__all__ = ["finish_run", "previous_run", "start_run"]
