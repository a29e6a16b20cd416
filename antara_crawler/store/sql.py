"""Low-level SQL helpers shared by the writer and the reads: chunks of bound ids, statements compiled once and run
straight on the DBAPI cursor (``executemany`` of INSERT, UPDATE and DELETE; plain SELECTs), and PostgreSQL's advisory
locks per article key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import BindParameter, Connection, Executable, Table, bindparam, insert, text

#: bound parameters per IN (...) list; SQLite allows 32766, PostgreSQL 65535
CHUNK = 500

#: ``(dialect, statement) -> (SQL, row -> parameters)``; the statements are module constants (kept alive here)
_COMPILED: dict[tuple[str, Any], tuple[str, Callable[[Mapping[str, Any]], Any] | None]] = {}
_INSERTS: dict[tuple[str, str, tuple[str, ...]], Executable] = {}
#: ``(dialect, statement) -> parameter names in bind order`` of the positional statements compiled by :func:`_compiled`
_ORDER: dict[tuple[str, Any], tuple[str, ...]] = {}


def _compiled(conn: Connection, stmt: Executable) -> tuple[str, Callable[[Mapping[str, Any]], Any] | None]:
    key = (conn.dialect.name, stmt)
    entry = _COMPILED.get(key)
    if entry is None:
        compiled = stmt.compile(dialect=conn.dialect)
        getter = None
        if compiled.positional:
            order = list(compiled.positiontup or ())
            _ORDER[key] = tuple(order)
            getter = itemgetter(*order) if len(order) > 1 else (lambda row, k=order[0]: (row[k],))
        entry = _COMPILED[key] = (str(compiled), getter)
    return entry


def execute_many(conn: Connection, stmt: Executable, rows: Sequence[Mapping[str, Any]]) -> int:
    """``executemany`` of ``stmt`` (an INSERT, UPDATE or DELETE whose values are all named ``bindparam``s, built
    once: a module constant) handed straight to the DBAPI cursor; returns the rows it touched.

    The statement is compiled once per dialect from Core (bound parameters, portable); rows go as tuples (dicts
    for named paramstyles), skipping Core's per-row parameter processing, which is the main cost of a Core
    executemany. Only for plain values (str, int, bytes, None); every row has every parameter.
    """
    if not rows:
        return 0
    sql, getter = _compiled(conn, stmt)
    result = conn.exec_driver_sql(sql, [getter(r) for r in rows] if getter is not None else list(rows))
    return max(int(result.rowcount or 0), 0)


def fetch(conn: Connection, stmt: Executable, params: Mapping[str, Any]) -> Sequence[Any]:
    """The rows of a SELECT (a module constant whose values are named ``bindparam``s, no expanding ones), compiled
    once per dialect and run on the DBAPI cursor: plain DBAPI values, no result processing."""
    sql, getter = _compiled(conn, stmt)
    return conn.exec_driver_sql(sql, getter(params) if getter is not None else dict(params)).all()  # one fetchall


_LAST = object()


def padded(values: Sequence[Any], minimum: int = 1, fill: Any = _LAST) -> list[Any]:
    """``values`` lengthened to a power of two (at least ``minimum``) with ``fill``, by default its last value (a
    repeated value of an IN list or OR of keys selects no row twice): one statement per size serves every length."""
    size = max(minimum, 1 << (len(values) - 1).bit_length())
    return [*values, *[values[-1] if fill is _LAST else fill] * (size - len(values))]


@lru_cache(maxsize=32)
def _in_names(size: int) -> tuple[str, ...]:
    return tuple(f"in_{i}" for i in range(size))


@lru_cache(maxsize=128)
def _built(build: Callable[[tuple[BindParameter[Any], ...]], Executable], size: int) -> Executable:
    return build(tuple(bindparam(name) for name in _in_names(size)))


def fetch_in(
    conn: Connection, build: Callable[[tuple[BindParameter[Any], ...]], Executable], values: Sequence[Any]
) -> list[Any]:
    """The rows of ``build(params)``, a SELECT with ``IN (params)``, for ``values``: CHUNK values per query, each
    chunk padded to a power of two by repeating its last value (a repeated value selects no row twice), so the
    statement of each size is built once (``build``: a module-level function) and compiled once (:func:`fetch`).
    Building ``column.in_(list)`` anew coerces every value (~0.5 ms for a batch's ids)."""
    out: list[Any] = []
    for i in range(0, len(values), CHUNK):
        chunk = padded(values[i : i + CHUNK], 8)
        size = len(chunk)
        out.extend(fetch(conn, _built(build, size), dict(zip(_in_names(size), chunk, strict=True))))
    return out


def _insert(conn: Connection, table: Table, cols: tuple[str, ...]) -> Executable:
    key = (conn.dialect.name, table.name, cols)
    stmt = _INSERTS.get(key)
    if stmt is None:
        stmt = _INSERTS[key] = insert(table).values({c: bindparam(c) for c in cols})
    return stmt


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of an INSERT of ``rows`` (all with the same keys) into ``table``, by :func:`execute_many`."""
    if not rows:
        return
    execute_many(conn, _insert(conn, table, tuple(rows[0])), rows)


def insert_tuples(conn: Connection, table: Table, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """:func:`insert_many` of rows given as tuples of the ``cols`` values: no dict per row (a batch writes thousands
    of story bands, and every dict is an object for the garbage collector), handed to the cursor as they are when
    the dialect binds by position (SQLite) in this order (the table's column order), else as dicts."""
    if not rows:
        return
    stmt = _insert(conn, table, cols)
    sql, getter = _compiled(conn, stmt)
    order = _ORDER.get((conn.dialect.name, stmt)) if getter is not None else None
    if order is None or sorted(order) != sorted(cols):
        execute_many(conn, stmt, [dict(zip(cols, r, strict=True)) for r in rows])
        return
    if order != cols:  # bound in the table's column order: one reordered tuple per row
        rows = list(map(itemgetter(*(cols.index(c) for c in order)), rows))
    conn.exec_driver_sql(sql, rows)


def lock_keys(conn: Connection, keys: Iterable[tuple[str, int]]) -> None:
    """PostgreSQL: take a transaction-level advisory lock per article key, in sorted order (no deadlock), so that
    concurrent writers of the same article run one after the other between the existence check and the write.
    SQLite needs none: ``BEGIN IMMEDIATE`` already serializes writers."""
    if conn.dialect.name != "postgresql":
        return
    lock_ids = sorted({lock_id(portal, antara_id) for portal, antara_id in keys})
    if lock_ids:
        conn.execute(
            text(
                "SELECT pg_advisory_xact_lock(k) FROM "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS ordered_keys"
            ),
            {"keys": lock_ids},
        )


def lock_id(portal: str, antara_id: int) -> int:
    digest = hashlib.blake2b(f"antara/{portal}/{antara_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def chunks(values: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


__all__ = [
    "CHUNK",
    "chunks",
    "execute_many",
    "fetch",
    "fetch_in",
    "insert_many",
    "insert_tuples",
    "lock_id",
    "padded",
    "lock_keys",
]
