"""Opening the archive's database: the engine (SQLite PRAGMAs and busy timeout, ``BEGIN IMMEDIATE`` on request) and
the Alembic migrations (one migrator at a time)."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from antara_crawler.store.errors import ArchiveMissing, QueryError
from antara_crawler.store.location import DEFAULT_DB_URL
from antara_crawler.store.revision import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: PostgreSQL advisory lock held while migrating ("anta")
MIGRATION_LOCK = 0x616E7461
#: how long a SQLite statement waits for another process's lock before failing with "database is locked" (then the
#: store's retry takes over, see store/retry.py); ANTARA_SQLITE_BUSY_SECONDS
DEFAULT_BUSY_SECONDS = 30.0
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",  # with WAL: a process crash never loses a commit (a power cut may lose the last)
    "PRAGMA foreign_keys=ON",
)
#: Switching a new file to WAL while another process does the same can report "database is locked" at once, without
#: waiting for the busy timeout; such a pragma is retried this many times, 0.1 s apart.
SQLITE_PRAGMA_RETRIES = 50


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for the archive's migrations, without any alembic.ini."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The head revision as Alembic reads it from migrations/versions (loads every migration script)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def stamped_revision(conn: Connection) -> str | None:
    """The revision recorded in ``alembic_version`` by plain SQL (None: no such table, or not exactly one row), so a
    current archive is recognised without importing Alembic."""
    try:
        with conn.begin_nested() if conn.in_transaction() else conn.begin():
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).fetchall()
    except DBAPIError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` in one transaction (SQLite: ``BEGIN IMMEDIATE``, so concurrent openers
    wait for each other instead of both creating tables)."""
    if revision == "head":
        with engine.connect() as conn:
            at_head = stamped_revision(conn) == HEAD_REVISION
            conn.rollback()
        if at_head:
            return
    from alembic import command

    with engine.connect().execution_options(antara_begin="BEGIN IMMEDIATE") as conn, conn.begin():
        if conn.dialect.name == "postgresql":  # one migrator at a time; the others then find head
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        before = current_revision(conn)
        command.upgrade(cfg, revision)
        after = current_revision(conn)
        if before != after:
            logger.info("archive migrated from %s to %s", before or "empty", after)


def _execute_pragma(cursor: Any, pragma: str) -> None:
    for attempt in range(SQLITE_PRAGMA_RETRIES + 1):
        try:
            cursor.execute(pragma)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == SQLITE_PRAGMA_RETRIES:
                raise
            time.sleep(0.1)


def make_engine(url: str, *, busy_seconds: float = DEFAULT_BUSY_SECONDS) -> Engine:
    """An engine for ``url``; for SQLite the folder is created and every connection gets the archive's PRAGMAs
    (the busy timeout first: the others may wait for another process opening the same file)."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = sa_url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below), so DDL and reads are transactional too
        cursor = dbapi_conn.cursor()
        for pragma in (f"PRAGMA busy_timeout={int(busy_seconds * 1000)}", *SQLITE_PRAGMAS):
            _execute_pragma(cursor, pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("antara_begin", "BEGIN"))

    return engine


def open_existing_engine(url: str) -> Engine:
    """An engine on an archive that must exist already, migrated to head: an SQLite file that does not exist raises
    :class:`ArchiveMissing` (nothing is created), a malformed URL :class:`QueryError`. The read-only commands open
    the archive this way (``store.search.open_existing`` wraps it in an ``Archive``)."""
    try:
        sa_url = make_url(url)
    except ArgumentError as exc:
        raise QueryError(f"not a database URL: {url}") from exc
    if sa_url.get_backend_name() == "sqlite":
        database = sa_url.database or ""
        real_file = database and database != ":memory:" and not database.startswith("file:")
        if real_file and not Path(database).expanduser().is_file():
            raise ArchiveMissing(f"no archive at {database}")
    engine = make_engine(url)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


__all__ = [
    "DEFAULT_BUSY_SECONDS",
    "DEFAULT_DB_URL",
    "HEAD_REVISION",
    "alembic_config",
    "current_revision",
    "head_revision",
    "make_engine",
    "open_existing_engine",
    "stamped_revision",
    "upgrade",
]
