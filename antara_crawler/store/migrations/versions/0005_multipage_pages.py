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

_COLUMNS = ("article_id", "url", "fetched_at", "compression", "size", "html")


def _copy(source: str, target: str, *, to_position: bool) -> None:
    """``INSERT INTO target SELECT ... FROM source``, built with Core (no SQL text): position 1 added or kept only."""
    src = sa.table(source, *(sa.column(c) for c in (*_COLUMNS, *(() if to_position else ("position",)))))
    dst = sa.table(target, *(sa.column(c) for c in (*_COLUMNS, *(("position",) if to_position else ()))))
    columns = [src.c[c] for c in _COLUMNS]
    if to_position:
        select = sa.select(*columns, sa.literal(1).label("position"))
        names = [*_COLUMNS, "position"]
    else:
        select = sa.select(*columns).where(src.c.position == 1)
        names = list(_COLUMNS)
    op.execute(sa.insert(dst).from_select(names, select))


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
    _copy("pages", "pages_0005", to_position=True)
    op.drop_table("pages")
    op.rename_table("pages_0005", "pages")


def downgrade() -> None:
    _create("pages_0004", with_position=False)
    _copy("pages", "pages_0004", to_position=False)
    op.drop_table("pages")
    op.rename_table("pages_0004", "pages")
