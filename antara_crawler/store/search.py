"""Read-only queries over the archive: filters shared by ``scrapy search`` and ``scrapy export``, and full-text search.

    from antara_crawler.store.search import ArchiveFilter, open_existing, search
    archive = open_existing("sqlite:///data/antara.db")
    hits = search(archive.engine, "BPJS Ketenagakerjaan", ArchiveFilter(portals=["babel"]), limit=20)

Full-text search uses the SQLite FTS5 table ``articles_fts`` (title, body): the query is FTS5 syntax (words, "a
phrase", AND/OR/NOT, prefix*, NEAR(...)), ranked by bm25 with the title weighted above the body, and each hit comes
with an FTS5 ``snippet()``. A malformed query raises :class:`QueryError` with a one-line message.

On PostgreSQL the same query language is translated to a ``tsquery`` (see :func:`fts5_to_tsquery`; NEAR() and ``^``
are SQLite-only) and matched against the weighted ``tsvector`` of title (A) and body (B) that the GIN index
``ix_articles_tsv`` holds (migration 0004, 'simple' configuration); hits are ranked by ``ts_rank_cd`` with the title
weighted ten times the body, and snippets come from ``ts_headline()`` with the same ``[ ]`` markers. Any other
database gets a plain case-insensitive substring match, newest first, with the snippet cut in Python.

Dates: ``since``/``until`` take a day (``2024-03-01``, inclusive, compared with the day printed on the page, i.e. in
the portal's own zone: ``published_at_local``) or a date-time (``2024-03-01T08:00:00+07:00``; without an offset it is
UTC), compared with ``published_at`` in UTC.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.exc import OperationalError

from antara_crawler.portals import parse_portal_list
from antara_crawler.store import schema as s
from antara_crawler.store.archive import Archive
from antara_crawler.store.engine import open_existing_engine
from antara_crawler.store.errors import ArchiveMissing, QueryError, invalid_query
from antara_crawler.store.tsquery import (
    TS_CONFIG,
    TS_RANK_WEIGHTS,
    fts5_to_tsquery,
    pg_document,
    pg_match,
    pg_rank,
    pg_tsquery,
)
from antara_crawler.utc import utc_text

logger = logging.getLogger(__name__)

#: the FTS5 table as SQLAlchemy sees it (its rowid is articles.id)
articles_fts = table("articles_fts", column("rowid", Integer), column("title"), column("body"))
_FTS = literal_column("articles_fts")
#: bm25 column weights: a word in the title counts ten times a word in the body
BM25_WEIGHTS = (10.0, 1.0)
SNIPPET_START, SNIPPET_END, SNIPPET_ELLIPSIS, SNIPPET_TOKENS = "[", "]", "…", 16
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: messages of SQLite errors that mean "the FTS5 query is malformed", not "the database is broken"
_FTS_ERRORS = ("fts5", "syntax error", "unterminated string", "no such column", "unknown special query", "malformed")


def open_existing(url: str) -> Archive:
    """Open an archive for reading; an SQLite file that does not exist raises :class:`ArchiveMissing`."""
    return Archive(open_existing_engine(url), store_html=False)


def _parse_bound(value: str) -> tuple[str | None, str | None]:
    """``(local_day, utc_text)``: a day compares with the local day printed on the page, a date-time in UTC."""
    value = value.strip()
    if _DAY.match(value):
        try:
            date.fromisoformat(value)
        except ValueError as exc:
            raise QueryError(f"not a date: {value!r} (use YYYY-MM-DD)") from exc
        return value, None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(f"not a date: {value!r} (use YYYY-MM-DD or an ISO 8601 date-time)") from exc
    return None, utc_text(dt)


@dataclass
class ArchiveFilter:
    """Which articles a search or an export covers. Empty means all of them."""

    portals: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        # validate early, so a typo is reported before any output is written
        self._since = _parse_bound(self.since) if self.since else (None, None)
        self._until = _parse_bound(self.until) if self.until else (None, None)

    @classmethod
    def from_options(
        cls, portal: str | None = None, since: str | None = None, until: str | None = None, query: str | None = None
    ) -> ArchiveFilter:
        portals: list[str] = []
        if portal and portal.strip():
            try:
                portals = parse_portal_list(portal)  # a typo must not quietly match nothing
            except ValueError as exc:
                raise QueryError(str(exc).split(";")[0]) from None
        return cls(portals=portals, since=since, until=until, query=query or None)

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE conditions over ``articles`` (no full-text part; see :func:`fts_join`)."""
        a = s.articles
        out: list[ColumnElement[bool]] = []
        if self.portals:
            out.append(a.c.portal.in_(self.portals))
        since_day, since_utc = self._since
        if since_day:
            # the UTC bound (a day early: zones are +7..+9) keeps the index in use; the local day decides
            lo = (date.fromisoformat(since_day) - timedelta(days=1)).isoformat()
            out += [a.c.published_at >= lo, func.substr(a.c.published_at_local, 1, 10) >= since_day]
        elif since_utc:
            out.append(a.c.published_at >= since_utc)
        until_day, until_utc = self._until
        if until_day:
            hi = (date.fromisoformat(until_day) + timedelta(days=2)).isoformat()
            out += [a.c.published_at < hi, func.substr(a.c.published_at_local, 1, 10) <= until_day]
        elif until_utc:
            out.append(a.c.published_at <= until_utc)
        return out


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def fts_match(query: str) -> ColumnElement[bool]:
    """``articles_fts MATCH :query`` (bound)."""
    return _FTS.op("MATCH")(bindparam("fts_query", query))


