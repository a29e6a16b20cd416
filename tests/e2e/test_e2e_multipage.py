"""End to end: multi-page articles of the offline mirror, crawled by real ``scrapy crawl`` subprocesses.

The mirror (``build_site(multipage=True)``) holds five multi-page articles on babel, shaped like the real pages of
REAL-VARIATION.md §a: one linking ``?page=all``, one with only "Selanjutnya" links (and the byline printed as
``Oleh <name> <date> WIB`` after the last page's body), one whose page 3 answers 503 once, one whose page 2 is gone,
and one whose ``?page=all`` view is page 1 again (so its numbered pages are read).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from antara_crawler.urls import parse_article_url
from tests.helpers import run_scrapy
from tests.site.build import build_site
from tests.site.server import MirrorServer

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("mirror"), articles_per_portal=12, seed=1, multipage=True)


def _faults(site) -> dict:
    """Page 3 of the "flaky" article answers 503 once, then 200 (Scrapy's retry fetches it again)."""
    out = {}
    for spec in site.multipage.values():
        for page in spec["flaky"]:
            out[rf"^/{spec['key'][0]}/berita/{spec['key'][1]}/[^?]*\?page={page}$"] = ("flaky", 1, 503)
    return out


def _by_shape(site) -> dict[str, tuple[str, dict]]:
    return {spec["shape"]: (url, spec) for url, spec in site.multipage.items()}


def _page_requests(server: MirrorServer, antara_id: int) -> list[str]:
    return [p for p in server.requests if re.search(rf"/berita/{antara_id}(?:[/?]|$)", p)]


def _crawl_article(server, tmp_path: Path, urls: list[str], *extra: str, db: Path | None = None, expect: int = 0):
    out = tmp_path / "out.jsonl"
    db = db or tmp_path / "a.db"
    args = ["crawl", "article", "-a", "urls=" + ",".join(urls), "-O", str(out)]
    args += ["-s", f"ANTARA_URL_TEMPLATE={server.url_template}", "-s", f"ANTARA_DB_URL=sqlite:///{db}", *FAST]
    result = run_scrapy(args + list(extra))
    assert result.returncode == expect, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return items, result


def _crawl_antara(server, db: Path, *extra: str, expect: int = 0):
    """``scrapy crawl antara`` of babel; ``expect``: its exit status (3: a run that stores nothing has failed)."""
    args = ["crawl", "antara", "-a", "portals=babel", "-s", f"ANTARA_URL_TEMPLATE={server.url_template}"]
    args += ["-s", f"ANTARA_DB_URL=sqlite:///{db}", *FAST]
    result = run_scrapy(args + list(extra))
    assert result.returncode == expect, result.stderr[-3000:]
    return result


def _stored(db: Path, antara_id: int) -> dict | None:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM articles WHERE portal='babel' AND antara_id=?", (antara_id,)).fetchone()
        if row is None:
            return None
        related = conn.execute(
            "SELECT kind, url FROM related_links WHERE article_id=? ORDER BY position", (row["id"],)
        ).fetchall()
        pages = conn.execute(
            "SELECT position, url FROM pages WHERE article_id=? ORDER BY position", (row["id"],)
        ).fetchall()
    return {**dict(row), "related": [tuple(r) for r in related], "pages": [tuple(p) for p in pages]}


def _assert_whole(record_body: str, spec: dict) -> None:
    assert record_body.split("\n\n") == spec["body"]


# --- scrapy crawl article --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def article_run(site, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("article_run")
    with MirrorServer(site.root, faults=_faults(site)) as server:
        items, result = _crawl_article(server, tmp, list(site.multipage))
        requests = list(server.requests)
    return items, result, requests, tmp / "a.db"


def test_article_spider_stores_whole_bodies(site, article_run):
    items, _result, _requests, db = article_run
    by_url = {item["url"]: item for item in items}
    for shape in ("all", "numbered", "flaky", "all_is_page1"):
        url, spec = _by_shape(site)[shape]
        _assert_whole(by_url[url]["body"], spec)
        _assert_whole(_stored(db, spec["key"][1])["body"], spec)


def test_article_spider_leaves_out_the_article_whose_page_is_gone(site, article_run):
    items, result, _requests, db = article_run
    url, spec = _by_shape(site)["gone"]
    assert url not in {item["url"] for item in items}
    assert _stored(db, spec["key"][1]) is None
    assert "'antara/dropped/incomplete_pages': 1" in result.stderr
    assert result.stderr.count("could not be fetched") == 1  # logged once


def test_each_page_is_fetched_once(site, article_run):
    _items, _result, requests, _db = article_run
    shapes = _by_shape(site)
    all_requests = _page_requests_of(requests, shapes["all"][1]["key"][1])
    # page 1 and the ?page=all view, which is the whole article: pages 2 and 3 are not needed
    assert [r.split("?")[-1] if "?" in r else "1" for r in all_requests] == ["1", "page=all"]
    numbered = _page_requests_of(requests, shapes["numbered"][1]["key"][1])
    assert [r.split("?")[-1] if "?" in r else "1" for r in numbered] == ["1", "page=2", "page=3"]
    flaky = _page_requests_of(requests, shapes["flaky"][1]["key"][1])
    # page 3 answered 503 once: Scrapy's retry fetched it a second time, every other page once
    assert [r.split("?")[-1] if "?" in r else "1" for r in flaky] == ["1", "page=2", "page=3", "page=3"]
    rejected = _page_requests_of(requests, shapes["all_is_page1"][1]["key"][1])
    # the ?page=all view was page 1 again: the numbered pages were read instead
    assert [r.split("?")[-1] if "?" in r else "1" for r in rejected] == ["1", "page=all", "page=2", "page=3"]


def _page_requests_of(requests: list[str], antara_id: int) -> list[str]:
    return [p for p in requests if re.search(rf"/berita/{antara_id}(?:[/?]|$)", p)]


def test_byline_after_the_last_page_is_the_reporter_not_body(site, article_run):
    items, *_ = article_run
    url, spec = _by_shape(site)["numbered"]
    item = next(i for i in items if i["url"] == url)
    assert item["reporter"] == spec["reporter"]
    assert "Oleh " not in item["body"]


def test_feed_and_archive_carry_both_kinds_and_every_pages_baca_juga(site, article_run):
    items, _result, _requests, db = article_run
    for shape in ("all", "numbered", "flaky", "all_is_page1"):
        url, spec = _by_shape(site)[shape]
        item = next(i for i in items if i["url"] == url)
        feed = [(r["kind"], r["url"]) for r in item["related"]]
        expected = [("baca_juga", u) for u in spec["baca_juga"]] + [
            ("berita_terkait", u) for u in spec["berita_terkait"]
        ]
        assert feed == expected
        assert _stored(db, spec["key"][1])["related"] == expected
        both = set(spec["baca_juga"]) & set(spec["berita_terkait"])
        assert both, "the mirror links one story under both kinds"


def test_every_page_is_stored_for_reparse(site, article_run):
    *_, db = article_run
    shapes = _by_shape(site)
    all_pages = _stored(db, shapes["all"][1]["key"][1])["pages"]
    assert [p for p, _ in all_pages] == [1, 2] and all_pages[1][1].endswith("?page=all")
    numbered = _stored(db, shapes["numbered"][1]["key"][1])["pages"]
    assert [u.rsplit("?", 1)[-1] for _, u in numbered][1:] == ["page=2", "page=3"]


def test_reparse_rebuilds_the_same_whole_records(site, article_run, tmp_path):
    *_, db = article_run
    copy = tmp_path / "copy.db"
    copy.write_bytes(db.read_bytes())
    before = {spec["key"][1]: _stored(copy, spec["key"][1]) for spec in site.multipage.values()}
    result = run_scrapy(["reparse", "--db", f"sqlite:///{copy}"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert " 0 failed" in result.stdout
    for antara_id, record in before.items():
        after = _stored(copy, antara_id)
        if record is None:
            assert after is None
            continue
        assert (after["body"], after["reporter"], after["related"]) == (
            record["body"],
            record["reporter"],
            record["related"],
        )
        assert after["content_hash"] == record["content_hash"]


def test_seed_at_page_two_leads_to_the_whole_article(site, tmp_path):
    url, spec = _by_shape(site)["numbered"]
    with MirrorServer(site.root) as server:
        items, _ = _crawl_article(server, tmp_path, [url + "?page=2", url + "?fullsite=false"])
        requests = _page_requests(server, spec["key"][1])
    assert len(items) == 1 and items[0]["url"] == url
    _assert_whole(items[0]["body"], spec)
    assert [r.split("?")[-1] if "?" in r else "1" for r in requests] == ["1", "page=2", "page=3"]


# --- scrapy crawl antara ---------------------------------------------------------------------------------------


def test_antara_spider_stores_whole_bodies_and_a_second_run_fetches_no_stored_page(site, tmp_path):
    db = tmp_path / "a.db"
    shapes = _by_shape(site)
    with MirrorServer(site.root, faults=_faults(site)) as server:
        first = _crawl_antara(server, db)
        mark = len(server.requests)
        second = _crawl_antara(server, db, expect=3)  # it stores nothing: a failed run
        again = server.requests[mark:]
    for shape in ("all", "numbered", "flaky", "all_is_page1"):
        _assert_whole(_stored(db, shapes[shape][1]["key"][1])["body"], shapes[shape][1])
    assert _stored(db, shapes["gone"][1]["key"][1]) is None
    assert "'antara/dropped/incomplete_pages': 1" in first.stderr
    stored_ids = [shapes[s][1]["key"][1] for s in ("all", "numbered", "flaky", "all_is_page1")]
    assert not [r for r in again for i in stored_ids if f"/berita/{i}" in r]
    # the article left out is tried again, and again counted
    assert any(f"/berita/{shapes['gone'][1]['key'][1]}" in r for r in again)
    assert "'antara/dropped/incomplete_pages': 1" in second.stderr


def test_antara_spider_under_jobdir(site, tmp_path):
    db = tmp_path / "a.db"
    shapes = _by_shape(site)
    with MirrorServer(site.root, faults=_faults(site)) as server:
        result = _crawl_antara(server, db, "-s", f"JOBDIR={tmp_path / 'job'}")
        numbered = _page_requests(server, shapes["numbered"][1]["key"][1])
    # the requests, the further pages' with the pages so far in their meta, went through the disk queue
    assert "scheduler/unserializable" not in result.stderr
    assert int(re.search(r"'scheduler/enqueued/disk': (\d+)", result.stderr).group(1)) > 0
    for shape in ("all", "numbered", "flaky", "all_is_page1"):
        _assert_whole(_stored(db, shapes[shape][1]["key"][1])["body"], shapes[shape][1])
    assert len(numbered) == len(set(numbered)) == 3


def test_export_carries_both_kinds(site, article_run, tmp_path):
    *_, db = article_run
    out = tmp_path / "export.jsonl"
    result = run_scrapy(["export", "-o", str(out), "--db", f"sqlite:///{db}", "--portal", "babel"])
    assert result.returncode == 0, result.stderr[-2000:]
    records = {r["url"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    url, spec = _by_shape(site)["all"]
    kinds = {(r["kind"], r["url"]) for r in records[url]["related"]}
    for story in set(spec["baca_juga"]) & set(spec["berita_terkait"]):
        assert {("baca_juga", story), ("berita_terkait", story)} <= kinds
    assert parse_article_url(url).key == tuple(spec["key"])


def test_antara_spider_with_a_shared_redis_queue(site, tmp_path, redis_url):
    """The page requests go through scrapy-redis's queue and duplicate filter (pickled, with the pages so far)."""
    pytest.importorskip("scrapy_redis")
    db = tmp_path / "a.db"
    shapes = _by_shape(site)
    redis = ["-s", 'ADDONS={"antara_crawler.distributed.RedisAddon": 0}', "-s", f"REDIS_URL={redis_url}"]
    redis += ["-s", "ANTARA_RUN_ID=multipage", "-s", "ANTARA_REDIS_WORKERS=1", "-s", "ANTARA_REDIS_POLL=0.2"]
    with MirrorServer(site.root, faults=_faults(site)) as server:
        result = _crawl_antara(server, db, *redis)
        numbered = _page_requests(server, shapes["numbered"][1]["key"][1])
    enqueued = re.search(r"'scheduler/enqueued/redis': (\d+)", result.stderr)
    assert enqueued and int(enqueued.group(1)) > 0, "the requests went through the Redis queue"
    for shape in ("all", "numbered", "flaky", "all_is_page1"):
        _assert_whole(_stored(db, shapes[shape][1]["key"][1])["body"], shapes[shape][1])
    assert _stored(db, shapes["gone"][1]["key"][1]) is None
    assert len(numbered) == len(set(numbered)) == 3


def test_savefixture_saves_every_page(site, tmp_path):
    url, spec = _by_shape(site)["all"]
    with MirrorServer(site.root) as server:
        result = run_scrapy(
            [
                "savefixture",
                url,
                "--dir",
                str(tmp_path / "fx"),
                "--name",
                "multi",
                "-s",
                f"ANTARA_URL_TEMPLATE={server.url_template}",
            ]
        )
    assert result.returncode == 0, result.stderr[-3000:]
    saved = sorted(p.name for p in (tmp_path / "fx").iterdir())
    assert saved == ["multi.html", "multi.json", "multi.page-2.html", "multi.page-3.html", "multi.page-all.html"]
    record = json.loads((tmp_path / "fx" / "multi.json").read_text(encoding="utf-8"))
    assert record["_pages"] == ["multi.page-2.html", "multi.page-3.html", "multi.page-all.html"]
    assert record["body"].split("\n\n") == spec["body"]
    assert "+ 3 further pages" in result.stdout


def test_pages_failing_after_retries(site, tmp_path):
    """A numbered page answering 503 on every retry leaves its article out (counted, not stored); a ``?page=all``
    view answering 503 on every retry is replaced by the numbered pages."""
    shapes = _by_shape(site)
    numbered_url, numbered = shapes["numbered"]
    all_url, whole = shapes["all"]
    faults = {
        rf"/berita/{numbered['key'][1]}/[^?]*\?page=3$": 503,
        rf"/berita/{whole['key'][1]}/[^?]*\?page=all": 503,
    }
    with MirrorServer(site.root, faults=faults) as server:
        items, result = _crawl_article(server, tmp_path, [numbered_url, all_url])
        all_requests = _page_requests(server, whole["key"][1])
    assert [i["url"] for i in items] == [all_url]
    _assert_whole(items[0]["body"], whole)
    assert _stored(tmp_path / "a.db", numbered["key"][1]) is None
    assert "'antara/dropped/incomplete_pages': 1" in result.stderr
    tails = [r.split("?")[-1] if "?" in r else "1" for r in all_requests]
    assert tails == ["1", *["page=all"] * 4, "page=2", "page=3"]  # RETRY_TIMES=3: four tries of the view
