"""The write path: one transaction per batch, keyed by ``(portal, antara_id)``.

A new article is inserted; a re-crawl with the same ``content_hash`` only moves ``last_crawled_at``; changed content
keeps the previous version in ``article_versions`` and replaces the article's related links and tags. Link statuses
mark the related links to a dead target; the id ledger and the stories are updated in the same transaction. On
PostgreSQL concurrent writers of one article are serialized by advisory locks (:func:`~antara_crawler.store.sql.lock_keys`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, case, delete, func, insert, null, or_, select, update
from sqlalchemy.exc import DBAPIError, StatementError

from antara_crawler.backfill import ARCHIVED, state_for_reason
from antara_crawler.items import LinkStatus
from antara_crawler.store import ledger, stories
from antara_crawler.store import schema as s
from antara_crawler.store.reads import RELATED_ALL_FIELDS, related_of, tags_of
from antara_crawler.store.retry import is_transient
from antara_crawler.store.rows import PreparedBatch, WriteResult, _Prepared, _version_data, utc_now
from antara_crawler.store.sql import (
    chunks,
    execute_many,
    fetch,
    fetch_in,
    insert_many,
    insert_tuples,
    lock_keys,
    padded,
)

logger = logging.getLogger(__name__)


@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """A write transaction; on SQLite it takes the write lock at once (``BEGIN IMMEDIATE``), so a concurrent
    writer waits (busy timeout) instead of failing when it upgrades a read."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn = conn.execution_options(antara_begin="BEGIN IMMEDIATE")
        with conn.begin():
            yield conn


