"""The archive behind one API: SQLAlchemy tables, Alembic migrations, batched idempotent writes.

    from antara_crawler.store import Archive, WriteResult
    archive = Archive.open("sqlite:///data/antara.db")   # creates the folder and file, migrates to head
    result = archive.write_batch(items)                  # one transaction

Inside a crawl, spider and pipeline share one archive per crawler through :func:`get_archive`.
"""

from __future__ import annotations

import os
from typing import Any

from antara_crawler.store.archive import DEFAULT_DB_URL, Archive, BadItem, WriteResult, content_hash

__all__ = [
    "DEFAULT_DB_URL",
    "Archive",
    "BadItem",
    "WriteResult",
    "close_archive",
    "content_hash",
    "db_url",
    "get_archive",
]

_ATTR = "antara_archive"


def db_url(settings: Any = None) -> str:
    """ANTARA_DB_URL from Scrapy settings, else the environment, else the default SQLite file."""
    url = settings.get("ANTARA_DB_URL") if settings is not None else None
    return url or os.environ.get("ANTARA_DB_URL") or DEFAULT_DB_URL


def get_archive(crawler: Any) -> Archive:
    """The crawler's archive, opened on first use (ANTARA_DB_URL, ANTARA_STORE_HTML) and cached on the crawler."""
    archive = getattr(crawler, _ATTR, None)
    if archive is None or archive.closed:
        store_html = crawler.settings.getbool("ANTARA_STORE_HTML")
        archive = Archive.open(db_url(crawler.settings), store_html=store_html)
        setattr(crawler, _ATTR, archive)
    return archive


def close_archive(crawler: Any) -> None:
    """Close the crawler's archive if one was opened (the store pipeline does this when the spider closes)."""
    archive = getattr(crawler, _ATTR, None)
    if archive is not None:
        archive.close()
        setattr(crawler, _ATTR, None)
