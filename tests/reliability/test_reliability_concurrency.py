"""Reliability: concurrent runs writing one SQLite archive.

Decision: both run. The archive uses WAL, ``busy_timeout`` 30 s, short batch transactions that take the write lock
at once (``BEGIN IMMEDIATE``) and idempotent upserts keyed by ``(portal, antara_id)``; the Alembic upgrade on open
runs under ``BEGIN IMMEDIATE`` too, so processes that open a fresh file at the same moment wait for each other
instead of both creating tables. No run lock is needed, and no run refuses to start.

The two crawls at once (``scrapy crawl`` processes against the mirror) are in
``tests/e2e/test_reliability_concurrency_crawls.py``; here, processes that only open the archive.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from antara_crawler.store.archive import head_revision
from tests.helpers import ROOT
from tests.helpers.reliability import query

_OPEN_AT = """
import sys, time
from antara_crawler.store import Archive
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
archive = Archive.open(sys.argv[1])
archive.start_run("race", {})
archive.close()
"""


def test_processes_opening_a_fresh_archive_at_the_same_instant_migrate_it_once(tmp_path: Path):
    """Four processes open (create and migrate) the same new file at one instant, five times over."""
    for attempt in range(5):
        url = f"sqlite:///{tmp_path}/race{attempt}.db"
        start = time.time() + 1.5  # after every interpreter has imported SQLAlchemy and Alembic
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPEN_AT, url, str(start)], cwd=ROOT, stderr=subprocess.PIPE, text=True
            )
            for _ in range(4)
        ]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, errors
        db = tmp_path / f"race{attempt}.db"
        assert query(db, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
        assert query(db, "SELECT COUNT(*) FROM crawl_runs") == [(4,)]
