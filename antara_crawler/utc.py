"""The archive's one time format: UTC as ``YYYY-MM-DD HH:MM:SS`` text (sorts as it reads, the same on every backend).

Every instant the archive stores or compares (``published_at``, ``first_seen_at``, ``crawl_runs.started_at``, bounds
of a search or a backfill) goes through :func:`utc_text`; ISO 8601 strings through :func:`to_utc_text`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

#: the strftime format of the archive's UTC text
UTC_TEXT = "%Y-%m-%d %H:%M:%S"


def utc_text(dt: datetime) -> str:
    """``dt`` as the archive's UTC text; a naive ``dt`` is taken to be UTC already."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime(UTC_TEXT)


def utc_now() -> str:
    """Now, as the archive's UTC text."""
    return datetime.now(UTC).strftime(UTC_TEXT)


@lru_cache(maxsize=16384)
def to_utc_text(value: str | None) -> str | None:
    """ISO 8601 (with offset; naive means UTC) -> ``YYYY-MM-DD HH:MM:SS`` in UTC; None when absent or unreadable."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return utc_text(dt)


__all__ = ["UTC_TEXT", "to_utc_text", "utc_now", "utc_text"]
