"""The id ledger (``id_ledger``): the outcome of every article id tried, as runs of consecutive ids, and its
per-portal totals (``id_ledger_totals``).

Existing archives get their archived ids as ``archived`` runs (consecutive ids joined: the islands of
``antara_id - row_number()``), so ``scrapy gaps`` and backfills know them from the start.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "id_ledger",
        sa.Column("portal", sa.String(64), primary_key=True),
        sa.Column("first_id", sa.BigInteger, primary_key=True),
        sa.Column("last_id", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("tries", sa.Integer, nullable=False),
        sa.Column("checked_at", sa.String(19), nullable=False),
        sqlite_with_rowid=False,
    )
    op.execute(
        """
        INSERT INTO id_ledger (portal, first_id, last_id, state, tries, checked_at)
        SELECT portal, MIN(antara_id), MAX(antara_id), 'archived', 1, MAX(last_crawled_at)
        FROM (
            SELECT portal, antara_id, last_crawled_at,
                   antara_id - ROW_NUMBER() OVER (PARTITION BY portal ORDER BY antara_id) AS island
            FROM articles
        ) AS numbered
        GROUP BY portal, island
        """
    )
    op.create_table(
        "id_ledger_totals",
        sa.Column("portal", sa.String(64), primary_key=True),
        sa.Column("archived", sa.BigInteger, nullable=False),
        sa.Column("not_found", sa.BigInteger, nullable=False),
        sa.Column("not_article", sa.BigInteger, nullable=False),
        sa.Column("failed", sa.BigInteger, nullable=False),
        sa.Column("low", sa.BigInteger),
        sa.Column("high", sa.BigInteger),
    )
    op.execute(
        """
        INSERT INTO id_ledger_totals (portal, archived, not_found, not_article, failed, low, high)
        SELECT portal,
               SUM(CASE WHEN state = 'archived' THEN last_id - first_id + 1 ELSE 0 END),
               SUM(CASE WHEN state = 'not_found' THEN last_id - first_id + 1 ELSE 0 END),
               SUM(CASE WHEN state = 'not_article' THEN last_id - first_id + 1 ELSE 0 END),
               SUM(CASE WHEN state = 'failed' THEN last_id - first_id + 1 ELSE 0 END),
               MIN(CASE WHEN state = 'archived' THEN first_id END),
               MAX(CASE WHEN state = 'archived' THEN last_id END)
        FROM id_ledger
        GROUP BY portal
        """
    )


def downgrade() -> None:
    op.drop_table("id_ledger_totals")
    op.drop_table("id_ledger")
