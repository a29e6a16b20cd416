"""Reliability: hostile pages (``tests/helpers/hostile_pages.py``) served by the mirror to one real
``scrapy crawl article`` process: every page ends archived or as a counted reason (``antara/dropped/<reason>``,
``antara/errors/<reason>``) with a ``link_statuses`` row; nothing crashes and the crawl finishes. The same pages are
parsed in process in ``tests/reliability/test_reliability_hostile.py``.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import run_scrapy
from tests.helpers.hostile_pages import (
    BABEL_HTML,
    MAXSIZE,
    REASONS,
    RELATED,
    binary,
    deeply_nested,
    huge,
    missing_charset,
    thousand_related,
    truncated,
    url_of,
    wrong_charset,
)
from tests.helpers.reliability import archived_keys, article_args, explain, finish_reason, link_statuses, query, stat
from tests.site.server import MirrorServer

#: page -> (antara_id served, expected: "article" or the reason recorded in link_statuses)
PAGES = {
    "truncated": (700001, None),  # a parser reason, checked against REASONS
    "empty": (700002, "empty"),
    "binary": (700003, "binary"),
    "wrong_charset": (700004, "article"),
    "missing_charset": (700005, "article"),
    "huge": (700006, "network"),  # refused by DOWNLOAD_MAXSIZE, not retried
    "deeply_nested": (700007, None),
    "thousand_related": (700008, "article"),
    "control": (700009, "article"),
}


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    root = tmp / "site"
    (root / "babel" / "berita").mkdir(parents=True)
    (root / "babel" / "robots.txt").write_text("User-agent: *\nDisallow: /search\n")
    bodies = {
        "truncated": (truncated(), "text/html; charset=utf-8"),
        "empty": (b"", "text/html; charset=utf-8"),
        "binary": (binary(), "application/octet-stream"),
        "wrong_charset": (wrong_charset(), "text/html; charset=utf-8"),
        "missing_charset": (missing_charset(), "text/html"),
        "huge": (huge(), "text/html; charset=utf-8"),
        "deeply_nested": (deeply_nested(), "text/html; charset=utf-8"),
        "thousand_related": (thousand_related(), "text/html; charset=utf-8"),
    }
    faults = {
        rf"^/babel/berita/{PAGES[name][0]}/": body for name, body in ((n, ("body", *b)) for n, b in bodies.items())
    }
    (root / "babel" / "berita" / f"{PAGES['control'][0]}.html").write_text(BABEL_HTML, encoding="utf-8")
    db = tmp / "a.db"
    with MirrorServer(root, faults=faults) as server:
        result = run_scrapy(article_args(server, db, [url_of(i) for i, _ in PAGES.values()]))
        counts = {name: server.count(rf"^/babel/berita/{i}/") for name, (i, _) in PAGES.items()}
    return {"db": db, "result": result, "counts": counts}


def test_the_crawl_finishes_without_a_traceback(hostile_crawl):
    result = hostile_crawl["result"]
    assert result.returncode == 0, explain(result)
    assert finish_reason(result.stderr) == "finished"
    assert "Traceback" not in result.stderr, explain(result)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_hostile_page_is_archived_or_recorded_with_a_reason(hostile_crawl, name):
    antara_id, expected = PAGES[name]
    archived = {i for _, i in archived_keys(hostile_crawl["db"])}
    statuses = link_statuses(hostile_crawl["db"])
    if expected == "article":
        assert antara_id in archived and antara_id not in statuses
    else:
        assert antara_id not in archived
        reason = statuses[antara_id][1]
        assert reason == expected if expected else reason in REASONS - {"parse_error"}


def test_a_10_mb_page_is_refused_by_size_and_counted(hostile_crawl):
    log = hostile_crawl["result"].stderr
    assert re.search(rf"larger than download max size \({MAXSIZE}\)", log)
    assert stat(log, "downloader/exception_type_count/scrapy.exceptions.DownloadCancelledError") == 1
    assert stat(log, "antara/errors/network") == 1
    assert hostile_crawl["counts"]["huge"] == 1  # not retried


def test_dropped_pages_are_counted_by_reason(hostile_crawl):
    log = hostile_crawl["result"].stderr
    assert stat(log, "antara/dropped/empty") == 1
    assert stat(log, "antara/dropped/binary") == 1
    dropped = sum(int(v) for v in re.findall(r"'antara/dropped/[a-z_]+': (\d+)", log))
    assert dropped == 4  # empty, binary, truncated, deeply nested


def test_thousand_related_links_are_stored_once_each(hostile_crawl):
    rows = query(
        hostile_crawl["db"],
        """SELECT r.position, r.url, r.target_antara_id FROM related_links r JOIN articles a ON a.id = r.article_id
           WHERE a.antara_id = ? AND r.url LIKE '%berita-terkait-nomor-%' ORDER BY r.position""",
        [PAGES["thousand_related"][0]],
    )
    urls = [u for _, u, _ in rows]
    assert len(urls) == len(set(urls)) == RELATED  # the 10 repeated links are not stored twice
    assert {t for _, _, t in rows} == {100_000 + i for i in range(RELATED)}
    positions = [p for p, _, _ in rows]
    assert positions == sorted(set(positions))
