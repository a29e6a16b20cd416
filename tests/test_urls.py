from urllib.parse import urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antara_crawler.urls import (
    UrlTemplate,
    absolute_url,
    article_page,
    canonical_url,
    is_article_url,
    page_url,
    parse_article_url,
    portal_of_host,
)

BABEL = "https://babel.antaranews.com/berita/366104/bpjs-ketenagakerjaan-babel"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (BABEL, BABEL),
        ("https://babel.antaranews.com/berita/366104", "https://babel.antaranews.com/berita/366104"),
        ("https://babel.antaranews.com/amp/berita/366104/bpjs-ketenagakerjaan-babel", BABEL),
        ("http://BABEL.antaranews.com/berita/366104/bpjs-ketenagakerjaan-babel/", BABEL),
        (BABEL + "?utm_source=antaranews&utm_medium=desktop&utm_campaign=related_news", BABEL),
        (BABEL + "?fullsite=false#comments", BABEL),
        ("https://m.antaranews.com/amp/berita/5561234/x", "https://www.antaranews.com/berita/5561234/x"),
        ("https://antaranews.com/berita/5561234/x", "https://www.antaranews.com/berita/5561234/x"),
        (
            "https://jatim.antaranews.com/berita/1234567890/long-id",
            "https://jatim.antaranews.com/berita/1234567890/long-id",
        ),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://babel.antaranews.com/foto/556200/festival-perahu-hias",
        "https://babel.antaranews.com/video/556200/x",
        "https://babel.antaranews.com/tag/timah",
        "https://babel.antaranews.com/",
        "https://babel.antaranews.com/terkini/2",
        "https://img.antaranews.com/cache/800x533/2023/09/01/x.jpg",
        "https://example.com/berita/1/x",
        "https://babel.antaranews.com.evil.example/berita/1/x",
        "ftp://babel.antaranews.com/berita/1/x",
        "javascript:alert(1)",
        "",
        None,
        "https://babel.antaranews.com/berita/abc/x",
    ],
)
def test_not_article_urls(url):
    assert not is_article_url(url)


def test_identity_is_portal_and_id_not_slug():
    a = parse_article_url("https://babel.antaranews.com/berita/187290/tentang-kami")
    b = parse_article_url("https://babel.antaranews.com/amp/berita/187290/some-other-slug?utm_source=x")
    c = parse_article_url("https://sumbar.antaranews.com/berita/187290/tentang-kami")
    assert a.key == b.key == ("babel", 187290)
    assert a.key != c.key


def test_portal_of_host():
    assert portal_of_host("babel.antaranews.com") == "babel"
    assert portal_of_host("m.antaranews.com") == "www"
    assert portal_of_host("img.antaranews.com") is None
    assert portal_of_host("example.com") is None


def test_template_maps_real_urls_to_the_mirror_and_back():
    t = UrlTemplate("http://127.0.0.1:8080/{portal}")
    fetched = t.to_fetch(BABEL + "?page=2")
    assert fetched == "http://127.0.0.1:8080/babel/berita/366104/bpjs-ketenagakerjaan-babel?page=2"
    assert t.to_real(fetched) == BABEL + "?page=2"
    assert t.to_real("http://127.0.0.1:8080/babel/robots.txt") == "https://babel.antaranews.com/robots.txt"


def test_template_keeps_the_m_subdomain_when_fetching():
    t = UrlTemplate("http://127.0.0.1:8080/{portal}")
    assert t.to_fetch("https://m.antaranews.com/amp/berita/1/x") == "http://127.0.0.1:8080/m/amp/berita/1/x"


def test_default_template_is_the_identity():
    t = UrlTemplate(None)
    assert t.is_identity
    assert t.to_fetch(BABEL) == BABEL


def test_template_without_portal_placeholder_is_refused():
    with pytest.raises(ValueError, match="portal"):
        UrlTemplate("http://127.0.0.1:8080/")


