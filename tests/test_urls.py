import pytest

from antara_crawler.urls import UrlTemplate, canonical_url, is_article_url, parse_article_url, portal_of_host

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
