"""The archive behind one API: SQLAlchemy tables, Alembic migrations, batched idempotent writes.

    from antara_crawler.store import Archive, WriteResult
    archive = Archive.open("sqlite:///data/antara.db")   # creates the folder and file, migrates to head
    result = archive.write_batch(items)                  # one transaction

Inside a crawl, spider and pipeline share one archive per crawler through :func:`get_archive`, and one
:class:`~antara_crawler.store.retry.ArchiveRetry` through :func:`archive_retry` (transient errors retried for up to
``ANTARA_ARCHIVE_RETRY_SECONDS``, then the spider is closed with ``archive_unavailable``).

The package's modules, each with one concern (every name below is importable from here):

* ``engine.py`` the engine, SQLite PRAGMAs and Alembic migrations; ``schema.py`` the tables; ``migrations/``
* ``rows.py`` row preparation: the checks of ``antara_crawler/validation.py`` (:class:`BadItem`), :func:`content_hash`, :func:`to_utc_text`
* ``writer.py`` (with ``sql.py``) upserts, versions, link statuses, locks; ``reads.py`` and ``runs.py`` the reads
  spiders and commands need and the ``crawl_runs`` bookkeeping; ``archive.py`` the :class:`Archive` facade over them
* ``search.py`` filters and the one full-text search (``tsquery.py``: FTS5 -> tsquery; ``errors.py``)
* ``records.py`` and ``export.py`` reading the archive back and exporting it; ``parquet.py``, ``graph.py``
  (their libraries, and the story grouping's, come from the ``analysis`` extra: ``extras.py``)
* ``stories.py`` stories, ``ledger.py`` the id ledger, ``retry.py`` riding out outages
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # the names below are imported on first use (see __getattr__), so `scrapy gaps` stays light
    from antara_crawler.store.archive import Archive
    from antara_crawler.store.engine import alembic_config, current_revision, head_revision, make_engine, upgrade
    from antara_crawler.store.errors import ArchiveMissing, QueryError
    from antara_crawler.store.location import DEFAULT_DB_URL
    from antara_crawler.store.retry import ArchiveRetry, ArchiveUnavailable, describe, is_transient
    from antara_crawler.store.rows import (
        CONTENT_FIELDS,
        BadItem,
        PreparedBatch,
        WriteResult,
        content_hash,
        prepare,
        to_utc_text,
        utc_now,
    )
    from antara_crawler.store.search import ArchiveFilter, SearchHit, open_existing, search

#: where each public name lives. Importing a submodule (``store.ledger``) or one name does not import the rest: a
#: read-only command loads neither Alembic nor the writer unless it needs them.
_EXPORTS = {
    "archive": ("Archive",),
    "engine": ("alembic_config", "current_revision", "head_revision", "make_engine", "upgrade"),
    "errors": ("ArchiveMissing", "QueryError"),
    "location": ("DEFAULT_DB_URL",),
    "retry": ("ArchiveRetry", "ArchiveUnavailable", "describe", "is_transient"),
    "rows": (
        "CONTENT_FIELDS", "BadItem", "PreparedBatch", "WriteResult", "content_hash", "prepare", "to_utc_text", "utc_now",
    ),
    "search": ("ArchiveFilter", "SearchHit", "open_existing", "search"),
}  # fmt: skip
_LAZY = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CONTENT_FIELDS",
    "DEFAULT_DB_URL",
    "Archive",
    "ArchiveFilter",
    "ArchiveMissing",
    "ArchiveRetry",
    "ArchiveUnavailable",
    "BadItem",
    "CLOSE_REASON",
    "PreparedBatch",
    "QueryError",
    "SearchHit",
    "UNAVAILABLE_STAT",
    "WriteResult",
    "alembic_config",
    "archive_retry",
    "close_archive",
    "content_hash",
    "current_revision",
    "db_url",
    "describe",
    "get_archive",
    "head_revision",
    "is_transient",
    "make_engine",
    "open_existing",
    "prepare",
    "safe_url",
    "search",
    "setting",
    "to_utc_text",
    "upgrade",
    "utc_now",
]

T = TypeVar("T")

_ATTR = "antara_archive"
_RETRY_ATTR = "antara_archive_retry"
#: the reason a spider is closed with when the archive stayed unavailable past ANTARA_ARCHIVE_RETRY_SECONDS
CLOSE_REASON = "archive_unavailable"
#: stat holding the one-line reason ("archive unavailable for 300 s: ..."); commands/crawl.py exits 4 when it is set
UNAVAILABLE_STAT = "antara/archive/unavailable"


def db_url(settings: Any = None) -> str:
    """ANTARA_DB_URL from Scrapy settings, else the environment, else the default SQLite file."""
    url = settings.get("ANTARA_DB_URL") if settings is not None else None
    from antara_crawler.store.location import DEFAULT_DB_URL

    return url or os.environ.get("ANTARA_DB_URL") or DEFAULT_DB_URL


def get_archive(crawler: Any) -> Archive:
    """The crawler's archive, opened on first use (ANTARA_DB_URL, ANTARA_STORE_HTML) and cached on the crawler."""
    from antara_crawler.store.archive import Archive

    archive = getattr(crawler, _ATTR, None)
    if archive is None or archive.closed:
        settings = crawler.settings
        archive = Archive.open(
            db_url(settings),
            store_html=settings.getbool("ANTARA_STORE_HTML"),
            busy_seconds=setting(settings, "ANTARA_SQLITE_BUSY_SECONDS", float),
        )
        setattr(crawler, _ATTR, archive)
    return archive


def close_archive(crawler: Any) -> None:
    """Close the crawler's archive if one was opened (the store pipeline does this when the spider closes)."""
    archive = getattr(crawler, _ATTR, None)
    if archive is not None:
        archive.close()
        setattr(crawler, _ATTR, None)


def setting(settings: Any, name: str, kind: Callable[[Any], T]) -> T:
    """A project setting from Scrapy settings, falling back to its one declaration in ``antara_crawler/settings.py``
    (crawlers built without the project's settings module, as in unit tests, get the same default)."""
    from antara_crawler import settings as declared

    value = settings.get(name) if settings is not None else None
    if value is None or value == "":
        value = getattr(declared, name)
    return kind(value)


def safe_url(url: str) -> str:
    """The archive URL with its password hidden, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show it as given (it holds no parsable password)
        return url


def archive_retry(crawler: Any) -> ArchiveRetry:
    """The crawler's :class:`ArchiveRetry` (one outage clock for the spider's reads and the pipeline's writes).

    Retries are counted in the stat ``antara/archive/retries``. Past the budget the reason goes to the stat
    ``antara/archive/unavailable`` and the spider is closed with the reason ``archive_unavailable``: no new work is
    scheduled, what is in flight finishes, the store pipeline flushes what it can and counts the rest.
    """
    from antara_crawler.store.retry import ArchiveRetry

    retry = getattr(crawler, _RETRY_ATTR, None)
    if retry is None:

        def on_retry(_exc: BaseException) -> None:
            crawler.stats.inc_value("antara/archive/retries")

        def on_unavailable(reason: str) -> None:
            crawler.stats.set_value(UNAVAILABLE_STAT, reason)
            engine = getattr(crawler, "engine", None)
            if engine is not None and getattr(engine, "spider", None) is not None:
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(engine.close_spider_async(reason=CLOSE_REASON))

        retry = ArchiveRetry(
            setting(crawler.settings, "ANTARA_ARCHIVE_RETRY_SECONDS", float),
            on_retry=on_retry,
            on_unavailable=on_unavailable,
        )
        setattr(crawler, _RETRY_ATTR, retry)
    return retry
