"""End to end: real ``scrapy crawl antara`` subprocesses against the offline mirror on 127.0.0.1.

Each test builds (or shares) a generated mirror, serves it with ``MirrorServer`` in this process, and reads the
archive the crawl wrote with sqlite3. Politeness is off for speed; every request goes to the mirror
(``ANTARA_URL_TEMPLATE``), never to antaranews.com.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import popen_scrapy, run_scrapy
from tests.site.build import build_site
from tests.site.server import MirrorServer

PORTALS = "babel,makassar,papua,www"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def crawl_args(server: MirrorServer, db: Path, *args: str, portals: str = PORTALS) -> list[str]:
    spider_args = [x for a in args for x in ("-a", a)] if args else []
    return [
        "crawl",
        "antara",
        "-a",
        f"portals={portals}",
        *spider_args,
        "-s",
        f"ANTARA_URL_TEMPLATE={server.url_template}",
        "-s",
        f"ANTARA_DB_URL=sqlite:///{db}",
        *FAST,
    ]


def crawl(server: MirrorServer, db: Path, *args: str, portals: str = PORTALS, extra: tuple[str, ...] = ()):
    result = run_scrapy(crawl_args(server, db, *args, portals=portals) + list(extra))
    return result


def archived(db: Path) -> set[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return {(p, int(i)) for p, i in conn.execute("SELECT portal, antara_id FROM articles")}


def article_requests(server: MirrorServer, since: int = 0) -> list[str]:
    return [p for p in server.requests[since:] if re.search(r"^/[a-z]+/(?:amp/)?berita/", p)]


def explain(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stderr tail ---\n{result.stderr[-4000:]}"


# --- one full crawl, then a second run, shared by several tests ----------------------------------------------------


@pytest.fixture(scope="module")
def full_run(site, tmp_path_factory):
    db = tmp_path_factory.mktemp("full") / "a.db"
    with MirrorServer(site.root) as server:
        first = crawl(server, db)
        first_requests = list(server.requests)
        second = crawl(server, db)
        second_requests = server.requests[len(first_requests) :]
    return {"db": db, "first": first, "second": second, "requests": first_requests, "again": second_requests}


def test_full_crawl_archives_every_reachable_article(site, full_run):
    assert full_run["first"].returncode == 0, explain(full_run["first"])
    assert archived(full_run["db"]) == site.expected_keys()
    assert "Run summary (finished): new=" in full_run["first"].stderr


def test_full_crawl_fetches_each_article_once(full_run):
    fetched = Counter(p for p in full_run["requests"] if "/berita/" in p)
    assert fetched and max(fetched.values()) == 1


def test_foto_items_ignored(site, full_run):
    assert site.foto_urls  # the feeds and babel's first listing page hold one
    assert not [p for p in full_run["requests"] if "/foto/" in p]


def test_robots_disallow_respected(site, full_run):
    (key,) = site.disallowed
    assert not [p for p in full_run["requests"] if f"/berita/{key[1]}" in p]
    assert key not in archived(full_run["db"])
    assert all(f"/{portal}/robots.txt" in full_run["requests"] for portal in site.portals)


def test_second_run_fetches_no_article_page(site, full_run):
    again = full_run["again"]
    assert full_run["second"].returncode == 0, explain(full_run["second"])
    assert [p for p in again if "/berita/" in p] == []
    for portal in site.portals:  # robots.txt, the feed, the first listing page
        assert len([p for p in again if p.startswith(f"/{portal}/")]) <= 3, again
    assert "new=0 " in full_run["second"].stderr


def test_run_recorded_in_crawl_runs(full_run):
    with sqlite3.connect(full_run["db"]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM crawl_runs").fetchone()[0] == 2


# --- date window ---------------------------------------------------------------------------------------------------


def test_since_until_window(site, tmp_path):
    since, until = date(2026, 2, 19), date(2026, 2, 20)
    expected = site.expected_keys(since=since, until=until)
    assert 0 < len(expected) < len(site.expected_keys())
    with MirrorServer(site.root) as server:
        result = crawl(server, tmp_path / "a.db", f"since={since}", f"until={until}")
        fetched = {int(re.search(r"/berita/(\d+)", p).group(1)) for p in article_requests(server)}
    assert result.returncode == 0, explain(result)
    assert archived(tmp_path / "a.db") == expected
    assert fetched == {k[1] for k in expected}  # nothing outside the window was even fetched


def test_since_stops_paging(tmp_path):
    site = build_site(tmp_path / "site", articles_per_portal=40, portals=("babel",))
    with MirrorServer(site.root) as server:
        result = crawl(server, tmp_path / "a.db", "since=2026-02-20", portals="babel")
        pages = [p for p in server.requests if "/terkini" in p]
    assert result.returncode == 0, explain(result)
    assert archived(tmp_path / "a.db") == site.expected_keys(since=date(2026, 2, 20))
    assert len(pages) < site.listing_pages["babel"]
    assert "antara/discovery/stop/older_than_since" in result.stderr


# --- related links -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_related_depth(site, mirror, tmp_path, depth):
    result = crawl(mirror, tmp_path / "a.db", f"related_depth={depth}")
    assert result.returncode == 0, explain(result)
    got = archived(tmp_path / "a.db")
    assert got == site.expected_keys(related_depth=depth)
    hidden = {k for k, a in site.articles.items() if a.hops}
    assert {site.articles[k].hops for k in got & hidden} == set(range(1, depth + 1))


def test_dead_related_target_recorded(site, mirror, tmp_path):
    db = tmp_path / "a.db"
    result = crawl(mirror, db, "related_depth=1")
    assert result.returncode == 0, explain(result)
    dead = site.dead_links_within(1)
    assert dead
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT target_portal, target_antara_id, target_status FROM related_links WHERE target_status IS NOT NULL"
        ).fetchall()
    assert {(p, i) for p, i, _ in rows} == {site.dead_links[u] for u in dead}
    assert {s for _, _, s in rows} == {404}


# --- pagination fallback -------------------------------------------------------------------------------------------


def test_pagination_falls_back_to_query_form(site, tmp_path):
    with MirrorServer(site.root, faults={r"^/babel/terkini/\d+$": 404}) as server:
        result = crawl(server, tmp_path / "a.db", portals="babel")
        assert server.count(r"^/babel/terkini\?page=2$") == 1
    assert result.returncode == 0, explain(result)
    assert archived(tmp_path / "a.db") == site.expected_keys(portals=("babel",))


# --- failure detection ---------------------------------------------------------------------------------------------


def test_run_with_lost_markup_exits_non_zero(tmp_path):
    site = build_site(tmp_path / "site", articles_per_portal=6, portals=("babel", "papua"), broken_markup=True)
    with MirrorServer(site.root) as server:
        result = crawl(server, tmp_path / "a.db", portals="babel,papua")
    assert result.returncode == 3, explain(result)
    assert "Run FAILED" in result.stderr
    assert "scrapy savefixture https://babel.antaranews.com/berita/" in result.stderr


def test_run_with_many_errors_exits_non_zero(site, tmp_path):
    with MirrorServer(site.root, faults={r"^/papua/berita/": 503}) as server:
        result = crawl(server, tmp_path / "a.db", portals="babel,papua", extra=("-s", "RETRY_TIMES=0"))
    assert result.returncode == 3, explain(result)
    assert "error_rate" in result.stderr
    assert ("babel", max(k[1] for k in site.expected_keys(portals=("babel",)))) in archived(tmp_path / "a.db")


def test_refresh_refetches_archived_articles(site, tmp_path):
    db = tmp_path / "a.db"
    with MirrorServer(site.root) as server:
        assert crawl(server, db, portals="papua").returncode == 0
        n = len(server.requests)
        result = crawl(server, db, "refresh=1", portals="papua")
        refetched = article_requests(server, n)
    assert result.returncode == 0, explain(result)
    assert len(refetched) == len(site.expected_keys(portals=("papua",)))
    assert "unchanged=" in result.stderr and "new=0 " in result.stderr


# --- pause and resume ----------------------------------------------------------------------------------------------


def test_jobdir_pause_and_resume(tmp_path):
    site = build_site(tmp_path / "site", articles_per_portal=30, portals=("babel", "makassar"))
    db, jobdir = tmp_path / "a.db", tmp_path / "job"
    expected = site.expected_keys()
    with MirrorServer(site.root, delay=0.05) as server:
        args = crawl_args(server, db, portals="babel,makassar") + [
            "-s",
            f"JOBDIR={jobdir}",
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=2",
        ]
        proc = popen_scrapy(args, stdout=subprocess.PIPE, text=False)
        deadline = time.monotonic() + 60
        while len(article_requests(server)) < 10 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)  # once: a graceful stop that keeps the queue in JOBDIR
        _, err = proc.communicate(timeout=120)
        first = Counter(article_requests(server))
        assert 0 < len(archived(db)) < len(expected), err.decode()[-3000:]

        server.delay = 0
        n = len(server.requests)
        resumed = run_scrapy(args)
        second = Counter(article_requests(server, n))
    assert resumed.returncode == 0, explain(resumed)
    assert archived(db) == expected
    both = first + second
    assert max(both.values()) == 1, [p for p, c in both.items() if c > 1]
    assert sum(both.values()) == len(expected)


def test_site_down_exits_non_zero(site, tmp_path):
    with MirrorServer(site.root, faults={r"^/babel/(?:rss|terkini)": 503}) as server:
        result = crawl(server, tmp_path / "a.db", portals="babel", extra=("-s", "RETRY_TIMES=0"))
    assert result.returncode == 3, explain(result)
    assert "error_rate" in result.stderr and "nothing_stored" not in result.stderr


def test_killed_run_resumes_through_incrementality(tmp_path):
    site = build_site(tmp_path / "site", articles_per_portal=30, portals=("babel", "papua"))
    db = tmp_path / "a.db"
    expected = site.expected_keys()
    with MirrorServer(site.root, delay=0.03) as server:
        args = crawl_args(server, db, portals="babel,papua") + ["-s", "ANTARA_BATCH_SIZE=5"]
        proc = popen_scrapy(args, log_level=None, stderr=subprocess.DEVNULL, text=False)
        deadline = time.monotonic() + 60
        while len(article_requests(server)) < 40 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.kill()  # no goodbye: the buffered batch is lost and the run is never marked finished
        proc.wait(timeout=30)
        before = archived(db)
        assert 0 < len(before) < len(expected)
        server.delay = 0
        n = len(server.requests)
        result = run_scrapy(args)
        again = [int(re.search(r"/berita/(\d+)", p).group(1)) for p in article_requests(server, n)]
    assert result.returncode == 0, explain(result)
    assert archived(db) == expected
    assert len(again) == len(set(again))  # each missing article fetched once
    assert not set(again) & {k[1] for k in before}  # and nothing the archive already held
