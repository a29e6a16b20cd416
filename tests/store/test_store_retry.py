"""The archive's transient-error rule and retry budget (``antara_crawler/store/retry.py``), on real database errors:
a SQLite write lock held by another connection, a constraint violation, a PostgreSQL port nobody listens on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from antara_crawler.store import Archive, ArchiveRetry, ArchiveUnavailable, is_transient
from tests.helpers import ROOT
from tests.helpers.articles import make_article
from tests.helpers.servers import free_port


def locked_archive(tmp_path: Path) -> tuple[Archive, sqlite3.Connection]:
    """An archive whose file another connection holds the write lock of (busy timeout 50 ms)."""
    db = tmp_path / "a.db"
    archive = Archive.open(f"sqlite:///{db}", busy_seconds=0.05)
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    return archive, locker


def test_database_is_locked_is_transient(tmp_path: Path) -> None:
    archive, locker = locked_archive(tmp_path)
    with pytest.raises(OperationalError) as caught:
        archive.write_batch([make_article(1)])
    assert "database is locked" in str(caught.value)
    assert is_transient(caught.value)
    locker.close()
    archive.close()


def test_a_constraint_violation_is_not_transient(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert not is_transient(caught.value)
    engine.dispose()


def test_postgres_connection_refused_is_transient() -> None:
    pytest.importorskip("psycopg")
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x")
    with pytest.raises(OperationalError) as caught:
        engine.connect()
    assert is_transient(caught.value)
    engine.dispose()


def test_retry_waits_out_a_lock_and_counts_the_retries(tmp_path: Path) -> None:
    archive, locker = locked_archive(tmp_path)
    seen: list[str] = []

    def on_retry(exc: BaseException) -> None:
        seen.append(str(exc))
        if len(seen) == 2:
            locker.close()  # the other process lets go of its lock

    retry = ArchiveRetry(30, on_retry=on_retry)
    result = retry.call_blocking(archive.write_batch, [make_article(1)])
    assert result.new == 1
    assert retry.retries == 2 and len(seen) == 2
    assert retry.unavailable is None
    assert retry.waited_seconds > 0
    archive.close()


def test_past_the_budget_the_archive_is_declared_unavailable_once(tmp_path: Path) -> None:
    archive, locker = locked_archive(tmp_path)
    reasons: list[str] = []
    retry = ArchiveRetry(0.2, on_unavailable=reasons.append)
    with pytest.raises(ArchiveUnavailable) as caught:
        retry.call_blocking(archive.write_batch, [make_article(1)])
    assert caught.value.reason.startswith("archive unavailable for 0.2 s: OperationalError: database is locked")
    # later calls get one attempt each, no more waiting, and the hook does not run again
    with pytest.raises(ArchiveUnavailable):
        retry.call_blocking(archive.write_batch, [make_article(2)])
    assert reasons == [caught.value.reason]
    locker.close()
    assert retry.call_blocking(archive.write_batch, [make_article(3)]).new == 1  # what can be flushed is flushed
    archive.close()


def test_an_error_no_retry_can_fix_is_raised_at_once(tmp_path: Path) -> None:
    archive = Archive.open(f"sqlite:///{tmp_path / 'a.db'}")
    retry = ArchiveRetry(30)

    def broken() -> None:
        with archive.engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(OperationalError, match="no such table"):
        retry.call_blocking(broken)
    assert retry.retries == 0 and retry.unavailable is None
    archive.close()


def test_spiders_reach_the_archive_only_through_archive_methods() -> None:
    """No SQL in spiders (issue 12): they call Archive methods through archive_read, which owns retries."""
    import ast

    spiders = ROOT / "antara_crawler" / "spiders"
    imported: set[str] = set()
    for path in spiders.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    assert not [name for name in imported if name.split(".")[0] == "sqlalchemy" or "store.schema" in name]
