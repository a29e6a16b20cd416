"""PostgreSQL full-text search: a GIN index over the weighted tsvector of title (A) and body (B). SQLite: nothing.

SQLite searches through the FTS5 table ``articles_fts`` (revision 0001). On PostgreSQL, ``store.search`` matches
``<this expression> @@ to_tsquery('simple', ...)``: the query must spell the expression exactly as below for the
planner to use the index. The 'simple' configuration lower-cases and keeps every word: PostgreSQL ships no
Indonesian stemmer or stop-word list, and an English (or any other) one would mangle Indonesian words.

``CREATE INDEX`` (not ``CONCURRENTLY``: migrations run in one transaction) blocks writes to ``articles`` while it
builds; on a large archive run the upgrade when no crawl is writing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEX = "ix_articles_tsv"
#: title (weight A), a spacer, body (weight B). ``||`` numbers the body's words on from the title's last one; the
#: spacer (a lexeme of one space, which no query can produce) keeps a "phrase" from matching the title's last word
#: followed by the body's first. (``\:`` is a colon that op.execute()'s text() does not take for a parameter.)
DOCUMENT = (
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || ''' ''\\:1'::tsvector || "
    "setweight(to_tsvector('simple', coalesce(body, '')), 'B')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {INDEX} ON articles USING GIN (({DOCUMENT}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
