"""Stories: ``articles.story_id``, the LSH band index ``story_bands``, and the view ``stories``.

Existing articles get a story of their own (``story_id = id``); run ``scrapy stories --rebuild`` once after the
upgrade to group the copies already archived. From then on each write assigns stories incrementally
(:mod:`antara_crawler.store.stories`).

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: the portals of a story as one comma-separated text, in name order
_PORTAL_LIST = {
    "sqlite": "(SELECT group_concat(portal, ',') FROM (SELECT DISTINCT p.portal FROM articles p "
    "WHERE p.story_id = a.story_id ORDER BY p.portal))",
    "postgresql": "string_agg(DISTINCT a.portal, ',' ORDER BY a.portal)",
}

#: one row per story: its size, how many portals ran it (and which), its first publication and the earliest record
#: (the likely original: first published, then first archived)
STORIES_VIEW = """
    SELECT a.story_id AS story_id, COUNT(*) AS size, COUNT(DISTINCT a.portal) AS portals,
           {portal_list} AS portal_list,
           MIN(a.published_at) AS first_published_at,
           (SELECT e.id FROM articles e WHERE e.story_id = a.story_id
            ORDER BY CASE WHEN e.published_at IS NULL THEN 1 ELSE 0 END, e.published_at, e.id LIMIT 1) AS earliest_id
    FROM articles a
    WHERE a.story_id IS NOT NULL
    GROUP BY a.story_id
"""


def upgrade() -> None:
    # plain ALTER TABLE (no batch copy of the table: that would drop the FTS5 triggers of revision 0001)
    op.add_column("articles", sa.Column("story_id", sa.Integer(), nullable=True))
    op.create_index("ix_articles_story", "articles", ["story_id"])
    op.execute("UPDATE articles SET story_id = id")
    op.create_table(
        "story_bands",
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "band"),
        sqlite_with_rowid=False,  # the primary key is the table: no rowid b-tree and separate PK index
    )
    op.create_index("ix_story_bands_key", "story_bands", ["key"])
    dialect = op.get_bind().dialect.name
    portal_list = _PORTAL_LIST.get(dialect, "MIN(a.portal)")
    op.execute(f"CREATE VIEW stories AS {STORIES_VIEW.format(portal_list=portal_list).strip()}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS stories")
    op.drop_index("ix_story_bands_key", table_name="story_bands")
    op.drop_table("story_bands")
    op.drop_index("ix_articles_story", table_name="articles")
    op.drop_column("articles", "story_id")  # SQLite >= 3.35: ALTER TABLE DROP COLUMN
