"""Pages that are not articles give ``NotArticle(reason)`` and nothing else ever escapes ``parse_article``.

Covers non-article URLs, empty, truncated, binary and wrongly-declared pages, a soft 404, a home page, pages without
a title or a body, and a fuzz run of 1,200 mutated copies of the fixtures (plus Hypothesis over arbitrary input).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antara_crawler.extract import NotArticle, parse_article
from antara_crawler.extract import article as article_module
from antara_crawler.items import Article
from tests.helpers import FIXTURES, SAMPLES, load_json
from tests.helpers.hostile_pages import REASONS

BABEL = SAMPLES / "regional_current_babel_article.html"
BABEL_URL = load_json(SAMPLES / "regional_current_babel_article.json")["url"]
WWW = SAMPLES / "www_current_article.html"
WWW_URL = load_json(SAMPLES / "www_current_article.json")["url"]
PAGES = FIXTURES / "pages"


def reason_of(html: str | bytes, url: str = BABEL_URL) -> str:
    with pytest.raises(NotArticle) as info:
        parse_article(html, url)
    return info.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "https://babel.antaranews.com/foto/366104/bpjs",
        "https://babel.antaranews.com/video/366104/bpjs",
        "https://babel.antaranews.com/tag/bpjs-ketenagakerjaan",
        "https://babel.antaranews.com/",
        "https://babel.antaranews.com/terkini/2",
        "https://www.antaranews.com",
        "https://img.antaranews.com/berita/366104/x",
        "https://example.com/berita/366104/x",
        "not a url",
        "",
    ],
)
def test_not_article_url(url: str) -> None:
    assert reason_of(BABEL.read_bytes(), url) == "not_article_url"


@pytest.mark.parametrize("html", [b"", "", "   \n\t ", b"\n\n", b"<!-- nothing -->"])
def test_empty(html: str | bytes) -> None:
    assert reason_of(html) in {"empty", "not_found_page"}


def test_empty_bytes_reason() -> None:
    assert reason_of(b"") == "empty"


def test_binary_garbage() -> None:
    rng = random.Random(7)
    assert reason_of(bytes(rng.randrange(256) for _ in range(20_000))) == "binary"


def test_binary_png_header() -> None:
    assert reason_of(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40) == "binary"


def test_wrong_charset_latin1_declared_utf8() -> None:
    """Latin-1 bytes behind ``<meta charset="utf-8">``: read as cp1252, not as U+FFFD garbage."""
    html = BABEL.read_text(encoding="utf-8").replace("Dimas Aryaguna", "Dimas Aryagúna").replace("©", "©")
    article = parse_article(html.encode("latin-1", "replace"), BABEL_URL)
    assert "Dimas Aryagúna" in article.body
    assert "\ufffd" not in article.body


def test_wrong_charset_hint_is_overridden_by_valid_utf8() -> None:
    article = parse_article(BABEL.read_bytes(), BABEL_URL, encoding="ascii")
    assert article.editor == "Sri Hartati Wulan"


def test_declared_charset_is_used() -> None:
    html = BABEL.read_text(encoding="utf-8").replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    html = html.replace("Dimas Aryaguna", "Dimas “Aryaguna”")
    article = parse_article(html.encode("cp1252"), BABEL_URL)
    assert "Dimas “Aryaguna”" in article.body


def test_str_and_bytes_give_the_same_article() -> None:
    a = parse_article(BABEL.read_bytes(), BABEL_URL, fetched_at="2026-01-01T00:00:00Z")
    b = parse_article(BABEL.read_text(encoding="utf-8"), BABEL_URL, fetched_at="2026-01-01T00:00:00Z")
    assert a == b


@pytest.mark.parametrize("fixture", ["soft_404_page", "home_page"])
def test_not_article_pages(fixture: str) -> None:
    truth = load_json(PAGES / f"{fixture}.json")
    assert reason_of((PAGES / f"{fixture}.html").read_bytes(), truth["_fetch_url"]) == truth["_not_article"]


LISTING = SAMPLES / "regional_terkini_listing_page2.html"


def test_listing_page_served_at_an_article_url_is_not_an_article() -> None:
    """A /terkini page (teaser items, pagination, an h1 "Terkini") at an article URL is not archived as "Terkini"."""
    html = LISTING.read_bytes()
    assert reason_of(html, "https://babel.antaranews.com/berita/556001/listing-served-as-article") == "listing_page"
    assert reason_of(html.decode("utf-8"), BABEL_URL) == "listing_page"


def test_an_article_with_teaser_items_is_still_an_article() -> None:
    """Teaser cards in an article page (www "Berita Terkait" cards, sidebars) do not make it a listing."""
    listing_items = LISTING.read_text(encoding="utf-8")
    start = listing_items.index('<article class="simple-post simple-big')
    end = listing_items.rindex("</article>") + len("</article>")
    for path, url in ((BABEL, BABEL_URL), (WWW, WWW_URL)):
        html = path.read_text(encoding="utf-8")
        html = html.replace("</body>", listing_items[start:end] + "</body>")
        assert parse_article(html, url).title == parse_article(path.read_bytes(), url).title


def test_few_teaser_items_without_article_markup_do_not_make_a_listing() -> None:
    """Below LISTING_MIN_ITEMS teaser items the generic layer decides, as before."""
    html = LISTING.read_text(encoding="utf-8")
    first = html.index('<article class="simple-post simple-big')
    second = html.index('<article class="simple-post simple-big', first + 1)
    last_end = html.rindex("</article>") + len("</article>")
    # keep one teaser item only
    html = html[:second] + html[last_end:]
    try:
        parse_article(html, BABEL_URL)
    except NotArticle as exc:
        assert exc.reason != "listing_page"


def test_missing_title() -> None:
    html = BABEL.read_text(encoding="utf-8")
    for old in (
        '<h1 class="post-title">BPJS Ketenagakerjaan Babel perluas perlindungan pekerja rentan sektor informal</h1>',
    ):
        html = html.replace(old, "")
    for tag in ("<title>", 'property="og:title"', 'name="twitter:title"', '"headline"'):
        html = html.replace(tag, tag.replace("title", "x").replace("headline", "x"))
    assert reason_of(html) == "missing_title"


def test_missing_body() -> None:
    html = (
        '<html><head><meta charset="utf-8"></head><body><article class="post-wrapper"><header class="post-header">'
        '<h1 class="post-title">Judul tanpa isi</h1><p class="simple-share"><a href="/x">X</a> / '
        '<span>Jumat, 1 September 2023 10:15 WIB</span></p></header><div class="post-content clearfix"> '
        "<br><br></div></article></body></html>"
    )
    assert reason_of(html) == "missing_body"


def test_unexpected_errors_become_parse_error(monkeypatch) -> None:
    def boom(page):
        raise RuntimeError("layer bug")

    monkeypatch.setattr(article_module, "_TEMPLATES", (boom,))
    assert reason_of(BABEL.read_bytes()) == "parse_error"


def test_not_article_has_reason_and_message() -> None:
    exc = NotArticle("binary", "detail")
    assert exc.reason == "binary" and "binary" in str(exc)


@pytest.mark.parametrize("cut", [0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.99])
@pytest.mark.parametrize("path", [BABEL, WWW], ids=["babel", "www"])
def test_truncated_page(path, cut: float) -> None:
    data = path.read_bytes()
    url = BABEL_URL if path == BABEL else WWW_URL
    try:
        article = parse_article(data[: int(len(data) * cut)], url)
    except NotArticle as exc:
        assert exc.reason in REASONS
    else:
        assert article.title and article.body


def test_truncated_after_the_body_still_parses() -> None:
    data = BABEL.read_text(encoding="utf-8")
    article = parse_article(data[: data.index('<footer class="post-meta">')], BABEL_URL)
    assert len(article.body.split("\n\n")) == 7
    assert (article.reporter, article.editor) == ("Rendra Kusuma", None)  # the footer is gone: JSON-LD author
    assert article.field_sources["reporter"] == "jsonld"


# --- fuzz ---------------------------------------------------------------------------------------------------------

_JUNK = [b"<", b">", b"</div>", b"<div>", b"<br>", b"&", b"&#", b"\x00", b"\xff\xfe", b"<script>", b"]]>", b"<!--"]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 6)):
        i, j = sorted(rng.randrange(len(data) + 1) for _ in range(2))
        op = rng.randrange(6)
        if op == 0:
            data = data[:i] + data[j:]  # delete a slice
        elif op == 1:
            data = data[:i] + data[i:j] * 2 + data[j:]  # duplicate a slice
        elif op == 2:
            data = data[:i] + rng.choice(_JUNK) + data[i:]  # insert markup junk
        elif op == 3:
            data = data[:i]  # truncate
        elif op == 4:
            data = data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))) + data[i:]
        else:
            data = data[:i] + data[i:j].upper() + data[j:]
        if not data:
            break
    return data


def test_fuzz_mutated_pages_never_raise_anything_but_not_article() -> None:
    seeds = [
        (BABEL.read_bytes(), BABEL_URL),
        (WWW.read_bytes(), WWW_URL),
        *[
            ((PAGES / f"{name}.html").read_bytes(), load_json(PAGES / f"{name}.json").get("_fetch_url"))
            for name in ("amp_babel_repeated_body", "metadata_only_jsonld_og", "classic_related_utm_amp_decoy_dates")
        ],
    ]
    seeds = [(data, url or BABEL_URL) for data, url in seeds]
    rng = random.Random(20260221)
    outcomes: dict[str, int] = {}
    for n in range(1200):
        data, url = seeds[n % len(seeds)]
        mutated = _mutate(data, rng)
        try:
            result = parse_article(mutated, url, fetched_at="2026-02-21T00:00:00Z")
        except NotArticle as exc:
            assert exc.reason in REASONS, exc.reason
            outcomes[exc.reason] = outcomes.get(exc.reason, 0) + 1
        else:
            assert isinstance(result, Article) and result.title and result.body
            outcomes["article"] = outcomes.get("article", 0) + 1
    assert outcomes.get("parse_error", 0) == 0, outcomes
    assert outcomes["article"] > 400, outcomes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=4000), st.text(max_size=4000)))
def test_arbitrary_input_never_raises_anything_but_not_article(data: bytes | str) -> None:
    try:
        parse_article(data, BABEL_URL)
    except NotArticle as exc:
        assert exc.reason in REASONS - {"parse_error"}, exc.reason


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' &;#abcdhpr1\n")) | st.characters(), max_size=3000))
def test_tag_soup_never_raises_anything_but_not_article(soup: str) -> None:
    try:
        parse_article("<html><body><h1>T</h1>" + soup, BABEL_URL)
    except NotArticle as exc:
        assert exc.reason in REASONS - {"parse_error"}, exc.reason


@pytest.mark.parametrize(
    "heading", ["Halaman rumah warga tidak ada yang rusak", "Berita hoaks soal 404 warga tidak benar", "Not founders"]
)
def test_headlines_that_mention_not_found_words_are_articles(heading: str) -> None:
    html = BABEL.read_text(encoding="utf-8").replace(
        "BPJS Ketenagakerjaan Babel perluas perlindungan pekerja rentan sektor informal</h1>", heading + "</h1>"
    )
    assert parse_article(html, BABEL_URL).title == heading


@pytest.mark.parametrize(
    "heading", ["Halaman tidak ditemukan", "404 Not Found", "Maaf, halaman yang Anda cari tidak tersedia"]
)
def test_not_found_headings_in_the_article_template(heading: str) -> None:
    html = BABEL.read_text(encoding="utf-8").replace(
        "BPJS Ketenagakerjaan Babel perluas perlindungan pekerja rentan sektor informal</h1>", heading + "</h1>"
    )
    assert reason_of(html) == "not_found_page"
