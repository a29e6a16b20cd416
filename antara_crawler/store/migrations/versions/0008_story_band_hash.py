"""Story bands of the new shingle hash: every article's ``story_bands`` recomputed from its stored body.

The MinHash of the band keys hashes each shingle with a polynomial hash computed for a whole batch in one numpy pass
(:mod:`antara_crawler.store.shingle_hash`) instead of SHA-1, so the keys stored before this revision would lead new
articles to no candidates. Only the candidate index changes: story ids are left as they are (they were exact
decisions on the shingle sets, which do not change). The bands are rewritten in chunks of ``REBUILD_CHUNK``
articles (:func:`antara_crawler.store.stories.rebuild_bands`). Without the ``analysis`` extra the stale bands are
deleted and one line asks for ``scrapy stories --rebuild``.

Downgrade: the bands are deleted (the code of revision 0007 writes SHA-1 bands again; ``scrapy stories --rebuild``
with it restores the old ones).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

logger = logging.getLogger("antara_crawler.store.migrations")


def upgrade() -> None:
    from antara_crawler.store.extras import MissingExtra
    from antara_crawler.store.stories import rebuild_bands

    conn = op.get_bind()
    try:
        done = rebuild_bands(conn)
    except MissingExtra as exc:
        op.execute("DELETE FROM story_bands")
        logger.warning(
            "story bands of the old shingle hash deleted, none computed (%s): run `scrapy stories --rebuild` once "
            "the extra is installed",
            exc,
        )
        return
    logger.info("story bands recomputed with the new shingle hash for %d articles (story ids unchanged)", done)


def downgrade() -> None:
    op.execute("DELETE FROM story_bands")
    logger.warning("story bands deleted: run `scrapy stories --rebuild` with the code of revision 0007")