# --- URL shapes of real pages (REAL-VARIATION.md §h) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        # /nasional/ on a regional host: the www article with that id (kepri-nasional-777626, -960173)
        (
            "https://kepri.antaranews.com/nasional/berita/777626/presiden-sampaikan-selamat-hut-lkbn-antara"
            "?utm_source=antaranews&utm_medium=nasional&utm_campaign=antaranews",
            ("www", 777626),
        ),
        ("https://kepri.antaranews.com/nasional/berita/960173/x", ("www", 960173)),
        # multi-page views are the article (kalsel-405270-page2, jabar-522093-page3, jabar-342173)
        ("https://kalsel.antaranews.com/berita/405270/rayakan-hpn?page=2", ("kalsel", 405270)),
        ("https://jabar.antaranews.com/berita/522093/spektrum?page=3", ("jabar", 522093)),
        ("https://jabar.antaranews.com/berita/342173/presiden?page=all", ("jabar", 342173)),
        # ?fullsite=false after a trailing slash (babel-508333)
        (
            "https://babel.antaranews.com/berita/508333/kota-pangkalpinang-merindukan-adipura/?fullsite=false",
            ("babel", 508333),
        ),
        # AMP with a wrong slug (babel-amp-187290, bali-amp-26954), m.antaranews.com (m-amp-3305843)
        ("https://babel.antaranews.com/amp/berita/187290/tentang-kami", ("babel", 187290)),
        ("https://bali.antaranews.com/amp/berita/26954/@antaranews_bali", ("bali", 26954)),
        ("https://m.antaranews.com/amp/berita/3305843/indocement", ("www", 3305843)),
        # bare antaranews.com (www-3868989), http:// (sumsel-289221), an old .html slug (sumbar-153788)
        ("https://antaranews.com/berita/3868989/haedar-nashir", ("www", 3868989)),
        ("http://sumsel.antaranews.com/berita/289221/kantor-biro-antara", ("sumsel", 289221)),
        (
            "http://sumbar.antaranews.com/berita/153788/pt-wws-petakan-masalah-penurunan-kunjungan.html",
            ("sumbar", 153788),
        ),
    ],
)
def test_real_url_shapes_map_to_portal_and_id(url, key):
    assert parse_article_url(url).key == key


def test_old_html_suffix_is_dropped_from_the_canonical_url():
    url = "http://sumbar.antaranews.com/berita/153788/pt-wws-petakan-masalah-penurunan-kunjungan.html"
    assert (
        canonical_url(url) == "https://sumbar.antaranews.com/berita/153788/pt-wws-petakan-masalah-penurunan-kunjungan"
    )


def test_nasional_canonical_url_is_on_www():
    assert canonical_url("https://kepri.antaranews.com/nasional/berita/777626/x") == (
        "https://www.antaranews.com/berita/777626/x"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://sumbar.antaranews.com/video/3964308/harapan-warga-mentawai-untuk-presiden-terpilih",  # sumbar-video
        "https://babel.antaranews.com/foto/556200/festival-perahu-hias",
        "https://kepri.antaranews.com/nasional/video/777626/x",
    ],
)
def test_video_and_foto_links_are_not_articles(url):
    assert parse_article_url(url) is None


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://kalsel.antaranews.com/berita/405270/x?page=2", 2),
        ("https://jabar.antaranews.com/berita/342173/x?page=all", "all"),
        ("https://jabar.antaranews.com/berita/342173/x?utm_source=a&PAGE=ALL", "all"),
        ("https://kalsel.antaranews.com/berita/405270/x?page=1", None),
        ("https://kalsel.antaranews.com/berita/405270/x?fullsite=false", None),
        ("https://kalsel.antaranews.com/berita/405270/x?page=abc", None),
        ("https://kalsel.antaranews.com/terkini?page=2", None),
    ],
)
def test_article_page(url, page):
    assert article_page(url) == page


def test_page_url_is_canonical():
    assert page_url("https://kalsel.antaranews.com/amp/berita/405270/x?utm_source=y", 3) == (
        "https://kalsel.antaranews.com/berita/405270/x?page=3"
    )
    assert page_url("https://kalsel.antaranews.com/berita/405270/x?page=2", 1) == (
        "https://kalsel.antaranews.com/berita/405270/x"
    )


def _assert_same_as_urljoin(href: str) -> None:
    base = "https://babel.antaranews.com/terkini/2"
    try:
        expected = urljoin(base, href)
    except ValueError:
        with pytest.raises(ValueError):
            absolute_url(base, href)
        return
    assert absolute_url(base, href) == expected


_URL_PIECES = st.sampled_from(
    ["https://", "http://", "HTTPS://", "//", "/", "babel.antaranews.com", "x", "berita", "123", "?", "page=2", "#",
     ";", "..", ".", " ", "\t", "\n", "[", "]", "::1", "é", "%20", "@", ":8080", "mailto:", ""]
)  # fmt: skip


@given(st.lists(_URL_PIECES, max_size=8).map("".join))
@settings(max_examples=600, deadline=None)
def test_absolute_url_is_urljoin(href):
    """The shortcut for plain absolute links gives what urljoin gives, for every kind of href (errors included)."""
    _assert_same_as_urljoin(href)


@pytest.mark.parametrize(
    "href",
    ["https://babel.antaranews.com/berita/1/a", "http://x.y", "https:///berita/1", "https://[::1/x", "https://a/b?c"],
)
def test_absolute_url_examples_are_urljoin(href):
    _assert_same_as_urljoin(href)
