"""Reliability: safety in real ``scrapy crawl`` processes against the mirror: no request outside
``*.antaranews.com`` (offsite links, redirects, the download handler's own refusal), robots.txt on every request.
The in-process safety checks are in ``tests/reliability/test_reliability_safety.py``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import run_scrapy
from tests.helpers.reliability import antara_args, archived_keys, article_args, explain, stat
from tests.site.build import build_site
from tests.site.server import MirrorServer

# --- no request leaves *.antaranews.com ----------------------------------------------------------------------------

EVIL = "https://evil.example/berita/1/x"


@pytest.fixture(scope="module")
def offsite_site(tmp_path_factory):
    site = build_site(tmp_path_factory.mktemp("offsite"), articles_per_portal=6, portals=("babel",), seed=3)
    ids = sorted(k[1] for k, a in site.articles.items() if a.hops == 0 and not a.disallowed)
    # one listed article links to foreign hosts in its related block (ids[0]); ids[1] and ids[2] will redirect
    linker = next(i for i in ids if "related-posts" in (site.root / "babel" / "berita" / f"{i}.html").read_text())
    ids = [linker, *[i for i in ids if i != linker]]
    page = site.root / "babel" / "berita" / f"{linker}.html"
    links = "".join(
        f'<article class="simple-post clearfix"><header><h3><a href="{u}" title="t">Tautan luar {n}</a></h3></header>'
        f"</article>"
        for n, u in enumerate([EVIL, "https://example.com/berita/2/y", "http://localhost:1/berita/3/z"])
    )
    html = page.read_text(encoding="utf-8")
    start = html.index('<div class="row">', html.index('<div class="related-posts')) + len('<div class="row">')
    page.write_text(html[:start] + links + html[start:], encoding="utf-8")
    return site, ids


def _crawl_offsite(site, ids, tmp_path: Path, *extra: str):
    db = tmp_path / "a.db"
    server = MirrorServer(site.root)
    # the second redirect points at this very server under another host name: a leak would show in its log
    server.faults = [
        (re.compile(rf"^/babel/berita/{ids[1]}/"), ("redirect", EVIL)),
        (re.compile(rf"^/babel/berita/{ids[2]}/"), ("redirect", f"http://localhost:{server.port}/evil/berita/2/x")),
    ]
    with server:
        result = run_scrapy(antara_args(server, db, "babel", "related_depth=1", extra=extra))
        requests = list(server.requests)
    return result, requests, db


def _assert_nothing_left(result, requests: list[str]) -> None:
    assert not [p for p in requests if "evil" in p or not re.match(r"^/babel/", p)], requests
    assert "evil.example" not in " ".join(re.findall(r"Crawled \(\d+\) <GET ([^>]+)>", result.stderr))


def test_offsite_links_and_redirects_are_never_fetched(offsite_site, tmp_path: Path):
    site, ids = offsite_site
    result, requests, db = _crawl_offsite(site, ids, tmp_path, "-s", "ANTARA_MAX_ERROR_RATE=1")
    assert result.returncode == 0, explain(result)
    _assert_nothing_left(result, requests)
    refused = stat(result.stderr, "offsite/filtered") + stat(result.stderr, "antara/offsite_refused")
    assert refused >= 2, explain(result)  # the two redirects to foreign hosts
    assert ("babel", ids[0]) in archived_keys(db)


def test_the_download_handler_refuses_foreign_hosts_without_the_offsite_middleware(offsite_site, tmp_path: Path):
    site, ids = offsite_site
    no_offsite = '{"scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": null}'
    result, requests, _ = _crawl_offsite(
        site, ids, tmp_path, "-s", f"DOWNLOADER_MIDDLEWARES={no_offsite}", "-s", "ANTARA_MAX_ERROR_RATE=1"
    )
    assert result.returncode == 0, explain(result)
    _assert_nothing_left(result, requests)
    # the two redirected requests, and the robots.txt request Scrapy tries first for each of the two foreign hosts
    assert stat(result.stderr, "antara/offsite_refused") == 4, explain(result)
    assert "Refused a request outside *.antaranews.com" in result.stderr


# --- robots.txt on every request ---------------------------------------------------------------------------------


def _robots_crawl(tmp_path: Path, *extra: str) -> tuple[int, int]:
    """(article pages fetched, article URLs asked) when robots.txt disallows every article page."""
    site = build_site(tmp_path / "site", articles_per_portal=10, portals=("babel",), seed=1)
    (site.root / "babel" / "robots.txt").write_text("User-agent: *\nDisallow: /berita/\n")
    urls = sorted(a.url for a in site.articles.values())
    with MirrorServer(site.root) as server:
        result = run_scrapy(article_args(server, tmp_path / "a.db", urls, *extra))
        fetched = server.count(r"/berita/")
    assert result.returncode == 0, explain(result)
    return fetched, len(urls)


def test_robots_txt_is_applied_to_requests_that_waited_for_it(tmp_path: Path):
    fetched, asked = _robots_crawl(tmp_path)
    assert asked > 10 and fetched == 0