def substring_match(query: str) -> ColumnElement[bool]:
    """The non-SQLite fallback: title or body contains the query, case-insensitively."""
    a = s.articles
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return a.c.title.ilike(pattern, escape="\\") | a.c.body.ilike(pattern, escape="\\")


def is_query_error(exc: OperationalError) -> bool:
    msg = str(getattr(exc, "orig", exc)).lower()
    return any(word in msg for word in _FTS_ERRORS)


def query_error(query: str, exc: OperationalError) -> QueryError:
    """A one-line :class:`QueryError` for an FTS5 error raised by ``query``."""
    return invalid_query(query, str(getattr(exc, "orig", exc)))


#: ts_headline options: the same markers and length as the SQLite snippet; MaxFragments=1 picks the passage around
#: the match, with words on both sides (the default starts the headline at the match)
TS_HEADLINE_OPTIONS = (
    f"StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxWords={SNIPPET_TOKENS}, MinWords={SNIPPET_TOKENS // 2}, "
    "MaxFragments=1"
)


def text_match(engine: Engine, query: str) -> ColumnElement[bool]:
    """The full-text condition on ``articles`` for a non-SQLite database (PostgreSQL text search; else substring)."""
    if engine.dialect.name == "postgresql":
        return pg_match(query)
    return substring_match(query)


_WORD = re.compile(r"\w")
_ADJACENT_MARKS = re.compile(re.escape(SNIPPET_END) + r"(\s+)" + re.escape(SNIPPET_START))


def _pg_snippet(headline: str | None, body: str | None) -> str:
    """A ts_headline() fragment in the shape of FTS5's snippet(): whitespace folded, "…" where the body goes on,
    and neighbouring highlighted words joined into one span (a matched "phrase" reads ``[BPJS Ketenagakerjaan]``)."""
    text = " ".join((headline or "").split())
    if not text:
        return ""
    text = _ADJACENT_MARKS.sub(r"\1", text)
    plain = text.replace(SNIPPET_START, "").replace(SNIPPET_END, "")
    whole = " ".join((body or "").replace(SNIPPET_START, "").replace(SNIPPET_END, "").split())
    at = whole.find(plain)
    if at < 0:  # not found (the body holds the markers' characters in odd places): say it goes on
        return SNIPPET_ELLIPSIS + text + SNIPPET_ELLIPSIS
    before, after = whole[:at], whole[at + len(plain) :]
    # what ts_headline left out: "…" for words, kept as is when only punctuation (a final full stop)
    head = SNIPPET_ELLIPSIS if _WORD.search(before) else before
    tail = SNIPPET_ELLIPSIS if _WORD.search(after) else after
    return head + text + tail


@dataclass
class SearchHit:
    rank: int
    score: float | None  # lower is better: bm25 on SQLite, -ts_rank_cd on PostgreSQL; None elsewhere
    portal: str
    antara_id: int
    url: str
    title: str | None
    published_at: str | None  # ISO 8601 with the portal's offset, as printed on the page
    snippet: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "score": self.score,
            "portal": self.portal,
            "antara_id": self.antara_id,
            "url": self.url,
            "title": self.title,
            "published_at": self.published_at,
            "snippet": self.snippet,
        }


def search_statement(engine: Engine, query: str, flt: ArchiveFilter, limit: int) -> Select[Any]:
    if is_sqlite(engine):
        return _sqlite_search_statement(query, flt, limit)
    a = s.articles
    cols = [a.c.portal, a.c.antara_id, a.c.url, a.c.title, a.c.published_at_local]
    if engine.dialect.name == "postgresql":
        match, rank = pg_match(query), pg_rank(query)
        # ts_headline() is costly: PostgreSQL evaluates it after the sort and LIMIT, on the hits shown only
        headline = func.ts_headline(
            literal_column(f"'{TS_CONFIG}'"),
            func.coalesce(a.c.body, literal_column("''")),
            pg_tsquery(query),
            literal_column(f"'{TS_HEADLINE_OPTIONS}'"),
        )
        stmt = (
            select(*cols, (-rank).label("score"), headline.label("snippet"), a.c.body.label("body"))
            .where(match, *flt.conditions())
            .order_by(rank.desc(), a.c.published_at.desc(), a.c.id)
        )
    else:
        stmt = (
            select(*cols, literal_column("NULL").label("score"), a.c.body.label("snippet"))
            .where(substring_match(query), *flt.conditions())
            .order_by(a.c.published_at.desc(), a.c.id.desc())
        )
    return stmt.limit(limit)


