"""The archive: open (and migrate) a database, write items in batches, answer the questions crawls and commands ask.

Every write goes through :meth:`Archive.write_batch`: one transaction per batch, keyed by ``(portal, antara_id)``.
A new article is inserted; a re-crawl with the same ``content_hash`` only moves ``last_crawled_at``; changed content
keeps the previous version in ``article_versions`` and replaces the article's related links and tags. An item that
cannot be stored is dropped whole, with a counted reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, StatementError

from antara_crawler.backfill import ARCHIVED, state_for_reason
from antara_crawler.items import Article, LinkStatus, RelatedLink
from antara_crawler.portals import NOT_PORTALS
from antara_crawler.store import ledger, stories
from antara_crawler.store import schema as s
from antara_crawler.store.retry import is_transient
from antara_crawler.urls import parse_article_url

logger = logging.getLogger(__name__)

#: subdomains that are not portals of their own ("m" is www's AMP host): left to parse_article_url
_SPECIAL_HOSTS = frozenset({"m", *NOT_PORTALS})

DEFAULT_DB_URL = "sqlite:///data/antara.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: bound parameters per IN (...) list; SQLite allows 32766, PostgreSQL 65535
CHUNK = 500
#: fields that make up an article's content (and its ``content_hash``); not fetched_at, template or sources
CONTENT_FIELDS = (
    "title",
    "body",
    "dateline",
    "published_at",
    "reporter",
    "editor",
    "category",
    "image_url",
    "image_caption",
)
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


class BadItem(ValueError):
    """An item that the schema cannot hold; ``reason`` is counted in ``WriteResult.dropped``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class WriteResult:
    """What one :meth:`Archive.write_batch` did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    link_statuses: int = 0  # related links marked with their target's status
    statuses_recorded: int = 0  # LinkStatus records stored (rows of link_statuses written)
    ledger_ids: int = 0  # ids whose outcome was written to the id ledger
    dropped: dict[str, int] = field(default_factory=dict)
    new_articles: list[Article] = field(default_factory=list)
    updated_articles: list[Article] = field(default_factory=list)

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + n

    def merge(self, other: WriteResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.link_statuses += other.link_statuses
        self.statuses_recorded += other.statuses_recorded
        self.ledger_ids += other.ledger_ids
        for reason, n in other.dropped.items():
            self.drop(reason, n)
        self.new_articles.extend(other.new_articles)
        self.updated_articles.extend(other.updated_articles)


# --- conversions -----------------------------------------------------------------------------------------------


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


_CANONICAL = re.compile(r"^https://([a-z0-9-]+)\.antaranews\.com/berita/(\d+)(?:/[^/?#]*)?$")


@lru_cache(maxsize=65536)
def _target(url: str) -> tuple[str, int] | None:
    """``(portal, antara_id)`` a related link points to (cached: the same targets recur across articles).

    Related links arrive canonical, so a regex answers for most; anything else goes through ``parse_article_url``.
    """
    m = _CANONICAL.match(url)
    if m and m.group(1) not in _SPECIAL_HOSTS:
        return m.group(1), int(m.group(2))
    ref = parse_article_url(url)
    return ref.key if ref else None


@lru_cache(maxsize=16384)
def to_utc_text(value: str | None) -> str | None:
    """ISO 8601 (with offset; naive means UTC) -> ``YYYY-MM-DD HH:MM:SS`` in UTC; None when absent or unreadable."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def _related_list(article: Article) -> list[RelatedLink]:
    out = []
    for link in article.related or []:
        if isinstance(link, RelatedLink):
            out.append(link)
        elif isinstance(link, Mapping):
            try:
                out.append(RelatedLink(**link))
            except TypeError as exc:
                raise BadItem("bad_related", str(exc)) from exc
        else:
            raise BadItem("bad_related", type(link).__name__)
    return out


def content_hash(article: Article, related: list[RelatedLink] | None = None) -> str:
    """sha256 over a canonical JSON of the content fields, tags and related links (url, kind, title)."""
    values = {name: getattr(article, name) for name in CONTENT_FIELDS}
    links = _related_list(article) if related is None else related
    return _hash(values, article.tags or [], links)


#: canonical JSON: compact, ASCII-escaped, no key order to sort (the content is an array in CONTENT_FIELDS order)
_HASH_JSON = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False)


def _hash(values: dict[str, Any], tags: Sequence[str], related: Sequence[RelatedLink]) -> str:
    """sha256 of ``[<CONTENT_FIELDS values>..., [tags...], [[url, kind, title], ...]]`` as canonical JSON."""
    data: list[Any] = [values[name] for name in CONTENT_FIELDS]
    data.append(list(tags))
    data.append([[link.url, link.kind, link.title] for link in related])
    return hashlib.sha256(_HASH_JSON.encode(data).encode("ascii")).hexdigest()


