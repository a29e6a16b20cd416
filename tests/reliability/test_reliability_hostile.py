"""Reliability: hostile pages. Truncated, empty, binary, mis-declared, 10 MB, 5,000-deep and 1,000-link pages.

Parsed in process first (fast, exact reasons), then served by the mirror to one real ``scrapy crawl article`` process:
every page ends archived or as a counted reason (``antara/dropped/<reason>``, ``antara/errors/<reason>``) with a
``link_statuses`` row; nothing crashes and the crawl finishes.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from antara_crawler.extract import NotArticle, parse_article
from antara_crawler.pipelines.validate import validation_problem
from tests.helpers import SAMPLES, run_scrapy
from tests.helpers.reliability import archived_keys, article_args, explain, finish_reason, link_statuses, query, stat
from tests.site.server import MirrorServer

BABEL_HTML = (SAMPLES / "regional_current_babel_article.html").read_text(encoding="utf-8")
BABEL_TITLE = "BPJS Ketenagakerjaan Babel perluas perlindungan pekerja rentan sektor informal"
#: reasons the parser may give (tests/extract/test_extract_bad_input.py lists the same)
REASONS = {
    "not_article_url",
    "empty",
    "binary",
    "not_found_page",
    "listing_page",
    "missing_title",
    "missing_body",
    "parse_error",
}
DEPTH = 5000
RELATED = 1000
MAXSIZE = 5 * 1024 * 1024


def url_of(antara_id: int) -> str:
    return f"https://babel.antaranews.com/berita/{antara_id}/judul"


# --- the hostile pages ---------------------------------------------------------------------------------------------


def truncated() -> bytes:
    data = BABEL_HTML.encode("utf-8")
    return data[: data.index(b'<div class="post-content')] if b'<div class="post-content' in data else data[:3000]


def binary() -> bytes:
    rng = random.Random(7)
    return b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(20_000))


def wrong_charset() -> bytes:
    """cp1252 bytes (with non-ASCII text) in a page whose header and <meta> say UTF-8."""
    html = BABEL_HTML.replace(BABEL_TITLE + "</h1>", "Café pekerja rentan — “sektor informal”</h1>")
    return html.encode("cp1252", "replace")


def missing_charset() -> bytes:
    """UTF-8 with non-ASCII text and no charset anywhere (no header parameter, no <meta>)."""
    html = re.sub(r"<meta[^>]*charset[^>]*>", "", BABEL_HTML, flags=re.IGNORECASE)
    return html.replace(BABEL_TITLE + "</h1>", "Nelayan Bangka — “Rp1,5 miliar” untuk koperasi</h1>").encode("utf-8")


def huge() -> bytes:
    return BABEL_HTML.encode("utf-8") + b"<p>" + b"x" * (10 * 1024 * 1024) + b"</p>"


def deeply_nested() -> bytes:
    """The article's content inside 5,000 nested divs (lxml's HTML parser stops at depth 256)."""
    start = BABEL_HTML.index(">", BABEL_HTML.index("<body")) + 1
    end = BABEL_HTML.rindex("</body>")
    return (BABEL_HTML[:start] + "<div>" * DEPTH + BABEL_HTML[start:end] + "</div>" * DEPTH + BABEL_HTML[end:]).encode()


def related_block(antara_id: int) -> str:
    url = f"https://babel.antaranews.com/berita/{antara_id}/berita-terkait-nomor-{antara_id}"
    title = f"Berita terkait nomor {antara_id}"
    return (
        f'<div class="col-md-3 col-sm-6 col-xs-6"><article class="simple-post clearfix"><header>'
        f'<h3><a href="{url}" title="{title}">{title}</a></h3>'
        f'<p class="simple-share"><span><i class="fa fa-clock-o"></i> 16 November 2024 07:29</span></p>'
        f"</header></article></div>"
    )


def thousand_related() -> bytes:
    """The babel article with 1,000 distinct "Berita Terkait" links (plus 10 repeated ones)."""
    ids = [100_000 + i for i in range(RELATED)] + [100_000 + i for i in range(10)]
    blocks = "".join(related_block(i) for i in ids)
    start = BABEL_HTML.index('<div class="row">', BABEL_HTML.index('<div class="related-posts'))
    end = start + len('<div class="row">')
    return (BABEL_HTML[:end] + blocks + BABEL_HTML[end:]).encode("utf-8")


def outcome(data: bytes, antara_id: int = 366104) -> str:
    try:
        article = parse_article(data, url_of(antara_id))
    except NotArticle as exc:
        return exc.reason
    assert validation_problem(article) is None
    return "article"


# --- in process ----------------------------------------------------------------------------------------------------


def test_truncated_page_gives_a_counted_reason():
    assert outcome(truncated()) in REASONS - {"parse_error"}


def test_binary_page_is_binary():
    assert outcome(binary()) == "binary"


def test_wrong_charset_still_reads_the_title():
    assert parse_article(wrong_charset(), url_of(1)).title == "Café pekerja rentan — “sektor informal”"


def test_missing_charset_reads_utf8():
    assert parse_article(missing_charset(), url_of(1)).title == "Nelayan Bangka — “Rp1,5 miliar” untuk koperasi"


def test_deeply_nested_page_is_a_counted_reason_not_a_crash():
    assert outcome(deeply_nested()) in REASONS - {"parse_error"}


def test_thousand_related_links_are_all_extracted_once():
    article = parse_article(thousand_related(), url_of(366104))
    terkait = [r.url for r in article.related if r.kind == "berita_terkait"]
    assert len(terkait) == len(set(terkait)) >= RELATED


# --- through a real crawl ------------------------------------------------------------------------------------------

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


@pytest.mark.e2e
def test_the_crawl_finishes_without_a_traceback(hostile_crawl):
    result = hostile_crawl["result"]
    assert result.returncode == 0, explain(result)
    assert finish_reason(result.stderr) == "finished"
    assert "Traceback" not in result.stderr, explain(result)


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_a_10_mb_page_is_refused_by_size_and_counted(hostile_crawl):
    log = hostile_crawl["result"].stderr
    assert re.search(rf"larger than download max size \({MAXSIZE}\)", log)
    assert stat(log, "downloader/exception_type_count/scrapy.exceptions.DownloadCancelledError") == 1
    assert stat(log, "antara/errors/network") == 1
    assert hostile_crawl["counts"]["huge"] == 1  # not retried


@pytest.mark.e2e
def test_dropped_pages_are_counted_by_reason(hostile_crawl):
    log = hostile_crawl["result"].stderr
    assert stat(log, "antara/dropped/empty") == 1
    assert stat(log, "antara/dropped/binary") == 1
    dropped = sum(int(v) for v in re.findall(r"'antara/dropped/[a-z_]+': (\d+)", log))
    assert dropped == 4  # empty, binary, truncated, deeply nested


@pytest.mark.e2e
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


def test_hostile_page_builders_are_what_they_claim(tmp_path: Path):
    assert len(huge()) > 2 * MAXSIZE
    assert deeply_nested().count(b"<div>") >= DEPTH
    assert thousand_related().count(b"berita-terkait-nomor-") == RELATED + 10