def _sqlite_search_statement(query: str, flt: ArchiveFilter, limit: int) -> Select[Any]:
    """The best ``limit`` hits in two steps. ``top``: every match is scored (bm25) and filtered on the columns of
    :data:`~antara_crawler.store.schema.SEARCH_INDEX` alone (revision 0009), never its row with the body. Then the
    rows and snippets of those hits are read, in the same order. In one step SQLite read the whole row of every
    match, body included, and a snippet for each one that entered the top-``limit`` sorter (docs/performance.md,
    "Search on real-size bodies")."""
    a = s.articles
    score = func.bm25(_FTS, *BM25_WEIGHTS)
    ranked = (
        select(articles_fts.c.rowid.label("id"), score.label("score"), a.c.published_at.label("published_at"))
        .select_from(articles_fts.join(a, a.c.id == articles_fts.c.rowid))
        .where(fts_match(query), *flt.conditions())
        .order_by(score, a.c.published_at.desc(), a.c.id)
        .limit(limit)
    )
    # SQLAlchemy's SQLite dialect renders no table hints, and SQLite's planner always looks a rowid up in the table,
    # so the index is named in the SQL itself (the join is the one built just above)
    compiled = ranked.compile(dialect=sqlite_dialect(paramstyle="named"), compile_kwargs={"render_postcompile": True})
    sql = str(compiled)
    plain = "JOIN articles ON articles.id = articles_fts.rowid"
    if sql.count(plain) != 1:
        raise RuntimeError(f"the ranking statement no longer has the join it names the index in: {sql}")
    sql = sql.replace(plain, f"JOIN articles INDEXED BY {s.SEARCH_INDEX} ON articles.id = articles_fts.rowid")
    top = (
        text(sql)
        .bindparams(**compiled.params)
        .columns(column("id", Integer), column("score"), column("published_at"))
        .cte("top")
    )
    row = a.alias("hit")
    # the body's best passage (the title is shown anyway; a title-only match gives the lede)
    snippet = func.snippet(_FTS, 1, SNIPPET_START, SNIPPET_END, SNIPPET_ELLIPSIS, SNIPPET_TOKENS)
    cols = [row.c.portal, row.c.antara_id, row.c.url, row.c.title, row.c.published_at_local]
    return (
        select(*cols, top.c.score, snippet.label("snippet"))
        .select_from(top.join(articles_fts, articles_fts.c.rowid == top.c.id).join(row, row.c.id == top.c.id))
        .where(fts_match(query))
        .order_by(top.c.score, top.c.published_at.desc(), top.c.id)
    )


def _python_snippet(body: str | None, query: str, width: int = 80) -> str:
    """The fallback snippet: the first occurrence of the query in the body, with its surroundings."""
    if not body:
        return ""
    at = body.lower().find(query.lower())
    if at < 0:
        return " ".join(body[: 2 * width].split()) + SNIPPET_ELLIPSIS
    start, end = max(0, at - width), min(len(body), at + len(query) + width)
    text = body[start:at] + SNIPPET_START + body[at : at + len(query)] + SNIPPET_END + body[at + len(query) : end]
    return (SNIPPET_ELLIPSIS if start else "") + " ".join(text.split()) + (SNIPPET_ELLIPSIS if end < len(body) else "")


def search(engine: Engine, query: str, flt: ArchiveFilter | None = None, *, limit: int = 20) -> list[SearchHit]:
    """Full-text search: the best ``limit`` hits, best first. Raises :class:`QueryError` on a malformed query."""
    if not query or not query.strip():
        raise QueryError("empty search query")
    if limit < 1:
        raise QueryError("--limit must be at least 1")
    flt = flt or ArchiveFilter()
    stmt = search_statement(engine, query, flt, limit)
    try:
        with engine.connect() as conn:
            rows = conn.execute(stmt).all()
    except OperationalError as exc:
        if is_query_error(exc):
            raise query_error(query, exc) from None
        raise
    hits = []
    for n, row in enumerate(rows, start=1):
        portal, antara_id, url, title, published_at, score, snippet = row[:7]
        if engine.dialect.name == "postgresql":
            snippet = _pg_snippet(snippet, row.body)
        elif not is_sqlite(engine):
            snippet = _python_snippet(snippet, query)
        hits.append(
            SearchHit(
                rank=n,
                score=round(float(score), 4) + 0.0 if score is not None else None,  # + 0.0: no -0.0
                portal=portal,
                antara_id=int(antara_id),
                url=url,
                title=title,
                published_at=published_at,
                snippet=" ".join((snippet or "").split()),
            )
        )
    logger.debug("search %r: %d hits", query, len(hits))
    return hits


__all__ = [
    "TS_CONFIG",
    "TS_RANK_WEIGHTS",
    "invalid_query",
    "pg_document",
    "pg_rank",
    "pg_tsquery",
    "ArchiveFilter",
    "ArchiveMissing",
    "QueryError",
    "SearchHit",
    "fts5_to_tsquery",
    "fts_match",
    "open_existing",
    "pg_match",
    "text_match",
    "search",
]
