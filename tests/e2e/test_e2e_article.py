"""End to end: a real `scrapy crawl article` process against a real HTTP server on 127.0.0.1 serving the samples."""

from __future__ import annotations

import json
import shutil

import pytest

from antara_crawler.store import Archive
from tests.helpers import SAMPLES, ground_truth, load_json, run_scrapy
from tests.site.server import MirrorServer

BABEL = load_json(SAMPLES / "regional_current_babel_article.json")
WWW = load_json(SAMPLES / "www_current_article.json")


@pytest.fixture
def mirror(tmp_path):
    root = tmp_path / "site"
    for portal, sample, antara_id in (
        ("babel", "regional_current_babel_article.html", 366104),
        ("www", "www_current_article.html", 5561234),
    ):
        (root / portal / "berita").mkdir(parents=True)
        shutil.copy(SAMPLES / sample, root / portal / "berita" / f"{antara_id}.html")
        (root / portal / "robots.txt").write_text("User-agent: *\nDisallow: /search\n")
    (root / "babel" / "foto").mkdir()
    (root / "babel" / "foto" / "556200.html").write_text("<html><body>foto</body></html>")
    with MirrorServer(root) as server:
        yield server


def _crawl(tmp_path, server, urls, *extra):
    out = tmp_path / "out.jsonl"
    result = run_scrapy(
        [
            "crawl",
            "article",
            "-a",
            "urls=" + ",".join(urls),
            "-O",
            str(out),
            "-s",
            f"ANTARA_URL_TEMPLATE={server.url_template}",
            "-s",
            f"ANTARA_DB_URL=sqlite:///{tmp_path}/a.db",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            *extra,
        ]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = out.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines], out.read_text(encoding="utf-8"), result


def test_feed_equals_the_ground_truth(tmp_path, mirror):
    items, _, _ = _crawl(tmp_path, mirror, [BABEL["url"], WWW["_extra"]["amp_url"] + "?utm_source=x"])
    by_id = {item["antara_id"]: item for item in items}
    assert set(by_id) == {366104, 5561234}
    for truth in (BABEL, WWW):
        item = by_id[truth["antara_id"]]
        assert {k: item[k] for k in ground_truth(truth)} == ground_truth(truth)
        assert item["fetched_at"]


def test_feed_is_clean_utf8_with_the_documented_fields(tmp_path, mirror):
    items, raw, _ = _crawl(tmp_path, mirror, [WWW["url"]])
    assert "\\u00a9" not in raw and "\\u" not in raw  # not ASCII-escaped
    assert list(items[0]) == [
        "url",
        "portal",
        "antara_id",
        "title",
        "body",
        "dateline",
        "published_at",
        "published_raw",
        "reporter",
        "editor",
        "category",
        "tags",
        "image_url",
        "image_caption",
        "related",
        "template",
        "fetched_at",
        "story_id",
        "story_size",
    ]
    assert set(items[0]["related"][0]) == {"url", "title", "published_at", "kind"}


def test_feed_items_carry_their_story_from_the_archive(tmp_path, mirror):
    items, _, _ = _crawl(tmp_path, mirror, [BABEL["url"], WWW["url"]])
    with Archive.open(f"sqlite:///{tmp_path}/a.db") as archive:
        for item in items:
            row = archive.get_article(item["portal"], item["antara_id"])
            assert item["story_id"] == row["story_id"] is not None
            assert item["story_size"] == 1  # the two samples are different stories


def test_fetches_go_to_the_mirror_with_per_portal_robots(tmp_path, mirror):
    _crawl(tmp_path, mirror, [BABEL["url"]])
    assert mirror.count(r"^/babel/robots\.txt$") == 1
    assert mirror.count(r"^/babel/berita/366104/") == 1


def test_dead_foto_and_foreign_urls_yield_no_article(tmp_path, mirror):
    urls = [
        "https://babel.antaranews.com/berita/999999/hilang",  # 404 on the mirror
        "https://babel.antaranews.com/foto/556200/festival",  # not an article URL
        "https://example.com/berita/1/x",  # offsite
        BABEL["url"],
    ]
    items, _, result = _crawl(tmp_path, mirror, urls)
    assert [i["antara_id"] for i in items] == [366104]
    assert "antara/http/404" in result.stderr
    assert "antara/dropped/not_article_url" in result.stderr
    assert mirror.count(r"/foto/") == 0


def test_urls_file(tmp_path, mirror):
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text(f"# two articles\n{BABEL['url']}\n\n{WWW['url']}\n", encoding="utf-8")
    out = tmp_path / "out.json"
    result = run_scrapy(
        [
            "crawl",
            "article",
            "-a",
            f"urls_file={urls_file}",
            "-O",
            str(out),
            "-s",
            f"ANTARA_URL_TEMPLATE={mirror.url_template}",
            "-s",
            f"ANTARA_DB_URL=sqlite:///{tmp_path}/a.db",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
        ]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(i["antara_id"] for i in json.loads(out.read_text(encoding="utf-8"))) == [366104, 5561234]


def test_savefixture_saves_page_and_extraction(tmp_path, mirror):
    result = run_scrapy(
        [
            "savefixture",
            BABEL["url"],
            "--dir",
            str(tmp_path / "fx"),
            "--name",
            "babel_sample",
            "-s",
            f"ANTARA_URL_TEMPLATE={mirror.url_template}",
        ]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    saved = load_json(tmp_path / "fx" / "babel_sample.json")
    assert ground_truth(saved) == {k: v for k, v in ground_truth(BABEL).items()} | {"template": "classic"}
    assert (tmp_path / "fx" / "babel_sample.html").read_bytes() == (
        SAMPLES / "regional_current_babel_article.html"
    ).read_bytes()
