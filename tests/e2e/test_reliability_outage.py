"""Reliability: the archive goes away in the middle of a ``scrapy crawl antara`` run (issue 13).

Real components only: a PostgreSQL server of the module's own (``restartable_postgres``) stopped with
``pg_ctl stop -m fast`` and started again while a real crawl runs against the offline mirror; a second process
holding the SQLite write lock longer than the busy timeout; a SQLite archive on a small tmpfs that fills up (a real
``SQLITE_FULL``) and is freed. The mirror answers each request after a short delay so the outage lands mid-run.

* outage shorter than ``ANTARA_ARCHIVE_RETRY_SECONDS``: exit 0, no traceback, and the archive equals an
  uninterrupted run's table by table (same articles, same related links, no duplicate);
* longer: exit 4 with the one-line reason, the summary says what was lost, and the next run completes the archive;
* unreachable at start (server down, wrong database, unknown driver, unwritable folder): one line, exit 4, and the
  mirror received no request at all.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import popen_scrapy, run_scrapy
from tests.helpers.reliability import FAST, explain, finish_reason, integrity_problems, stat
from tests.helpers.servers import ControlledPostgres, PostgresServer, free_port
from tests.site.build import SiteManifest, build_site
from tests.site.server import MirrorServer

PORTALS = "babel,papua"
#: the mirror's answer time, and two requests per portal at a time: the crawl lasts several seconds
SLOW = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "ANTARA_BATCH_SIZE=3")
MIRROR_DELAY = 0.12
#: content columns joined to the article key (no ids, no timestamps); standard SQL for SQLite and PostgreSQL
CONTENT = {
    "articles": """SELECT portal, antara_id, url, title, body, dateline, published_at, published_raw, reporter,
        editor, category, image_url, image_caption, template, content_hash FROM articles""",
    "related_links": """SELECT a.portal, a.antara_id, r.position, r.kind, r.url, r.title, r.published_at,
        r.target_portal, r.target_antara_id, r.target_status
        FROM related_links r JOIN articles a ON a.id = r.article_id""",
    "article_tags": """SELECT a.portal, a.antara_id, t.name, at.position
        FROM article_tags at JOIN articles a ON a.id = at.article_id JOIN tags t ON t.id = at.tag_id""",
    "pages": "SELECT a.portal, a.antara_id, p.url, p.size FROM pages p JOIN articles a ON a.id = p.article_id",
    "link_statuses": "SELECT portal, antara_id, url, status, reason FROM link_statuses",
    "article_versions": "SELECT article_id FROM article_versions",
}
FIGURES: list[str] = []


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteManifest:
    return build_site(
        tmp_path_factory.mktemp("outage_site"), articles_per_portal=20, portals=("babel", "papua"), seed=5
    )


def crawl_args(server: MirrorServer, db_url: str, *settings: str) -> list[str]:
    return [
        "crawl", "antara", "-a", f"portals={PORTALS}", "-a", "related_depth=1",
        "-s", f"ANTARA_URL_TEMPLATE={server.url_template}", "-s", f"ANTARA_DB_URL={db_url}",
        *FAST, *SLOW, *settings,
    ]  # fmt: skip


def crawl(site: SiteManifest, db_url: str, *settings: str, delay: float = 0.0) -> subprocess.CompletedProcess:
    with MirrorServer(site.root, delay=delay) as server:
        return run_scrapy(crawl_args(server, db_url, *settings), timeout=240)


@contextlib.contextmanager
def crawl_in_background(site: SiteManifest, db_url: str, *settings: str) -> Iterator[subprocess.Popen]:
    with MirrorServer(site.root, delay=MIRROR_DELAY) as server:
        proc = popen_scrapy(crawl_args(server, db_url, *settings))
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def content(db_url: str) -> dict[str, list[tuple]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                name: sorted((tuple(r) for r in conn.execute(text(sql))), key=repr) for name, sql in CONTENT.items()
            }
    finally:
        engine.dispose()


def count_articles(db_url: str) -> int:
    engine = create_engine(db_url, connect_args={"connect_timeout": 2} if "postgresql" in db_url else {})
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM articles")).scalar_one())
    except Exception:  # not created yet, or the server is down
        return 0
    finally:
        engine.dispose()


def wait_for(predicate: Callable[[], bool], timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def assert_same_archive(got: dict[str, list[tuple]], want: dict[str, list[tuple]]) -> None:
    for table in CONTENT:
        assert got[table] == want[table], (
            f"{table}: {len(got[table])} rows, the uninterrupted run has {len(want[table])}"
        )
    keys = [(p, i) for p, i, *_ in got["articles"]]
    assert len(keys) == len(set(keys)), "an article was archived twice"


def assert_clean_log(log: str) -> None:
    assert "Traceback" not in log
    assert "Spider error processing" not in log


def figures(name: str, log: str) -> None:
    """Print the figures docs/reliability.md reports (run pytest with -s to see them)."""
    wait = re.search(r"'antara/archive/wait_seconds': ([\d.]+)", log)
    line = (
        f"{name}: retries={stat(log, 'antara/archive/retries')} waited={wait.group(1) if wait else 0}s "
        f"write_failures={stat(log, 'antara/store/write_failures')} new={stat(log, 'antara/store/new')} "
        f"not_written={stat(log, 'antara/store/dropped/write_failed')} "
        f"pages_not_followed={stat(log, 'antara/archive/lost/pages')} finish={finish_reason(log)}"
    )
    FIGURES.append(line)
    print(line)


# --- PostgreSQL stopped and started mid-crawl ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_reference(site: SiteManifest, restartable_postgres: ControlledPostgres) -> dict[str, list[tuple]]:
    url = restartable_postgres.url(restartable_postgres.create_database())
    result = crawl(site, url)
    assert result.returncode == 0, explain(result)
    return content(url)


def test_postgres_restart_shorter_than_the_budget_loses_nothing(site, restartable_postgres, pg_reference) -> None:
    url = restartable_postgres.url(restartable_postgres.create_database())
    with crawl_in_background(site, url, "-s", "ANTARA_ARCHIVE_RETRY_SECONDS=60") as proc:
        assert wait_for(lambda: count_articles(url) >= 6 or proc.poll() is not None)
        assert proc.poll() is None, "the crawl ended before the outage"
        restartable_postgres.stop()
        time.sleep(4)
        restartable_postgres.start()
        _, log = proc.communicate(timeout=240)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{log[-4000:]}"
    assert_clean_log(log)
    assert stat(log, "antara/archive/retries") > 0  # the outage was met, and waited out
    assert "result: ok" in log
    assert_same_archive(content(url), pg_reference)
    figures("postgres restart 4 s, budget 60 s", log)


def test_postgres_outage_longer_than_the_budget_exits_4_then_the_next_run_completes(
    site, restartable_postgres, pg_reference
) -> None:
    url = restartable_postgres.url(restartable_postgres.create_database())
    with crawl_in_background(site, url, "-s", "ANTARA_ARCHIVE_RETRY_SECONDS=2") as proc:
        assert wait_for(lambda: count_articles(url) >= 6 or proc.poll() is not None)
        assert proc.poll() is None, "the crawl ended before the outage"
        restartable_postgres.stop()
        try:
            _, log = proc.communicate(timeout=120)  # it must end by itself while the server is down
        finally:
            restartable_postgres.start()
    assert proc.returncode == 4, f"exit {proc.returncode}\n{log[-4000:]}"
    assert_clean_log(log)
    reason = [line for line in log.splitlines() if line.startswith("archive unavailable for 2 s: ")]
    assert len(reason) == 1, log[-3000:]
    assert finish_reason(log) == "archive_unavailable"
    assert "result: FAILED: " in log and "archive_unavailable: archive unavailable for 2 s" in log
    assert re.search(r"archive: retries=\d+ waited=[\d.]+s unavailable=archive unavailable", log)
    figures("postgres down past a 2 s budget", log)
    partial = content(url)
    assert len(partial["articles"]) < len(pg_reference["articles"])

    rerun = crawl(site, url, "-s", "ANTARA_ARCHIVE_RETRY_SECONDS=60")
    assert rerun.returncode == 0, explain(rerun)
    assert "did not finish" in rerun.stderr  # catch-up: the listings are walked again
    assert_same_archive(content(url), pg_reference)


# --- SQLite: a lock held by another process, a full disk ---------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_reference(site: SiteManifest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('outage_ref') / 'ref.db'}"
    result = crawl(site, url)
    assert result.returncode == 0, explain(result)
    return content(url)


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def test_sqlite_lock_held_longer_than_the_busy_timeout_loses_nothing(site, tmp_path, sqlite_reference) -> None:
    db = tmp_path / "a.db"
    url = f"sqlite:///{db}"
    settings = ("-s", "ANTARA_SQLITE_BUSY_SECONDS=0.3", "-s", "ANTARA_ARCHIVE_RETRY_SECONDS=60")
    with crawl_in_background(site, url, *settings) as proc:
        assert wait_for(lambda: count_articles(url) >= 6 or proc.poll() is not None)
        assert proc.poll() is None, "the crawl ended before the lock"
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(db), "4"], stdout=subprocess.PIPE, text=True)
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        assert locker.wait(timeout=30) == 0
        locker.stdout.close()
        _, log = proc.communicate(timeout=240)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{log[-4000:]}"
    assert_clean_log(log)
    assert stat(log, "antara/store/write_failures") >= 1  # "database is locked" after 0.3 s, the batch kept
    assert stat(log, "antara/archive/retries") > 0
    assert_same_archive(content(url), sqlite_reference)
    assert integrity_problems(db) == []
    figures("sqlite exclusive lock 4 s, busy timeout 0.3 s", log)


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 24 MiB tmpfs (root only): a real file system that fills up."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="antara-disk-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def fill(folder: Path) -> Path:
    """Write a file until the file system is full; returns it (delete it to free the disk)."""
    filler = folder / "filler"
    # unbuffered, and the suppress outside the file: closing a buffered file on a full disk raises again
    with contextlib.suppress(OSError), filler.open("wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 65536)
    return filler


def test_sqlite_disk_full_then_freed_keeps_the_batches(site, small_disk, sqlite_reference) -> None:
    db = small_disk / "a.db"
    url = f"sqlite:///{db}"
    with crawl_in_background(site, url, "-s", "ANTARA_ARCHIVE_RETRY_SECONDS=60") as proc:
        assert wait_for(lambda: count_articles(url) >= 6 or proc.poll() is not None)
        assert proc.poll() is None, "the crawl ended before the disk filled"
        filler = fill(small_disk)
        before = count_articles(url)
        assert wait_for(lambda: proc.poll() is not None, timeout=3) is False  # waits for room, does not end
        filler.unlink()
        _, log = proc.communicate(timeout=240)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{log[-4000:]}"
    assert_clean_log(log)
    assert re.search(r"database or disk is full|disk I/O error", log), "the disk never filled"
    assert stat(log, "antara/store/write_failures") >= 1
    assert count_articles(url) > before
    assert integrity_problems(db) == []
    assert_same_archive(content(url), sqlite_reference)
    figures("sqlite disk full 3 s (24 MiB tmpfs)", log)


# --- unreachable at start ----------------------------------------------------------------------------------------------


def _not_a_folder(tmp: Path) -> str:
    (tmp / "a_file").write_text("not a folder")
    return f"sqlite:///{tmp / 'a_file' / 'antara.db'}"


BAD_URLS: dict[str, Callable[[Path, PostgresServer | None], str]] = {
    "postgres_down": lambda tmp, pg: f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/antara",
    "no_such_database": lambda tmp, pg: pg.url("no_such_database") if pg else "",
    "unknown_driver": lambda tmp, pg: "nosuchdb://user@127.0.0.1/antara",
    "sqlite_folder_is_a_file": lambda tmp, pg: _not_a_folder(tmp),
}


@pytest.mark.parametrize("case", list(BAD_URLS))
def test_unreachable_archive_at_start_is_one_line_exit_4_and_no_request(
    case: str, site: SiteManifest, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = request.getfixturevalue("postgres_server") if case == "no_such_database" else None
    url = BAD_URLS[case](tmp_path, pg)
    with MirrorServer(site.root) as server:
        result = run_scrapy(crawl_args(server, url), timeout=120)
        assert server.requests == []  # not even robots.txt
    lines = [line for line in result.stderr.splitlines() if "archive unavailable" in line]
    assert result.returncode == 4, explain(result)
    assert len(lines) == 1 and lines[0].startswith("archive unavailable at start ("), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "Spider opened" not in result.stderr
