"""Hostile pages for the reliability tests: truncated, empty, binary, mis-declared, 10 MB, 5,000-deep and 1,000-link
variants of the babel sample page. Used in process by ``tests/reliability/test_reliability_hostile.py`` and through a
real crawl by ``tests/e2e/test_reliability_hostile_crawl.py``."""

from __future__ import annotations

import random
import re

from tests.helpers import SAMPLES

BABEL_HTML = (SAMPLES / "regional_current_babel_article.html").read_text(encoding="utf-8")
BABEL_TITLE = "BPJS Ketenagakerjaan Babel perluas perlindungan pekerja rentan sektor informal"
#: every reason parse_article documents; parse_error means an unexpected exception (the tests that feed it bad input)
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