def check_writable(engine: Engine) -> None:
    """Open a write transaction and roll it back: raises when the archive cannot be written (read-only file or
    folder, server refusing writes). SQLite takes its write lock (``BEGIN IMMEDIATE``), waiting the busy timeout."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn = conn.execution_options(antara_begin="BEGIN IMMEDIATE")
        conn.begin()
        conn.execute(select(func.count()).select_from(s.crawl_runs))
        conn.rollback()


def record_link_status(
    engine: Engine, portal: str, antara_id: int, status: int, *, url: str | None = None, reason: str | None = None
) -> int:
    """Mark the related links pointing at ``(portal, antara_id)`` with ``status``; returns the rows marked."""
    item = LinkStatus(
        url=url or f"https://{portal}.antaranews.com/berita/{antara_id}",
        portal=portal,
        antara_id=antara_id,
        status=status,
        reason=reason or "",
    )
    with begin_write(engine) as conn:
        lock_keys(conn, [(portal, antara_id)])
        return _write_link_statuses(conn, [item], utc_now())


def write_prepared(engine: Engine, batch: PreparedBatch) -> WriteResult:
    """Write a prepared batch in one transaction (thread-safe: may run in a writer thread).

    A database error on the batch (a constraint, say) rolls it back and retries item by item, dropping only
    the offending items; a transient error (locked, disk full, connection lost) is raised, nothing written.
    """
    result = WriteResult()
    result.merge(batch.result)
    if not batch.articles and not batch.statuses:
        return result
    try:
        with begin_write(engine) as conn:
            lock_keys(conn, [p.key for p in batch.articles] + [(st.portal, st.antara_id) for st in batch.statuses])
            part = _write(conn, batch.articles, batch.statuses, batch.now)
    except (DBAPIError, StatementError) as exc:
        if is_transient(exc):
            raise
        logger.warning("batch of %d failed (%s); retrying item by item", len(batch), exc.__class__.__name__)
        part = _write_one_by_one(engine, batch.articles, batch.statuses, batch.now)
    result.merge(part)
    return result


def _write_one_by_one(engine: Engine, prepared: list[_Prepared], statuses: list[LinkStatus], now: str) -> WriteResult:
    result = WriteResult()
    with begin_write(engine) as conn:
        lock_keys(conn, [p.key for p in prepared] + [(st.portal, st.antara_id) for st in statuses])
        for p in prepared:
            try:
                with conn.begin_nested():
                    result.merge(_write(conn, [p], [], now))
            except (DBAPIError, StatementError) as exc:
                if is_transient(exc):
                    raise
                reason = "integrity_error" if "IntegrityError" in exc.__class__.__name__ else "db_error"
                logger.warning("dropped %s: %s", p.article.url, exc.orig if hasattr(exc, "orig") else exc)
                result.drop(reason)
        for st in statuses:
            try:
                with conn.begin_nested():
                    result.merge(_write(conn, [], [st], now))
            except (DBAPIError, StatementError) as exc:
                if is_transient(exc):
                    raise
                result.drop("bad_link_status")
    return result


def _write(conn: Connection, prepared: list[_Prepared], statuses: list[LinkStatus], now: str) -> WriteResult:
    result = WriteResult()
    # a key seen twice in one batch: the later item is written after the earlier one, in the same transaction
    rounds: list[list[_Prepared]] = [[]]
    seen: list[set[tuple[str, int]]] = [set()]
    for p in prepared:
        i = 0
        while i < len(rounds) and p.key in seen[i]:
            i += 1
        if i == len(rounds):
            rounds.append([])
            seen.append(set())
        rounds[i].append(p)
        seen[i].add(p.key)
    for part in rounds:
        if part:
            _write_articles(conn, part, now, result)
    if statuses:
        result.link_statuses += _write_link_statuses(conn, statuses, now)
        result.statuses_recorded += len({(st.portal, st.antara_id) for st in statuses})
    # the id ledger, in the same transaction: every id tried has its outcome, archived ids whatever the source
    outcomes = [(st.portal, st.antara_id, state_for_reason(st.reason or "")) for st in statuses]
    outcomes += [(p.key[0], int(p.key[1]), ARCHIVED) for p in prepared]
    if outcomes:
        result.ledger_ids += ledger.record(conn, ledger.group_outcomes(outcomes), now)
    return result


#: keys per statement of :func:`_existing`, a power of two
KEYS_PER_PROBE = 256


@lru_cache(maxsize=16)
def _existing_statement(size: int) -> Any:
    """The articles of ``size`` keys ``(:p0, :i0), (:p1, :i1), ...`` as an OR of pairs: one unique-index lookup per
    pair (SQLite's multi-index OR; a row-value IN scans the table). One statement per power-of-two size, compiled
    once (store/sql.py)."""
    a = s.articles
    pairs = [and_(a.c.portal == bindparam(f"p{j}"), a.c.antara_id == bindparam(f"i{j}")) for j in range(size)]
    return select(a.c.portal, a.c.antara_id, a.c.id, a.c.content_hash).where(or_(*pairs))


def _existing(conn: Connection, keys: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, str]]:
    """``{key: (id, content_hash)}`` of the archived keys: one index lookup per key (:func:`_existing_statement`),
    KEYS_PER_PROBE keys per query, the last chunk padded to a power of two by repeating its last key.
    (``portal IN (..) AND antara_id IN (..)`` probed every portal with every id: 4,000 lookups for a batch of 100
    articles over 40 portals, ~10x the time.)"""
    wanted = sorted(set(keys))
    out: dict[tuple[str, int], tuple[int, str]] = {}
    for chunk in chunks(wanted, KEYS_PER_PROBE):
        chunk = padded(chunk, 4)
        size = len(chunk)
        params: dict[str, Any] = {}
        for j, (portal, antara_id) in enumerate(chunk):
            params[f"p{j}"], params[f"i{j}"] = portal, int(antara_id)
        for portal, antara_id, article_id, chash in fetch(conn, _existing_statement(size), params):
            out[(portal, antara_id)] = (article_id, chash)
    return out


def _write_articles(conn: Connection, part: list[_Prepared], now: str, result: WriteResult) -> None:
    a = s.articles
    existing = _existing(conn, [p.key for p in part])
    new: list[_Prepared] = []
    changed: list[tuple[int, _Prepared]] = []
    unchanged: list[tuple[int, _Prepared]] = []
    for p in part:
        found = existing.get(p.key)
        if found is None:
            new.append(p)
        elif found[1] == p.row["content_hash"]:
            unchanged.append((found[0], p))
        else:
            changed.append((found[0], p))
    with_children: list[tuple[int, _Prepared]] = []
    if new:
        if conn.dialect.name == "sqlite":
            # the batch holds the write lock since BEGIN IMMEDIATE: ids after the current maximum are ours
            # (plain executemany, cheaper than INSERT .. RETURNING); each a story of its own until the grouping
            # below finds its copies (only those rows are updated)
            start = int(conn.execute(select(func.coalesce(func.max(a.c.id), 0))).scalar_one()) + 1
            ids = list(range(start, start + len(new)))
            insert_many(conn, a, [{"id": i, "story_id": i, **p.row} for i, p in zip(ids, new, strict=True)])
        else:
            stmt = insert(a).returning(a.c.id, sort_by_parameter_order=True)
            ids = list(conn.execute(stmt, [p.row for p in new]).scalars().all())
        with_children.extend(zip(ids, new, strict=True))
    if unchanged:
        # never moves back (``scrapy reparse`` writes with the stored page's older fetch time)
        crawled = bindparam("b_crawled", type_=a.c.last_crawled_at.type)
        conn.execute(
            update(a)
            .where(a.c.id == bindparam("b_id"))
            .values(last_crawled_at=case((a.c.last_crawled_at < crawled, crawled), else_=a.c.last_crawled_at)),
            [{"b_id": i, "b_crawled": p.row["last_crawled_at"]} for i, p in unchanged],
        )
    if changed:
        _keep_versions(conn, [i for i, _ in changed], now)
        rows = []
        for i, p in changed:
            row = {k: v for k, v in p.row.items() if k != "first_seen_at"}
            rows.append({"b_id": i, **{f"b_{k}": v for k, v in row.items()}})
        values = {k: bindparam(f"b_{k}") for k in changed[0][1].row if k != "first_seen_at"}
        conn.execute(update(a).where(a.c.id == bindparam("b_id")).values(**values), rows)
        ids = [i for i, _ in changed]
        for chunk in chunks(ids):
            conn.execute(delete(s.related_links).where(s.related_links.c.article_id.in_(chunk)))
            conn.execute(delete(s.article_tags).where(s.article_tags.c.article_id.in_(chunk)))
        with_children.extend(changed)
    _insert_children(conn, with_children)
    # stories: match the new and changed bodies, then give every written Article its story_id and story_size
    own_story = bool(new) and conn.dialect.name == "sqlite"
    stories.on_write(conn, with_children[: len(new)], changed, [*with_children, *unchanged], own_story=own_story)
    pages = [(i, p) for i, p in (*with_children, *unchanged) if p.pages]
    if pages:
        page_ids = [i for i, _ in pages]
        for chunk in chunks(page_ids):
            conn.execute(delete(s.pages).where(s.pages.c.article_id.in_(chunk)))
        insert_many(conn, s.pages, [{"article_id": i, **row} for i, p in pages for row in p.pages])
    _clear_link_statuses(conn, [p.key for p in part])
    result.new += len(new)
    result.updated += len(changed)
    result.unchanged += len(unchanged)
    result.new_articles.extend(p.article for p in new)
    result.updated_articles.extend(p.article for _, p in changed)


#: the columns of a related link row from :func:`~antara_crawler.store.rows.prepare`, in the table's order: all but
#: the target's status, which the link-status marks set later
_LINK_COLUMNS = tuple(c for c in RELATED_ALL_FIELDS if c != "target_status")
_link_values = itemgetter(*_LINK_COLUMNS)


def _insert_children(conn: Connection, rows: list[tuple[int, _Prepared]]) -> None:
    """The related links and tags of these articles, as tuples (no dict per row: a batch writes ~1,000 of them)."""
    links = [(i, *_link_values(link)) for i, p in rows for link in p.related]
    insert_tuples(conn, s.related_links, ("article_id", *_LINK_COLUMNS), links)
    names = {t for _, p in rows for t in p.tags}
    if not names:
        return
    tag_ids = _tag_ids(conn, names)
    tags = [(i, tag_ids[t], n) for i, p in rows for n, t in enumerate(p.tags)]
    insert_tuples(conn, s.article_tags, ("article_id", "tag_id", "position"), tags)


def _tag_ids(conn: Connection, names: set[str]) -> dict[str, int]:
    t = s.tags
    ids: dict[str, int] = {name: tid for tid, name in fetch_in(conn, _tags_statement, sorted(names))}
    missing = sorted(names - ids.keys())
    if not missing:
        return ids
    if conn.dialect.name == "postgresql":
        # concurrent writers may add the same tag: skip the conflict, then read every id back
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(t).on_conflict_do_nothing(index_elements=["name"]), [{"name": n} for n in missing])
        for chunk in chunks(missing):
            rows = conn.execute(select(t.c.id, t.c.name).where(t.c.name.in_(chunk)))
            ids.update((name, tid) for tid, name in rows)
    else:  # SQLite: the batch holds the write lock since BEGIN IMMEDIATE, so the ids after the maximum are ours
        start = int(conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()) + 1
        rows = [{"id": start + n, "name": name} for n, name in enumerate(missing)]
        insert_many(conn, t, rows)
        ids.update((r["name"], r["id"]) for r in rows)
    return ids


def _tags_statement(names: tuple[Any, ...]) -> Any:
    """``(id, name)`` of the tags named ``names`` (for :func:`~antara_crawler.store.sql.fetch_in`)."""
    return select(s.tags.c.id, s.tags.c.name).where(s.tags.c.name.in_(names))


def _keep_versions(conn: Connection, ids: list[int], now: str) -> None:
    a = s.articles
    for chunk in chunks(ids):
        rows = conn.execute(select(a).where(a.c.id.in_(chunk))).mappings().all()
        tags = tags_of(conn, chunk)
        related = related_of(conn, chunk)
        conn.execute(
            insert(s.article_versions),
            [
                {
                    "article_id": r["id"],
                    "content_hash": r["content_hash"],
                    "title": r["title"],
                    "body": r["body"],
                    "published_at": r["published_at"],
                    "data": _version_data(r, tags.get(r["id"], []), related.get(r["id"], [])),
                    "valid_from": r["last_changed_at"],
                    "superseded_at": now,
                }
                for r in rows
            ],
        )


def _clear_link_statuses(conn: Connection, keys: list[tuple[str, int]]) -> None:
    """Articles just written are no dead links: delete their ``link_statuses`` rows and clear
    ``target_status``/``target_checked_at`` on the related links to them (a 503 that answers later).

    Same transaction as the write; one ``executemany`` of a primary-key DELETE and one of an indexed UPDATE
    (touching only rows that carry a status) for the whole batch. A LinkStatus later in the same batch is written
    after the articles, so it still wins.
    """
    rows = [{"c_portal": portal, "c_id": int(antara_id)} for portal, antara_id in sorted(set(keys))]
    execute_many(conn, _CLEAR_STATUSES, rows)
    execute_many(conn, _CLEAR_TARGETS, rows)


def _write_link_statuses(conn: Connection, statuses: list[LinkStatus], now: str) -> int:
    latest = {(st.portal, st.antara_id): st for st in statuses}
    ls, r = s.link_statuses, s.related_links
    keys = list(latest)
    for portal, antara_id in keys:
        conn.execute(delete(ls).where(ls.c.portal == portal, ls.c.antara_id == antara_id))
    conn.execute(
        insert(ls),
        [
            {
                "portal": st.portal,
                "antara_id": st.antara_id,
                "url": st.url,
                "status": st.status,
                "reason": st.reason,
                "checked_at": now,
            }
            for st in latest.values()
        ],
    )
    marked = conn.execute(
        update(r)
        .where(r.c.target_portal == bindparam("b_portal"), r.c.target_antara_id == bindparam("b_id"))
        .values(target_status=bindparam("b_status"), target_checked_at=bindparam("b_now")),
        [{"b_portal": st.portal, "b_id": st.antara_id, "b_status": st.status, "b_now": now} for st in latest.values()],
    )
    return max(int(marked.rowcount or 0), 0)


# The statements of _clear_link_statuses, built once and compiled once (store/sql.py): run for every batch, building
# and compiling them anew cost as much CPU as the batch's inserts (bench/bench_store.py).
_CLEAR_STATUSES = delete(s.link_statuses).where(
    s.link_statuses.c.portal == bindparam("c_portal"), s.link_statuses.c.antara_id == bindparam("c_id")
)
_CLEAR_TARGETS = (
    update(s.related_links)
    .where(
        s.related_links.c.target_portal == bindparam("c_portal"),
        s.related_links.c.target_antara_id == bindparam("c_id"),
        s.related_links.c.target_status.is_not(None) | s.related_links.c.target_checked_at.is_not(None),
    )
    .values(target_status=null(), target_checked_at=null())
)


__all__ = ["begin_write", "check_writable", "record_link_status", "write_prepared"]
