"""Low-level SQL helpers shared by the writer and the reads: chunks of bound ids, the cached DBAPI ``executemany``
of an INSERT, and PostgreSQL's advisory locks per article key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, text

#: bound parameters per IN (...) list; SQLite allows 32766, PostgreSQL 65535
CHUNK = 500

_INSERTS: dict[tuple[str, str, tuple[str, ...]], tuple[str, Callable[[dict[str, Any]], Any] | None]] = {}


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of an INSERT handed straight to the DBAPI cursor.

    The statement is compiled once per dialect and column set from Core (bound parameters, portable); rows go as
    tuples (dicts for named paramstyles), skipping Core's per-row parameter processing, which is the main cost of
    a Core executemany. Only for plain values (str, int, bytes, None) and rows that all have the same keys.
    """
    if not rows:
        return
    cols = tuple(rows[0])
    key = (conn.dialect.name, table.name, cols)
    entry = _INSERTS.get(key)
    if entry is None:
        compiled = insert(table).values({c: bindparam(c) for c in cols}).compile(dialect=conn.dialect)
        getter = None
        if compiled.positional:
            order = list(compiled.positiontup or ())
            getter = itemgetter(*order) if len(order) > 1 else (lambda row, k=order[0]: (row[k],))
        entry = _INSERTS[key] = (str(compiled), getter)
    sql, getter = entry
    conn.exec_driver_sql(sql, [getter(r) for r in rows] if getter is not None else rows)


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


__all__ = ["CHUNK", "chunks", "insert_many", "lock_id", "lock_keys"]
