"""Where the archive is: the default URL, a ``--db`` value as a URL, the file of a plain SQLite URL.

Plain string rules with no SQLAlchemy import, so a command can tell where its archive is before deciding whether it
needs SQLAlchemy at all (``scrapy gaps`` reads a current SQLite archive with ``sqlite3``, see ``store/gaps.py``).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_DB_URL = "sqlite:///data/antara.db"


def db_url_from(value: str) -> str:
    """A ``--db`` value as an SQLAlchemy URL: a URL is kept, a plain path becomes ``sqlite:///<path>``."""
    if "://" in value:
        return value
    return f"sqlite:///{value}"


def sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///<path>`` URL that exists (None for any other URL: SQLAlchemy reads those)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    path = Path(url[len(prefix) :]).expanduser()
    return path if path.is_file() else None