@dataclass
class _Prepared:
    """An Article checked and turned into rows, before it has an id."""

    article: Article
    key: tuple[str, int]
    row: dict[str, Any]
    related: list[dict[str, Any]]
    tags: list[str]
    pages: list[dict[str, Any]]  # pages table rows (without article_id): page 1, then the further pages


def prepare(article: Article, *, store_html: bool, now: str) -> _Prepared:
    """Validate an Article and build its rows; raises :class:`BadItem`."""
    portal, antara_id, url = article.portal, article.antara_id, article.url
    if not isinstance(portal, str) or not portal:
        raise BadItem("missing_portal")
    if isinstance(antara_id, bool) or not isinstance(antara_id, int) or antara_id <= 0:
        raise BadItem("bad_antara_id", repr(antara_id))
    if not isinstance(url, str) or not url:
        raise BadItem("missing_url")
    values = {}
    for name in CONTENT_FIELDS:
        value = getattr(article, name)
        if value is not None and type(value) is not str:
            raise BadItem("bad_field_type", f"{name} is {type(value).__name__}")
        values[name] = value
    for name in ("published_raw", "template", "fetched_at"):
        value = getattr(article, name)
        if value is not None and type(value) is not str:
            raise BadItem("bad_field_type", f"{name} is {type(value).__name__}")
    tags = article.tags or []
    if not isinstance(tags, list | tuple) or not all(type(t) is str for t in tags):
        raise BadItem("bad_tags")
    related = _related_list(article)
    crawled = to_utc_text(article.fetched_at) or now
    row = {
        "portal": portal,
        "antara_id": antara_id,
        "url": url,
        **values,
        "published_at": to_utc_text(article.published_at),
        "published_at_local": article.published_at,
        "published_raw": article.published_raw,
        "template": article.template,
        "content_hash": _hash(values, tags, related),
        "first_seen_at": crawled,
        "last_crawled_at": crawled,
        "last_changed_at": crawled,
    }
    links: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for link in related:
        link_url, kind, title, published, raw = link.url, link.kind, link.title, link.published_at, link.published_raw
        if type(link_url) is not str or not link_url or type(kind) is not str:
            raise BadItem("bad_related", repr(link_url))
        for value in (title, published, raw):
            if value is not None and type(value) is not str:
                raise BadItem("bad_related", f"{type(value).__name__} field")
        if (kind, link_url) in seen:
            continue
        seen.add((kind, link_url))
        target = _target(link_url)
        links.append(
            {
                "position": len(links),
                "kind": kind,
                "url": link_url,
                "title": title,
                "published_at": to_utc_text(published),
                "published_raw": raw,
                "target_portal": target[0] if target else None,
                "target_antara_id": target[1] if target else None,
            }
        )
    unique_tags = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    pages: list[dict[str, Any]] = []
    if store_html and article.raw_html is not None:
        more = article.more_pages or []
        if not isinstance(more, list | tuple) or not all(
            isinstance(p, list | tuple) and len(p) == 2 and isinstance(p[0], str) for p in more
        ):
            raise BadItem("bad_raw_html", "more_pages")
        for position, (page_url, raw) in enumerate([(url, article.raw_html), *more], start=1):
            if isinstance(raw, str):
                raw = raw.encode("utf-8")
            if not isinstance(raw, bytes | bytearray | memoryview):
                raise BadItem("bad_raw_html", type(raw).__name__)
            raw = bytes(raw)
            pages.append(
                {
                    "position": position,
                    "url": page_url,
                    "fetched_at": crawled,
                    "compression": "zlib",
                    "size": len(raw),
                    "html": zlib.compress(raw, 6),
                }
            )
    return _Prepared(article, (portal, antara_id), row, links, unique_tags, pages)


@dataclass
class PreparedBatch:
    """Items checked and converted to rows, waiting to be written (see :meth:`Archive.write_prepared`).

    Converting as items arrive spreads the work over the crawl instead of doing it all when the batch is written.
    """

    now: str
    store_html: bool = True
    articles: list[_Prepared] = field(default_factory=list)
    statuses: list[LinkStatus] = field(default_factory=list)
    #: what was dropped while preparing
    result: WriteResult = field(default_factory=WriteResult)

    def __len__(self) -> int:
        return len(self.articles) + len(self.statuses)

    def add(self, item: Any) -> None:
        if isinstance(item, Article):
            try:
                self.articles.append(prepare(item, store_html=self.store_html, now=self.now))
            except BadItem as exc:
                logger.warning("dropped %s: %s", getattr(item, "url", item), exc)
                self.result.drop(exc.reason)
        elif isinstance(item, LinkStatus):
            if (
                isinstance(item.portal, str)
                and isinstance(item.antara_id, int)
                and not isinstance(item.antara_id, bool)
                and isinstance(item.status, int)
                and isinstance(item.url, str)
            ):
                self.statuses.append(item)
            else:
                self.result.drop("bad_link_status")
        else:
            self.result.drop("unsupported_item")

    def extend(self, other: PreparedBatch) -> None:
        """Append ``other`` (used to put a batch that could not be written back in front of the next one)."""
        self.articles.extend(other.articles)
        self.statuses.extend(other.statuses)
        self.result.merge(other.result)


