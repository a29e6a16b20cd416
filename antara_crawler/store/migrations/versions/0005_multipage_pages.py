"""Multi-page articles: ``pages`` keeps every page of an article, keyed by ``(article_id, position)``.

Position 1 is the article's own page (every existing row); a multi-page article adds its further pages
(``?page=2``..., or the ``?page=all`` view) at positions 2, 3... so ``scrapy reparse`` rebuilds the whole record.
The table is rebuilt (a new primary key), its rows copied as position 1.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = "article_id, url, fetched_at, compression, size, html"


def _create(name: str, *, with_position: bool) -> None:
    columns = [
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.String(19), nullable=False),
        sa.Column("compression", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("html", sa.LargeBinary, nullable=False),
    ]
    if with_position:
        columns.insert(1, sa.Column("position", sa.Integer, primary_key=True, autoincrement=False))
    op.create_table(name, *columns)


def upgrade() -> None:
    _create("pages_0005", with_position=True)
    op.execute(f"INSERT INTO pages_0005 (position, {_COLUMNS}) SELECT 1, {_COLUMNS} FROM pages")
    op.drop_table("pages")
    op.rename_table("pages_0005", "pages")


def downgrade() -> None:
    _create("pages_0004", with_position=False)
    op.execute(f"INSERT INTO pages_0004 ({_COLUMNS}) SELECT {_COLUMNS} FROM pages WHERE position = 1")
    op.drop_table("pages")
    op.rename_table("pages_0004", "pages")
