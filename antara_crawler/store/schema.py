"""The archive's tables at the head revision, as SQLAlchemy Core metadata.

The migrations (``store/migrations/versions``) are what creates and changes a database; this module mirrors their
result so the archive can build queries, and a test checks the two agree. Times are UTC text
``YYYY-MM-DD HH:MM:SS`` (sortable, read by SQLite's date functions and castable on PostgreSQL).

SQLite-only parts live in the migrations behind a dialect check: the FTS5 table ``articles_fts`` (title, body) kept
in sync by triggers, the covering index of :data:`SQLITE_ONLY_INDEXES` (search, migration 0009), and the connection
PRAGMAs set by :mod:`antara_crawler.store.engine`. PostgreSQL-only: the GIN expression index in
:data:`POSTGRESQL_ONLY_INDEXES` (full-text search, migration 0004), which metadata cannot mirror.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: one row per archived article, keyed by (portal, antara_id)
articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", String(64), nullable=False),
    Column("antara_id", BigInteger, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text),
    Column("body", Text),
    Column("dateline", Text),
    Column("published_at", String(19)),  # UTC, "YYYY-MM-DD HH:MM:SS"
    Column("published_at_local", String(40)),  # ISO 8601 with the portal's offset, as extracted
    Column("published_raw", Text),
    Column("reporter", Text),
    Column("editor", Text),
    Column("category", Text),
    Column("image_url", Text),
    Column("image_caption", Text),
    Column("template", String(32)),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen_at", String(19), nullable=False),
    Column("last_crawled_at", String(19), nullable=False),
    Column("last_changed_at", String(19), nullable=False),
    Column("story_id", Integer),  # revision 0007: the smallest article id of its story (see store/stories.py)
    UniqueConstraint("portal", "antara_id", name="uq_articles_key"),
    UniqueConstraint("url", name="uq_articles_url"),
    Index("ix_articles_portal_published", "portal", "published_at"),
    Index("ix_articles_published", "published_at"),
    Index("ix_articles_story", "story_id"),
)

#: "Berita Terkait" and "Baca juga" links of an article, replaced whenever the article changes
related_links = Table(
    "related_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text),
    Column("published_at", String(19)),  # UTC
    Column("published_raw", Text),
    Column("target_portal", String(64)),
    Column("target_antara_id", BigInteger),
    Column("target_status", Integer),  # revision 0002: HTTP status of the target when it gave no article
    Column("target_checked_at", String(19)),  # revision 0002
    UniqueConstraint("article_id", "kind", "url", name="uq_related_links_article_kind_url"),
    Index("ix_related_links_target", "target_portal", "target_antara_id"),
)

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    UniqueConstraint("name", name="uq_tags_name"),
)

article_tags = Table(
    "article_tags",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_article_tags_tag", "tag_id"),
)

#: the previous content of an article, kept each time a re-crawl changes it
article_versions = Table(
    "article_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("title", Text),
    Column("body", Text),
    Column("published_at", String(19)),
    Column("data", Text, nullable=False),  # JSON: every content field, tags and related links of that version
    Column("valid_from", String(19), nullable=False),  # when this content was first seen
    Column("superseded_at", String(19), nullable=False),
    Index("ix_article_versions_article", "article_id"),
)

#: the last fetched pages of an article, zlib-compressed, for ``scrapy reparse``: position 1 is the article's page;
#: a multi-page article (revision 0005) adds its further pages (``?page=2``..., or the ``?page=all`` view) in order
pages = Table(
    "pages",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),  # revision 0005; 1 = the article's page
    Column("url", Text, nullable=False),
    Column("fetched_at", String(19), nullable=False),
    Column("compression", String(16), nullable=False),
    Column("size", Integer, nullable=False),  # uncompressed bytes
    Column("html", LargeBinary, nullable=False),
)

crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("spider", String(64), nullable=False),
    Column("arguments", Text, nullable=False),  # JSON
    Column("started_at", String(19), nullable=False),
    Column("finished_at", String(19)),
    Column("new", Integer),
    Column("updated", Integer),
    Column("unchanged", Integer),
    Column("dropped", Integer),
    Column("counts", Text),  # JSON: every count the run reported
    Column("finish_reason", String(64)),
)

#: revision 0002: what fetching an article URL gave when it gave no article (a dead related target)
link_statuses = Table(
    "link_statuses",
    metadata,
    Column("portal", String(64), primary_key=True),
    Column("antara_id", BigInteger, primary_key=True),
    Column("url", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("reason", Text),
    Column("checked_at", String(19), nullable=False),
)

#: revision 0006: the id ledger, what trying each article id gave, as runs of consecutive ids with one outcome
#: (see :mod:`antara_crawler.store.ledger`); runs of a portal never overlap, adjacent runs of one kind are merged
id_ledger = Table(
    "id_ledger",
    metadata,
    Column("portal", String(64), primary_key=True),
    Column("first_id", BigInteger, primary_key=True),
    Column("last_id", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),  # archived, not_found, not_article, failed
    Column("tries", Integer, nullable=False),  # times in a row this outcome was seen (404 rechecks)
    Column("checked_at", String(19), nullable=False),  # UTC, the latest check of the run
    sqlite_with_rowid=False,  # the rows are the primary key's b-tree: about half the size on disk
)

#: revision 0006: per portal, the ids of the ledger in each state and the archived bounds, kept in step with
#: ``id_ledger`` in the same transaction, so ``scrapy gaps`` reads one row per portal instead of every run
id_ledger_totals = Table(
    "id_ledger_totals",
    metadata,
    Column("portal", String(64), primary_key=True),
    Column("archived", BigInteger, nullable=False),
    Column("not_found", BigInteger, nullable=False),
    Column("not_article", BigInteger, nullable=False),
    Column("failed", BigInteger, nullable=False),
    Column("low", BigInteger),  # lowest archived id (archived ids stay archived: it only ever goes down)
    Column("high", BigInteger),  # highest archived id (only ever goes up)
)

#: revision 0007: the LSH index of the story grouping, one row per article and MinHash band (store/stories.py); revision
#: 0008 recomputed the keys for the shingle hash of store/shingle_hash.py
story_bands = Table(
    "story_bands",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("band", Integer, primary_key=True),
    Column("key", BigInteger, nullable=False),  # hash of the band's number and its MinHash values
    Index("ix_story_bands_key", "key"),
    sqlite_with_rowid=False,  # SQLite: the primary key is the table (no rowid b-tree and separate PK index)
)

#: views created by revisions 0003 and 0007 (names only; their SQL lives in the migrations)
VIEWS = ("related_graph", "portal_months", "missing_targets", "stories")
#: SQLite-only objects (FTS5 and its shadow tables, triggers) that the metadata does not describe
SQLITE_ONLY_TABLES = ("articles_fts",)
#: PostgreSQL-only indexes over expressions (full-text search, see :mod:`antara_crawler.store.search`) that the
#: metadata does not describe
POSTGRESQL_ONLY_INDEXES = ("ix_articles_tsv",)
#: SQLite's covering index for the ranking step of full-text search (migration 0009; :mod:`antara_crawler.store.search`
#: names it in its SQL): ``articles (id, published_at, portal, published_at_local)``
SEARCH_INDEX = "ix_articles_search"
#: SQLite-only indexes that the metadata does not describe
SQLITE_ONLY_INDEXES = (SEARCH_INDEX,)
