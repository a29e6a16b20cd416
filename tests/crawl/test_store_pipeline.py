"""StorePipeline with a real crawler; real crawls in subprocesses: SIGKILL mid-batch then re-run, and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scrapy import Spider
from sqlalchemy import event

from antara_crawler.items import LinkStatus
from antara_crawler.pipelines.store import StorePipeline
from antara_crawler.signals import articles_stored
from antara_crawler.store import get_archive
from tests.helpers import ROOT, spider_with_crawler
from tests.helpers.articles import make_article
from tests.helpers.feed_articles import keys


class StoreTestSpider(Spider):
    name = "storetest"


def make_pipeline(db: Path, batch_size: int = 10, **settings: object) -> StorePipeline:
    settings = {"ANTARA_DB_URL": f"sqlite:///{db}", "ANTARA_BATCH_SIZE": batch_size, **settings}
    spider = spider_with_crawler(StoreTestSpider, settings, run_arguments={"portals": "babel"})
    pipeline = StorePipeline.from_crawler(spider.crawler)
    pipeline.open_spider()
    return pipeline


def close(pipeline: StorePipeline, reason: str = "finished") -> None:
    """What the engine does at the end: close the pipelines, then send spider_closed (here: to the pipeline)."""
    pipeline.close_spider()
    assert pipeline.crawler.spider is not None
    pipeline.spider_closed(pipeline.crawler.spider, reason)


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_pipeline_batches_stats_and_run(tmp_path: Path) -> None:
    db = tmp_path / "data" / "a.db"
    pipeline = make_pipeline(db, batch_size=10)
    assert not pipeline.background  # the default: inline writes
    assert pipeline.archive is get_archive(pipeline.crawler)  # the spider finds the same archive
    results = []

    def on_stored(new: list, updated: list) -> None:
        results.append((new, updated))

    pipeline.crawler.signals.connect(on_stored, signal=articles_stored)
    items = [make_article(i) for i in range(1, 26)]
    for item in items:
        assert pipeline.process_item(item) is item
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(20,)]  # two batches committed, 5 buffered
    assert len(pipeline.buffer) == 5
    assert pipeline.crawler.stats.get_value("antara/store/batches") == 2
    pipeline.process_item(make_article(3, title="Berubah"))
    pipeline.process_item(make_article(4))
    pipeline.process_item(make_article(99, portal=""))
    pipeline.process_item({"plain": "dict"})  # not ours: passed on, not stored
    close(pipeline, "finished")
    stats = pipeline.crawler.stats.get_stats()
    assert stats["antara/store/new"] == 25
    assert stats["antara/store/updated"] == 1
    assert stats["antara/store/unchanged"] == 1
    assert stats["antara/store/dropped/missing_portal"] == 1
    assert stats["antara/store/batches"] == 3
    assert sum(len(new) for new, _ in results) == 25
    assert [a.antara_id for _, updated in results for a in updated] == [3]
    run = rows(db, "SELECT spider, arguments, new, updated, unchanged, dropped, finish_reason, counts FROM crawl_runs")
    assert run[0][:7] == ("storetest", '{"portals": "babel"}', 25, 1, 1, 1, "finished")
    assert json.loads(run[0][7])["batches"] == 3
    assert pipeline.archive is not None and pipeline.archive.closed
    assert getattr(pipeline.crawler, "antara_archive", None) is None


def test_pipeline_background_writer(tmp_path: Path) -> None:
    """ANTARA_STORE_BACKGROUND: a writer thread commits while the crawl goes on; results are counted on the crawl's
    thread."""
    import threading

    db = tmp_path / "a.db"
    pipeline = make_pipeline(db, batch_size=10, ANTARA_STORE_BACKGROUND=True)
    assert pipeline.background
    threads: set[str] = set()

    def on_stored(new: list, updated: list) -> None:
        threads.add(threading.current_thread().name)

    pipeline.crawler.signals.connect(on_stored, signal=articles_stored)
    for i in range(1, 96):
        pipeline.process_item(make_article(i))
    pipeline.process_item(make_article(7, body="baru"))
    close(pipeline)
    assert threads == {threading.current_thread().name}
    stats = pipeline.crawler.stats.get_stats()
    assert (stats["antara/store/new"], stats["antara/store/updated"], stats["antara/store/batches"]) == (95, 1, 10)
    assert rows(db, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(95, 95)]
    assert rows(db, "SELECT new, updated, finish_reason FROM crawl_runs") == [(95, 1, "finished")]
    assert not any(t.name.startswith("antara-store") for t in threading.enumerate())


def test_pipeline_idempotent_double_run(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    tables = ("articles", "related_links", "tags", "article_tags", "article_versions", "pages")
    snapshots = []
    for _ in range(2):
        pipeline = make_pipeline(db, batch_size=7)
        for i in range(1, 31):
            pipeline.process_item(make_article(i, portal="jatim"))
        close(pipeline)
        snapshots.append([rows(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables])
    assert snapshots[0] == snapshots[1] == [30, 60, 2, 60, 0, 30]
    assert rows(db, "SELECT new, unchanged FROM crawl_runs ORDER BY id") == [(30, 0), (0, 30)]


def test_pipeline_link_status_and_no_html(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    pipeline = make_pipeline(db, batch_size=100, ANTARA_STORE_HTML=False)
    pipeline.process_item(make_article(1))
    status = LinkStatus(
        url="https://babel.antaranews.com/berita/1001/x", portal="babel", antara_id=1001, status=404, reason="http_404"
    )
    assert pipeline.process_item(status) is status
    close(pipeline)
    assert rows(db, "SELECT COUNT(*) FROM pages") == [(0,)]
    assert rows(db, "SELECT target_status FROM related_links WHERE target_antara_id = 1001") == [(404,)]
    assert pipeline.crawler.stats.get_value("antara/store/link_status") == 1


@pytest.mark.parametrize("background", [False, True])
def test_pipeline_keeps_items_when_database_is_locked(tmp_path: Path, background: bool) -> None:
    db = tmp_path / "a.db"
    pipeline = make_pipeline(db, batch_size=5, ANTARA_STORE_BACKGROUND=background)
    assert pipeline.archive is not None
    pipeline.archive.engine.dispose()
    locker = sqlite3.connect(db, timeout=0)
    locker.execute("PRAGMA busy_timeout=0")
    locker.execute("BEGIN EXCLUSIVE")
    # connections wait 30 s for a lock by default; make them give up after 50 ms here
    event.listen(pipeline.archive.engine, "connect", lambda c, r: c.execute("PRAGMA busy_timeout=50"))
    pipeline.archive.engine.dispose()
    for i in range(1, 6):
        pipeline.process_item(make_article(i))
    pipeline._collect(block=True)  # background: wait for the write in flight
    assert len(pipeline.buffer) == 5  # the write failed; nothing lost yet
    assert pipeline.crawler.stats.get_value("antara/store/write_failures") >= 1
    locker.rollback()
    locker.close()
    close(pipeline)
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(5,)]


def _popen(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning"}
    return subprocess.Popen(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.parametrize("background", [False, True], ids=["inline", "background"])
def test_sigkill_mid_batch_then_rerun_has_no_duplicates_and_no_gaps(tmp_path: Path, background: bool) -> None:
    db = tmp_path / "crash.db"
    url = f"sqlite:///{db}"
    total, batch = 600, 50
    committed = 0
    args = [url, str(total), str(batch), "--slow-after", "200", *(["--background"] if background else [])]
    with _popen(["tests.helpers.feed_articles", *args]) as proc:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        for line in proc.stdout:
            if line.startswith("COMMITTED"):
                committed = int(line.split()[1])
            elif line.startswith("FED"):
                buffered = int(line.split("buffered=")[1])
                if committed >= 200 and 0 < buffered < batch - 5:
                    break  # in the middle of a batch
            assert time.monotonic() < deadline, "helper never reached the middle of a batch"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # a valid archive holding exactly the committed batches; the buffered items are lost, nothing half-written
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        assert conn.execute("SELECT COUNT(*) FROM related_links").fetchone()[0] == 2 * stored
        assert conn.execute("SELECT COUNT(*) FROM pages").fetchone()[0] == stored
        assert conn.execute("SELECT finished_at FROM crawl_runs").fetchall() == [(None,)]
    assert stored >= committed and stored % batch == 0 and stored < total

    with _popen(["tests.helpers.feed_articles", url, str(total), str(batch)]) as rerun:
        out, err = rerun.communicate(timeout=120)
    assert f"DONE new={total - stored} skipped={stored}" in out, err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == total
        dupes = conn.execute("SELECT portal, antara_id FROM articles GROUP BY portal, antara_id HAVING COUNT(*) > 1")
        assert dupes.fetchall() == []
        archived = set(conn.execute("SELECT portal, antara_id FROM articles").fetchall())
        assert conn.execute("SELECT COUNT(*) FROM related_links").fetchone()[0] == 2 * total
        assert conn.execute("SELECT new, finish_reason FROM crawl_runs ORDER BY id").fetchall() == [
            (None, None),
            (total - stored, "finished"),
        ]
    assert archived == set(keys(total))


def test_real_crawl_records_run_and_flushes_on_close(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    with _popen(["tests.helpers.crawl_synthetic", f"sqlite:///{db}", "25", "10"]) as proc:
        out, err = proc.communicate(timeout=120)
    assert "YIELDED 25" in out, err
    assert "Traceback" not in err, err
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(25,)]
    assert rows(db, "SELECT spider, arguments, new, finish_reason FROM crawl_runs") == [
        ("synthetic", '{"total": 25, "delay": 0.0}', 25, "finished")
    ]
    assert rows(db, "SELECT target_status FROM related_links WHERE target_antara_id = 1001") == [(404,)]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_flushes_everything(tmp_path: Path) -> None:
    db = tmp_path / "sigint.db"
    with _popen(["tests.helpers.crawl_synthetic", f"sqlite:///{db}", "1000", "10", "--delay", "0.02"]) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("YIELDED") and int(line.split()[1]) >= 25:
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    (stored,) = rows(db, "SELECT COUNT(*) FROM articles")[0]
    (new, reason, counts) = rows(db, "SELECT new, finish_reason, counts FROM crawl_runs")[0]
    assert reason == "shutdown"
    assert 25 <= stored < 1000
    # every item that reached the pipeline is archived, the unfinished last batch included
    assert new == stored == json.loads(counts)["item_scraped_count"]
