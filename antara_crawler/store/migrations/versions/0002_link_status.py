"""Dead related targets (``link_statuses``, ``related_links.target_status``) and the indexes for common queries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("related_links") as batch:
        batch.add_column(sa.Column("target_status", sa.Integer))
        batch.add_column(sa.Column("target_checked_at", sa.String(19)))
    op.create_index("ix_related_links_target", "related_links", ["target_portal", "target_antara_id"])
    op.create_index("ix_articles_portal_published", "articles", ["portal", "published_at"])
    op.create_table(
        "link_statuses",
        sa.Column("portal", sa.String(64), primary_key=True),
        sa.Column("antara_id", sa.BigInteger, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("checked_at", sa.String(19), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("link_statuses")
    op.drop_index("ix_articles_portal_published", table_name="articles")
    op.drop_index("ix_related_links_target", table_name="related_links")
    with op.batch_alter_table("related_links") as batch:
        batch.drop_column("target_checked_at")
        batch.drop_column("target_status")
