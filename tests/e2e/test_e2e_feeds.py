"""Feeds written by real ``scrapy crawl article`` processes against a mirror of two saved pages: ``-O`` JSON, JSON
Lines and CSV with the same records (``tests/crawl/test_export_feeds.py`` tests the exporters in process), and the
per-run feed of new and changed articles (``ANTARA_NEW_ITEMS_FEED``, ``tests/crawl/test_newfeed.py``)."""

from __future__ import annotations

import inspect
import json
import re
import shutil

import pytest

import antara_crawler.pipelines.store as store_pipeline
from antara_crawler.items import ARTICLE_FEED_FIELDS
from tests.helpers import SAMPLES, load_json, run_scrapy
from tests.helpers.fixture_archive import csv_records
from tests.site.server import MirrorServer

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def test_one_crawl_writes_json_jsonl_and_csv_feeds_with_the_same_records(tmp_path):
    babel = load_json(SAMPLES / "regional_current_babel_article.json")
    www = load_json(SAMPLES / "www_current_article.json")
    root = tmp_path / "site"
    for portal, sample, antara_id in (
        ("babel", "regional_current_babel_article.html", 366104),
        ("www", "www_current_article.html", 5561234),
    ):
        (root / portal / "berita").mkdir(parents=True)
        shutil.copy(SAMPLES / sample, root / portal / "berita" / f"{antara_id}.html")
        (root / portal / "robots.txt").write_text("User-agent: *\n")
    out = {ext: tmp_path / f"out.{ext}" for ext in ("json", "jsonl", "csv")}
    with MirrorServer(root) as server:
        result = run_scrapy(
            [
                "crawl",
                "article",
                "-a",
                f"urls={babel['url']},{www['url']}",
                "-O",
                str(out["json"]),
                "-O",
                str(out["jsonl"]),
                "-O",
                str(out["csv"]),
                "-s",
                f"ANTARA_URL_TEMPLATE={server.url_template}",
                "-s",
                f"ANTARA_DB_URL=sqlite:///{tmp_path}/a.db",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=0",
                "-s",
                'FEED_EXPORTERS={"csv": "antara_crawler.newfeed.CsvArticleExporter"}',
            ]
        )
    assert result.returncode == 0, result.stderr[-3000:]
    as_json = sorted(json.loads(out["json"].read_text(encoding="utf-8")), key=lambda r: r["antara_id"])
    as_jsonl = sorted(
        (json.loads(x) for x in out["jsonl"].read_text(encoding="utf-8").splitlines()), key=lambda r: r["antara_id"]
    )
    csv_text = out["csv"].read_text(encoding="utf-8")
    as_csv = sorted(csv_records(csv_text), key=lambda r: r["antara_id"])
    assert [r["antara_id"] for r in as_json] == [366104, 5561234]
    assert as_json == as_jsonl
    assert csv_text.splitlines()[0] == ",".join(ARTICLE_FEED_FIELDS)
    assert [{k: v for k, v in r.items()} for r in as_csv] == [
        {k: (v if v != "" else None) for k, v in r.items()} for r in as_json
    ]
    for record in as_json:
        assert list(record) == ARTICLE_FEED_FIELDS
        assert ISO.match(record["published_at"]) and ISO.match(record["fetched_at"])
        assert record["related"] and all(
            set(link) == {"url", "title", "published_at", "kind"} for link in record["related"]
        )
    assert "\\u" not in out["json"].read_text(encoding="utf-8")


# --- end to end: needs the store pipeline to send articles_stored (the lead wires it) ----------------------------

_WIRED = "articles_stored" in inspect.getsource(store_pipeline)


@pytest.mark.skipif(not _WIRED, reason="StorePipeline does not send antara_crawler.signals.articles_stored yet")
def test_a_run_feeds_what_it_added_and_a_rerun_without_changes_feeds_nothing(tmp_path):
    babel = load_json(SAMPLES / "regional_current_babel_article.json")
    root = tmp_path / "site"
    (root / "babel" / "berita").mkdir(parents=True)
    shutil.copy(SAMPLES / "regional_current_babel_article.html", root / "babel" / "berita" / "366104.html")
    (root / "babel" / "robots.txt").write_text("User-agent: *\nDisallow: /search\n")
    pattern = str(tmp_path / "feeds" / "%(name)s" / "run-%(run)s.jsonl")
    stored = {}
    with MirrorServer(root) as server:
        for run in ("1", "2"):
            result = run_scrapy(
                [
                    "crawl",
                    "article",
                    "-a",
                    f"urls={babel['url']}",
                    "-a",
                    f"run={run}",
                    "-s",
                    f"ANTARA_URL_TEMPLATE={server.url_template}",
                    "-s",
                    f"ANTARA_DB_URL=sqlite:///{tmp_path}/a.db",
                    "-s",
                    "DOWNLOAD_DELAY=0",
                    "-s",
                    "AUTOTHROTTLE_ENABLED=0",
                    "-s",
                    f"ANTARA_NEW_ITEMS_FEED={pattern}",
                    "-s",
                    'EXTENSIONS={"antara_crawler.newfeed.NewItemsFeed": 500}',
                ]
            )
            assert result.returncode == 0, result.stderr[-3000:]
            stored[run] = sum(
                int(m.group(2)) for m in re.finditer(r"'antara/store/(new|updated)': (\d+)", result.stderr)
            )
    first = (tmp_path / "feeds" / "article" / "run-1.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["antara_id"] for line in first] == [366104]
    assert list(json.loads(first[0])) == ARTICLE_FEED_FIELDS
    assert stored["1"] == 1
    # the re-run finds the page unchanged: the archive stores nothing new, and the feed says so
    second = (tmp_path / "feeds" / "article" / "run-2.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(second) == stored["2"] == 0, second
