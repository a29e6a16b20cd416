"""Views for common questions: the related-article graph, articles per portal and month, unarchived targets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Portable SQL (SQLite and PostgreSQL): substr, LEFT JOIN, COUNT.
VIEWS = {
    # every related link with its source article and, when archived, its target article side by side
    "related_graph": """
        SELECT s.id AS source_id, s.portal AS source_portal, s.antara_id AS source_antara_id,
               s.title AS source_title, s.published_at AS source_published_at,
               r.kind AS kind, r.position AS position, r.url AS target_url, r.title AS link_title,
               r.published_at AS link_published_at,
               r.target_portal AS target_portal, r.target_antara_id AS target_antara_id,
               t.id AS target_id, t.title AS target_title, t.published_at AS target_published_at,
               r.target_status AS target_status, r.target_checked_at AS target_checked_at
        FROM related_links r
        JOIN articles s ON s.id = r.article_id
        LEFT JOIN articles t ON t.portal = r.target_portal AND t.antara_id = r.target_antara_id
    """,
    # how many articles each portal published per month (UTC)
    "portal_months": """
        SELECT portal, substr(published_at, 1, 7) AS month, COUNT(*) AS articles
        FROM articles
        WHERE published_at IS NOT NULL
        GROUP BY portal, substr(published_at, 1, 7)
    """,
    # related targets that are neither archived nor known to be dead: what a crawl could fetch next
    "missing_targets": """
        SELECT r.target_portal AS portal, r.target_antara_id AS antara_id, MIN(r.url) AS url,
               COUNT(*) AS linked_from
        FROM related_links r
        LEFT JOIN articles t ON t.portal = r.target_portal AND t.antara_id = r.target_antara_id
        LEFT JOIN link_statuses d ON d.portal = r.target_portal AND d.antara_id = r.target_antara_id
        WHERE r.target_portal IS NOT NULL AND t.id IS NULL AND d.portal IS NULL
        GROUP BY r.target_portal, r.target_antara_id
    """,
}


def upgrade() -> None:
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql.strip()}")


def downgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
