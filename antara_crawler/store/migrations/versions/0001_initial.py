"""Initial schema: articles, related links, tags, versions, pages, crawl runs; FTS5 over title and body (SQLite).

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

FTS_SQLITE = [
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "title, body, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, body ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("portal", sa.String(64), nullable=False),
        sa.Column("antara_id", sa.BigInteger, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("body", sa.Text),
        sa.Column("dateline", sa.Text),
        sa.Column("published_at", sa.String(19)),
        sa.Column("published_at_local", sa.String(40)),
        sa.Column("published_raw", sa.Text),
        sa.Column("reporter", sa.Text),
        sa.Column("editor", sa.Text),
        sa.Column("category", sa.Text),
        sa.Column("image_url", sa.Text),
        sa.Column("image_caption", sa.Text),
        sa.Column("template", sa.String(32)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen_at", sa.String(19), nullable=False),
        sa.Column("last_crawled_at", sa.String(19), nullable=False),
        sa.Column("last_changed_at", sa.String(19), nullable=False),
        sa.UniqueConstraint("portal", "antara_id", name="uq_articles_key"),
        sa.UniqueConstraint("url", name="uq_articles_url"),
    )
    op.create_index("ix_articles_published", "articles", ["published_at"])
    op.create_table(
        "related_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("published_at", sa.String(19)),
        sa.Column("published_raw", sa.Text),
        sa.Column("target_portal", sa.String(64)),
        sa.Column("target_antara_id", sa.BigInteger),
        sa.UniqueConstraint("article_id", "kind", "url", name="uq_related_links_article_kind_url"),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.UniqueConstraint("name", name="uq_tags_name"),
    )
    op.create_table(
        "article_tags",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag_id", sa.Integer, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_article_tags_tag", "article_tags", ["tag_id"])
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("body", sa.Text),
        sa.Column("published_at", sa.String(19)),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("valid_from", sa.String(19), nullable=False),
        sa.Column("superseded_at", sa.String(19), nullable=False),
    )
    op.create_index("ix_article_versions_article", "article_versions", ["article_id"])
    op.create_table(
        "pages",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.String(19), nullable=False),
        sa.Column("compression", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("html", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("spider", sa.String(64), nullable=False),
        sa.Column("arguments", sa.Text, nullable=False),
        sa.Column("started_at", sa.String(19), nullable=False),
        sa.Column("finished_at", sa.String(19)),
        sa.Column("new", sa.Integer),
        sa.Column("updated", sa.Integer),
        sa.Column("unchanged", sa.Integer),
        sa.Column("dropped", sa.Integer),
        sa.Column("counts", sa.Text),
        sa.Column("finish_reason", sa.String(64)),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    for table in ("crawl_runs", "pages", "article_versions", "article_tags", "tags", "related_links", "articles"):
        op.drop_table(table)