def _version_data(row: Mapping[str, Any], tags: list[str], related: list[dict[str, Any]]) -> str:
    data = {name: row[name] for name in (*CONTENT_FIELDS, "published_at_local", "published_raw", "url", "template")}
    data["tags"] = tags
    data["related"] = related
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


# --- opening and migrating --------------------------------------------------------------------------------------


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for the archive's migrations, without any alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` in one transaction (SQLite: ``BEGIN IMMEDIATE``, so concurrent openers
    wait for each other instead of both creating tables)."""
    with engine.connect() as conn:
        if revision == "head" and current_revision(conn) == head_revision():
            conn.rollback()
            return
        conn.rollback()
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


# --- the archive ------------------------------------------------------------------------------------------------


class Archive:
    """The article archive behind one API. Create it with :meth:`open`."""

    def __init__(self, engine: Engine, *, store_html: bool = True):
        self.engine = engine
        self.store_html = store_html
        self.closed = False

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        store_html: bool = True,
        migrate: bool = True,
        busy_seconds: float = DEFAULT_BUSY_SECONDS,
    ) -> Archive:
        """Open the archive at ``url`` (default: $ANTARA_DB_URL or sqlite:///data/antara.db), upgraded to head."""
        url = url or os.environ.get("ANTARA_DB_URL") or DEFAULT_DB_URL
        engine = make_engine(url, busy_seconds=busy_seconds)
        if migrate:
            upgrade(engine)
        return cls(engine, store_html=store_html)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads ------------------------------------------------------------------------------------------------

    def known_keys(self, keys: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
        """Which of these ``(portal, antara_id)`` keys are archived."""
        by_portal: dict[str, set[int]] = defaultdict(set)
        for portal, antara_id in keys:
            by_portal[portal].add(int(antara_id))
        found: set[tuple[str, int]] = set()
        a = s.articles
        with self.engine.connect() as conn:
            for portal, ids in by_portal.items():
                id_list = sorted(ids)
                for i in range(0, len(id_list), CHUNK):
                    stmt = select(a.c.antara_id).where(a.c.portal == portal, a.c.antara_id.in_(id_list[i : i + CHUNK]))
                    found.update((portal, antara_id) for (antara_id,) in conn.execute(stmt))
        return found

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of these canonical article URLs are archived (compared by their key, so any slug matches)."""
        refs = {}
        for url in urls:
            ref = parse_article_url(url)
            if ref is not None:
                refs[url] = ref.key
        known = self.known_keys(refs.values())
        return {url for url, key in refs.items() if key in known}

    def previous_run(
        self, spider: str, *, before_run_id: int | None = None, started_before: str | None = None
    ) -> dict[str, Any] | None:
        """The last ``crawl_runs`` row (id, started_at, finished_at, finish_reason) of ``spider`` before a run:
        by id when ``before_run_id`` is given (start times have one-second resolution), else the last one started no
        later than ``started_before``; None when there is none."""
        runs = s.crawl_runs
        stmt = select(runs.c.id, runs.c.started_at, runs.c.finished_at, runs.c.finish_reason).where(
            runs.c.spider == spider
        )
        if before_run_id is not None:
            stmt = stmt.where(runs.c.id < int(before_run_id))
        elif started_before is not None:
            stmt = stmt.where(runs.c.started_at <= started_before)
        with self.engine.connect() as conn:
            row = conn.execute(stmt.order_by(runs.c.id.desc()).limit(1)).mappings().first()
        return dict(row) if row else None

    def archived_related(self, keys: Iterable[tuple[str, int]]) -> list[tuple[str, str | None]]:
        """``(url, published_at)`` of the related links stored for these archived articles, in page order, whose
        target is an article not recorded as dead (``link_statuses``); one query per portal and 500 keys.

        ``published_at`` is ISO 8601 in UTC (``+00:00``), or None."""
        a, r, dead = s.articles, s.related_links, s.link_statuses
        by_portal: dict[str, list[int]] = defaultdict(list)
        for portal, antara_id in dict.fromkeys(keys):
            by_portal[portal].append(int(antara_id))
        joined = r.join(a, a.c.id == r.c.article_id).outerjoin(
            dead, (dead.c.portal == r.c.target_portal) & (dead.c.antara_id == r.c.target_antara_id)
        )
        links: list[tuple[str, str | None]] = []
        with self.engine.connect() as conn:
            for portal, ids in by_portal.items():
                for chunk in _chunks(ids):
                    stmt = (
                        select(r.c.url, r.c.published_at)
                        .select_from(joined)
                        .where(
                            a.c.portal == portal,
                            a.c.antara_id.in_(chunk),
                            r.c.target_portal.is_not(None),
                            dead.c.portal.is_(None),
                        )
                        .order_by(a.c.id, r.c.position)
                    )
                    links.extend((url, f"{at}+00:00" if at else None) for url, at in conn.execute(stmt))
        return links

    def check_writable(self) -> None:
        """Open a write transaction and roll it back: raises when the archive cannot be written (read-only file or
        folder, server refusing writes). SQLite takes its write lock (``BEGIN IMMEDIATE``), waiting the busy timeout."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(antara_begin="BEGIN IMMEDIATE")
            conn.begin()
            conn.execute(select(func.count()).select_from(s.crawl_runs))
            conn.rollback()

    def count(self, table: str = "articles") -> int:
        tbl = s.metadata.tables[table]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tbl)).scalar_one())

    def get_article(self, portal: str, antara_id: int) -> dict[str, Any] | None:
        """The archived row of one article with its ``tags`` and ``related`` lists, or None."""
        a = s.articles
        with self.engine.connect() as conn:
            row = conn.execute(select(a).where(a.c.portal == portal, a.c.antara_id == antara_id)).mappings().first()
            if row is None:
                return None
            out = dict(row)
            out["tags"] = self._tags_of(conn, [row["id"]]).get(row["id"], [])
            out["related"] = self._related_of(conn, [row["id"]]).get(row["id"], [])
            return out

    def versions(self, portal: str, antara_id: int) -> list[dict[str, Any]]:
        """Previous versions of an article, oldest first."""
        a, v = s.articles, s.article_versions
        stmt = (
            select(v)
            .join(a, a.c.id == v.c.article_id)
            .where(a.c.portal == portal, a.c.antara_id == antara_id)
            .order_by(v.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def search(
        self, query: str, *, portal: str | None = None, limit: int = 20, order: str = "rank"
    ) -> list[dict[str, Any]]:
        """Full-text search over title and body in FTS5 query syntax (SQLite FTS5; PostgreSQL text search, see
        :mod:`antara_crawler.store.search`; elsewhere a plain substring match).

        ``order``: ``"rank"`` (best first: bm25 on SQLite, ts_rank_cd on PostgreSQL) or ``"recent"`` (newest
        archived first, fastest on common words). On PostgreSQL a malformed query raises ``QueryError``.
        """
        a = s.articles
        cols = "a.id, a.portal, a.antara_id, a.url, a.title, a.published_at"
        params: dict[str, Any] = {"q": query, "limit": limit}
        where_portal = ""
        if portal:
            where_portal = " AND a.portal = :portal"
            params["portal"] = portal
        with self.engine.connect() as conn:
            if self.is_sqlite:
                order_by = "articles_fts.rank" if order == "rank" else "articles_fts.rowid DESC"
                sql = (
                    f"SELECT {cols} FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
                    f"WHERE articles_fts MATCH :q{where_portal} ORDER BY {order_by} LIMIT :limit"
                )
                return [dict(r) for r in conn.execute(text(sql), params).mappings()]
            stmt = select(a.c.id, a.c.portal, a.c.antara_id, a.c.url, a.c.title, a.c.published_at)
            if self.engine.dialect.name == "postgresql":
                from antara_crawler.store.search import pg_match, pg_rank  # search imports this module

                stmt = stmt.where(pg_match(query))
                if order == "rank":
                    stmt = stmt.order_by(pg_rank(query).desc())
            else:
                pattern = f"%{query}%"
                stmt = stmt.where(a.c.title.ilike(pattern) | a.c.body.ilike(pattern))
            if portal:
                stmt = stmt.where(a.c.portal == portal)
            stmt = stmt.order_by(a.c.id.desc()).limit(limit)
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def month_listing(self, portal: str, month: str) -> list[dict[str, Any]]:
        """Articles of one portal published in a month (``YYYY-MM``, UTC), oldest first."""
        year, mon = (int(x) for x in month.split("-"))
        start = f"{year:04d}-{mon:02d}-01 00:00:00"
        end = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}-01 00:00:00"
        a = s.articles
        stmt = (
            select(a.c.id, a.c.antara_id, a.c.url, a.c.title, a.c.published_at)
            .where(a.c.portal == portal, a.c.published_at >= start, a.c.published_at < end)
            .order_by(a.c.published_at)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def iter_pages(self, portal: str | None = None) -> Iterator[tuple[str, int, str, bytes, str]]:
        """Every stored page, decompressed: ``(portal, antara_id, url, html_bytes, fetched_at)``, by article id
        and then in page order."""
        for row_portal, antara_id, fetched_at, pages in self.iter_article_pages(portal=portal):
            for url, data in pages:
                yield row_portal, antara_id, url, data, fetched_at

    def iter_article_pages(
        self, portal: str | None = None, batch: int = 200
    ) -> Iterator[tuple[str, int, str, list[tuple[str, bytes]]]]:
        """Every article's stored pages, decompressed: ``(portal, antara_id, fetched_at, [(url, html), ...])``,
        by article id, the pages in order (page 1, then ``?page=2``... or ``?page=all``)."""
        a, p = s.articles, s.pages
        last_id = 0
        while True:
            ids_stmt = (
                select(p.c.article_id)
                .join(a, a.c.id == p.c.article_id)
                .where(p.c.article_id > last_id, p.c.position == 1)
                .order_by(p.c.article_id)
                .limit(batch)
            )
            if portal:
                ids_stmt = ids_stmt.where(a.c.portal == portal)
            with self.engine.connect() as conn:
                ids = list(conn.execute(ids_stmt).scalars())
                if not ids:
                    return
                stmt = (
                    select(
                        p.c.article_id, a.c.portal, a.c.antara_id, p.c.url, p.c.html, p.c.compression, p.c.fetched_at
                    )
                    .join(a, a.c.id == p.c.article_id)
                    .where(p.c.article_id.in_(ids))
                    .order_by(p.c.article_id, p.c.position)
                )
                rows = conn.execute(stmt).all()
            last_id = ids[-1]
            current: tuple[int, str, int, str] | None = None
            pages: list[tuple[str, bytes]] = []
            for article_id, row_portal, antara_id, url, html, compression, fetched_at in rows:
                if current is not None and current[0] != article_id:
                    yield current[1], current[2], current[3], pages
                    pages = []
                if current is None or current[0] != article_id:
                    current = (article_id, row_portal, antara_id, fetched_at)
                pages.append((url, zlib.decompress(html) if compression == "zlib" else bytes(html)))
            if current is not None:
                yield current[1], current[2], current[3], pages

    # --- runs -------------------------------------------------------------------------------------------------

    def start_run(self, spider: str, arguments: Mapping[str, Any] | None = None) -> int:
        row = {"spider": spider, "arguments": json.dumps(dict(arguments or {}), default=str), "started_at": utc_now()}
        with self.engine.begin() as conn:
            return int(conn.execute(insert(s.crawl_runs).returning(s.crawl_runs.c.id), row).scalar_one())

    def finish_run(self, run_id: int, counts: Mapping[str, Any], finish_reason: str | None) -> None:
        dropped = counts.get("dropped", 0)
        if isinstance(dropped, Mapping):
            dropped = sum(dropped.values())
        values = {
            "finished_at": utc_now(),
            "new": int(counts.get("new", 0)),
            "updated": int(counts.get("updated", 0)),
            "unchanged": int(counts.get("unchanged", 0)),
            "dropped": int(dropped),
            "counts": json.dumps(dict(counts), default=str, sort_keys=True),
            "finish_reason": finish_reason,
        }
        with self.engine.begin() as conn:
            conn.execute(update(s.crawl_runs).where(s.crawl_runs.c.id == run_id).values(**values))

    # --- writes -----------------------------------------------------------------------------------------------

    @contextmanager
    def _begin_write(self) -> Iterator[Connection]:
        """A write transaction; on SQLite it takes the write lock at once (``BEGIN IMMEDIATE``), so a concurrent
        writer waits (busy timeout) instead of failing when it upgrades a read."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(antara_begin="BEGIN IMMEDIATE")
            with conn.begin():
                yield conn

    def record_link_status(
        self, portal: str, antara_id: int, status: int, *, url: str | None = None, reason: str | None = None
    ) -> int:
        """Mark the related links pointing at ``(portal, antara_id)`` with ``status``; returns the rows marked."""
        item = LinkStatus(
            url=url or f"https://{portal}.antaranews.com/berita/{antara_id}",
            portal=portal,
            antara_id=antara_id,
            status=status,
            reason=reason or "",
        )
        with self._begin_write() as conn:
            _lock_keys(conn, [(portal, antara_id)])
            return self._write_link_statuses(conn, [item], utc_now())

    def new_batch(self) -> PreparedBatch:
        """An empty batch to :meth:`PreparedBatch.add` items to, then :meth:`write_prepared`."""
        return PreparedBatch(now=utc_now(), store_html=self.store_html)

    def write_batch(self, items: Sequence[Article | LinkStatus]) -> WriteResult:
        """Store a batch in one transaction. Bad items are dropped (counted by reason), never half-written."""
        batch = self.new_batch()
        for item in items:
            batch.add(item)
        return self.write_prepared(batch)

    def write_prepared(self, batch: PreparedBatch) -> WriteResult:
        """Write a prepared batch in one transaction (thread-safe: may run in a writer thread).

        A database error on the batch (a constraint, say) rolls it back and retries item by item, dropping only
        the offending items; a transient error (locked, disk full, connection lost) is raised, nothing written.
        """
        result = WriteResult()
        result.merge(batch.result)
        if not batch.articles and not batch.statuses:
            return result
        try:
            with self._begin_write() as conn:
                _lock_keys(conn, [p.key for p in batch.articles] + [(st.portal, st.antara_id) for st in batch.statuses])
                part = self._write(conn, batch.articles, batch.statuses, batch.now)
        except (DBAPIError, StatementError) as exc:
            if is_transient(exc):
                raise
            logger.warning("batch of %d failed (%s); retrying item by item", len(batch), exc.__class__.__name__)
            part = self._write_one_by_one(batch.articles, batch.statuses, batch.now)
        result.merge(part)
        return result

    def _write_one_by_one(self, prepared: list[_Prepared], statuses: list[LinkStatus], now: str) -> WriteResult:
        result = WriteResult()
        with self._begin_write() as conn:
            _lock_keys(conn, [p.key for p in prepared] + [(st.portal, st.antara_id) for st in statuses])
            for p in prepared:
                try:
                    with conn.begin_nested():
                        result.merge(self._write(conn, [p], [], now))
                except (DBAPIError, StatementError) as exc:
                    if is_transient(exc):
                        raise
                    reason = "integrity_error" if "IntegrityError" in exc.__class__.__name__ else "db_error"
                    logger.warning("dropped %s: %s", p.article.url, exc.orig if hasattr(exc, "orig") else exc)
                    result.drop(reason)
            for st in statuses:
                try:
                    with conn.begin_nested():
                        result.merge(self._write(conn, [], [st], now))
                except (DBAPIError, StatementError) as exc:
                    if is_transient(exc):
                        raise
                    result.drop("bad_link_status")
        return result

    def _write(self, conn: Connection, prepared: list[_Prepared], statuses: list[LinkStatus], now: str) -> WriteResult:
        result = WriteResult()
        # a key seen twice in one batch: the later item is written after the earlier one, in the same transaction
        rounds: list[list[_Prepared]] = [[]]
        seen: list[set[tuple[str, int]]] = [set()]
        for p in prepared:
            i = 0
            while i < len(rounds) and p.key in seen[i]:
                i += 1
            if i == len(rounds):
                rounds.append([])
                seen.append(set())
            rounds[i].append(p)
            seen[i].add(p.key)
        for part in rounds:
            if part:
                self._write_articles(conn, part, now, result)
        if statuses:
            result.link_statuses += self._write_link_statuses(conn, statuses, now)
            result.statuses_recorded += len({(st.portal, st.antara_id) for st in statuses})
        # the id ledger, in the same transaction: every id tried has its outcome, archived ids whatever the source
        outcomes = [(st.portal, st.antara_id, state_for_reason(st.reason or "")) for st in statuses]
        outcomes += [(p.key[0], int(p.key[1]), ARCHIVED) for p in prepared]
        if outcomes:
            result.ledger_ids += ledger.record(conn, ledger.group_outcomes(outcomes), now)
        return result

    def _existing(self, conn: Connection, keys: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, str]]:
        """``{key: (id, content_hash)}`` of the archived keys: ``portal IN (..) AND antara_id IN (..)`` probes the
        unique index once per pair, then the pairs that were not asked for are dropped."""
        a = s.articles
        wanted = set(keys)
        portals = sorted({p for p, _ in wanted})
        out: dict[tuple[str, int], tuple[int, str]] = {}
        for id_chunk in _chunks(sorted({i for _, i in wanted})):
            stmt = select(a.c.portal, a.c.antara_id, a.c.id, a.c.content_hash).where(
                a.c.portal.in_(portals), a.c.antara_id.in_(id_chunk)
            )
            for portal, antara_id, article_id, chash in conn.execute(stmt):
                if (portal, antara_id) in wanted:
                    out[(portal, antara_id)] = (article_id, chash)
        return out

    def _write_articles(self, conn: Connection, part: list[_Prepared], now: str, result: WriteResult) -> None:
        a = s.articles
        existing = self._existing(conn, [p.key for p in part])
        new: list[_Prepared] = []
        changed: list[tuple[int, _Prepared]] = []
        unchanged: list[tuple[int, _Prepared]] = []
        for p in part:
            found = existing.get(p.key)
            if found is None:
                new.append(p)
            elif found[1] == p.row["content_hash"]:
                unchanged.append((found[0], p))
            else:
                changed.append((found[0], p))
        with_children: list[tuple[int, _Prepared]] = []
        if new:
            if self.is_sqlite:
                # the batch holds the write lock since BEGIN IMMEDIATE: ids after the current maximum are ours
                # (plain executemany, cheaper than INSERT .. RETURNING)
                start = int(conn.execute(select(func.coalesce(func.max(a.c.id), 0))).scalar_one()) + 1
                ids = list(range(start, start + len(new)))
                _insert_many(conn, a, [{"id": i, **p.row} for i, p in zip(ids, new, strict=True)])
            else:
                stmt = insert(a).returning(a.c.id, sort_by_parameter_order=True)
                ids = list(conn.execute(stmt, [p.row for p in new]).scalars().all())
            with_children.extend(zip(ids, new, strict=True))
        if unchanged:
            # never moves back (``scrapy reparse`` writes with the stored page's older fetch time)
            crawled = bindparam("b_crawled", type_=a.c.last_crawled_at.type)
            conn.execute(
                update(a)
                .where(a.c.id == bindparam("b_id"))
                .values(last_crawled_at=case((a.c.last_crawled_at < crawled, crawled), else_=a.c.last_crawled_at)),
                [{"b_id": i, "b_crawled": p.row["last_crawled_at"]} for i, p in unchanged],
            )
        if changed:
            self._keep_versions(conn, [i for i, _ in changed], now)
            rows = []
            for i, p in changed:
                row = {k: v for k, v in p.row.items() if k != "first_seen_at"}
                rows.append({"b_id": i, **{f"b_{k}": v for k, v in row.items()}})
            values = {k: bindparam(f"b_{k}") for k in changed[0][1].row if k != "first_seen_at"}
            conn.execute(update(a).where(a.c.id == bindparam("b_id")).values(**values), rows)
            ids = [i for i, _ in changed]
            for chunk in _chunks(ids):
                conn.execute(delete(s.related_links).where(s.related_links.c.article_id.in_(chunk)))
                conn.execute(delete(s.article_tags).where(s.article_tags.c.article_id.in_(chunk)))
            with_children.extend(changed)
        self._insert_children(conn, with_children)
        # stories: match the new and changed bodies, then give every written Article its story_id and story_size
        stories.on_write(conn, with_children[: len(new)], changed, [*with_children, *unchanged])
        pages = [(i, p) for i, p in (*with_children, *unchanged) if p.pages]
        if pages:
            page_ids = [i for i, _ in pages]
            for chunk in _chunks(page_ids):
                conn.execute(delete(s.pages).where(s.pages.c.article_id.in_(chunk)))
            _insert_many(conn, s.pages, [{"article_id": i, **row} for i, p in pages for row in p.pages])
        self._clear_link_statuses(conn, [p.key for p in part])
        result.new += len(new)
        result.updated += len(changed)
        result.unchanged += len(unchanged)
        result.new_articles.extend(p.article for p in new)
        result.updated_articles.extend(p.article for _, p in changed)

    def _insert_children(self, conn: Connection, rows: list[tuple[int, _Prepared]]) -> None:
        links = [{"article_id": i, **link} for i, p in rows for link in p.related]
        _insert_many(conn, s.related_links, links)
        names = {t for _, p in rows for t in p.tags}
        if not names:
            return
        tag_ids = self._tag_ids(conn, names)
        _insert_many(
            conn,
            s.article_tags,
            [{"article_id": i, "tag_id": tag_ids[t], "position": n} for i, p in rows for n, t in enumerate(p.tags)],
        )

    def _tag_ids(self, conn: Connection, names: set[str]) -> dict[str, int]:
        t = s.tags
        ids: dict[str, int] = {}
        for chunk in _chunks(sorted(names)):
            ids.update((name, tid) for tid, name in conn.execute(select(t.c.id, t.c.name).where(t.c.name.in_(chunk))))
        missing = sorted(names - ids.keys())
        if not missing:
            return ids
        if conn.dialect.name == "postgresql":
            # concurrent writers may add the same tag: skip the conflict, then read every id back
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(t).on_conflict_do_nothing(index_elements=["name"]), [{"name": n} for n in missing])
            for chunk in _chunks(missing):
                rows = conn.execute(select(t.c.id, t.c.name).where(t.c.name.in_(chunk)))
                ids.update((name, tid) for tid, name in rows)
        else:  # SQLite: writers are serialized by BEGIN IMMEDIATE
            new_ids = conn.execute(
                insert(t).returning(t.c.id, sort_by_parameter_order=True), [{"name": n} for n in missing]
            ).scalars()
            ids.update(zip(missing, new_ids, strict=True))
        return ids

    def _keep_versions(self, conn: Connection, ids: list[int], now: str) -> None:
        a = s.articles
        for chunk in _chunks(ids):
            rows = conn.execute(select(a).where(a.c.id.in_(chunk))).mappings().all()
            tags = self._tags_of(conn, chunk)
            related = self._related_of(conn, chunk)
            conn.execute(
                insert(s.article_versions),
                [
                    {
                        "article_id": r["id"],
                        "content_hash": r["content_hash"],
                        "title": r["title"],
                        "body": r["body"],
                        "published_at": r["published_at"],
                        "data": _version_data(r, tags.get(r["id"], []), related.get(r["id"], [])),
                        "valid_from": r["last_changed_at"],
                        "superseded_at": now,
                    }
                    for r in rows
                ],
            )

    @staticmethod
    def _tags_of(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
        at, t = s.article_tags, s.tags
        stmt = (
            select(at.c.article_id, t.c.name)
            .join(t, t.c.id == at.c.tag_id)
            .where(at.c.article_id.in_(ids))
            .order_by(at.c.article_id, at.c.position)
        )
        out: dict[int, list[str]] = defaultdict(list)
        for article_id, name in conn.execute(stmt):
            out[article_id].append(name)
        return out

    @staticmethod
    def _related_of(conn: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        r = s.related_links
        stmt = (
            select(r.c.article_id, r.c.kind, r.c.url, r.c.title, r.c.published_at, r.c.published_raw)
            .where(r.c.article_id.in_(ids))
            .order_by(r.c.article_id, r.c.position)
        )
        out: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in conn.execute(stmt).mappings():
            d = dict(row)
            out[d.pop("article_id")].append(d)
        return out

    @staticmethod
    def _clear_link_statuses(conn: Connection, keys: list[tuple[str, int]]) -> None:
        """Articles just written are no dead links: delete their ``link_statuses`` rows and clear
        ``target_status``/``target_checked_at`` on the related links to them (a 503 that answers later).

        Same transaction as the write; one DELETE and one UPDATE per portal and chunk of keys, touching only rows
        that carry a status. A LinkStatus later in the same batch is written after the articles, so it still wins.
        """
        by_portal: dict[str, set[int]] = defaultdict(set)
        for portal, antara_id in keys:
            by_portal[portal].add(int(antara_id))
        for portal, ids in by_portal.items():
            for chunk in _chunks(sorted(ids)):
                params = {"c_portal": portal, "c_ids": chunk}
                conn.execute(_CLEAR_STATUSES, params)
                conn.execute(_CLEAR_TARGETS, params)

    def _write_link_statuses(self, conn: Connection, statuses: list[LinkStatus], now: str) -> int:
        latest = {(st.portal, st.antara_id): st for st in statuses}
        ls, r = s.link_statuses, s.related_links
        keys = list(latest)
        for portal, antara_id in keys:
            conn.execute(delete(ls).where(ls.c.portal == portal, ls.c.antara_id == antara_id))
        conn.execute(
            insert(ls),
            [
                {
                    "portal": st.portal,
                    "antara_id": st.antara_id,
                    "url": st.url,
                    "status": st.status,
                    "reason": st.reason,
                    "checked_at": now,
                }
                for st in latest.values()
            ],
        )
        marked = conn.execute(
            update(r)
            .where(r.c.target_portal == bindparam("b_portal"), r.c.target_antara_id == bindparam("b_id"))
            .values(target_status=bindparam("b_status"), target_checked_at=bindparam("b_now")),
            [
                {"b_portal": st.portal, "b_id": st.antara_id, "b_status": st.status, "b_now": now}
                for st in latest.values()
            ],
        )
        return max(int(marked.rowcount or 0), 0)

    def link_status_of(self, portal: str, antara_id: int) -> dict[str, Any] | None:
        ls = s.link_statuses
        with self.engine.connect() as conn:
            row = conn.execute(select(ls).where(ls.c.portal == portal, ls.c.antara_id == antara_id)).mappings().first()
            return dict(row) if row else None


# The statements of _clear_link_statuses, built once: run for every portal of every batch, building them anew cost
# as much CPU as the batch's inserts (bench/bench_store.py). The chunk of ids is an expanding parameter.
_CLEAR_STATUSES = delete(s.link_statuses).where(
    s.link_statuses.c.portal == bindparam("c_portal"),
    s.link_statuses.c.antara_id.in_(bindparam("c_ids", expanding=True)),
)
_CLEAR_TARGETS = (
    update(s.related_links)
    .where(
        s.related_links.c.target_portal == bindparam("c_portal"),
        s.related_links.c.target_antara_id.in_(bindparam("c_ids", expanding=True)),
        s.related_links.c.target_status.is_not(None) | s.related_links.c.target_checked_at.is_not(None),
    )
    .values(target_status=None, target_checked_at=None)
)

_INSERTS: dict[tuple[str, str, tuple[str, ...]], tuple[str, Callable[[dict[str, Any]], Any] | None]] = {}


def _insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
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


def _lock_keys(conn: Connection, keys: Iterable[tuple[str, int]]) -> None:
    """PostgreSQL: take a transaction-level advisory lock per article key, in sorted order (no deadlock), so that
    concurrent writers of the same article run one after the other between the existence check and the write.
    SQLite needs none: ``BEGIN IMMEDIATE`` already serializes writers."""
    if conn.dialect.name != "postgresql":
        return
    lock_ids = sorted({_lock_id(portal, antara_id) for portal, antara_id in keys})
    if lock_ids:
        conn.execute(
            text(
                "SELECT pg_advisory_xact_lock(k) FROM "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS ordered_keys"
            ),
            {"keys": lock_ids},
        )


def _lock_id(portal: str, antara_id: int) -> int:
    digest = hashlib.blake2b(f"antara/{portal}/{antara_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _chunks(values: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


__all__ = ["Archive", "BadItem", "PreparedBatch", "WriteResult", "content_hash", "to_utc_text"]
