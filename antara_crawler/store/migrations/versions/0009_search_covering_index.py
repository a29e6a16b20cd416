"""SQLite: a covering index for full-text search, ``ix_articles_search (id, published_at, portal, published_at_local)``.

``store.search`` picks the best hits in two steps. It scores every match and keeps the best ``limit``, reading only
the columns this index holds: the tie-break (``published_at``) and the filters (portal, UTC and local dates). Then
it reads the rows and snippets of those hits alone. Without the index, SQLite reads every match's row from the
table, and ``body`` is stored before ``published_at``. A real body is about 3 KB, so each match costs pages of
body that the ranking never reads. On 100,000 articles of ~480 words, the top 20 of a word in 1.5% of them took
34.6 ms before and 11.9 ms with the index, and of a word in 89% of them 335 ms and 231 ms (docs/performance.md,
"Search on real-size bodies"). PostgreSQL ranks through its GIN index (revision 0004) and gets nothing here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: ``store.schema.SEARCH_INDEX`` (``store.search`` names the index in its SQL: ``INDEXED BY``)
INDEX = "ix_articles_search"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON articles (id, published_at, portal, published_at_local)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
