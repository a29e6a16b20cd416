"""The errors of the archive's read-only commands: a query or filter that cannot run, an archive that is missing."""

from __future__ import annotations


class QueryError(ValueError):
    """A search query or filter the archive cannot run (the message is one line, fit for a terminal)."""


class ArchiveMissing(FileNotFoundError):
    """``--db`` names an SQLite file that does not exist (read-only commands never create one)."""


def invalid_query(query: str, detail: str) -> QueryError:
    """The one-line :class:`QueryError` for a malformed query (the same shape on every backend)."""
    detail = " ".join(detail.split())
    return QueryError(f'invalid search query {query!r}: {detail} (FTS5 syntax: words, "a phrase", AND, OR, NOT, pre*)')


__all__ = ["ArchiveMissing", "QueryError", "invalid_query"]
