"""Feeds (``scrapy crawl ... -O out.json|.jsonl|.csv``): the documented fields, ISO 8601 dates, clean UTF-8, related
links nested (JSON) or as JSON text (CSV with antara_crawler.newfeed.CsvArticleExporter)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest
from scrapy.exporters import CsvItemExporter, JsonItemExporter, JsonLinesItemExporter

from antara_crawler import settings as project_settings
from antara_crawler.items import ARTICLE_FEED_FIELDS
from antara_crawler.newfeed import CsvArticleExporter
from tests.helpers import SAMPLES, load_json, run_scrapy
from tests.helpers import fixture_archive as fx
from tests.site.server import MirrorServer

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
EXPORTER_KWARGS = {
    "fields_to_export": project_settings.FEED_EXPORT_FIELDS,
    "encoding": project_settings.FEED_EXPORT_ENCODING,
}


def _export(exporter_cls, items, **kwargs):
    buf = io.BytesIO()
    exporter = exporter_cls(buf, **{**EXPORTER_KWARGS, **kwargs})
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return buf.getvalue().decode("utf-8")


def _csv_records(text):
    records = []
    for row in csv.DictReader(io.StringIO(text)):
        record = {k: (v if v != "" else None) for k, v in row.items()}
        record["antara_id"] = int(row["antara_id"])
        record["tags"] = json.loads(row["tags"])
        record["related"] = json.loads(row["related"])
        for name in ("story_id", "story_size"):
            record[name] = int(row[name]) if row[name] else None
        records.append(record)
    return records


def test_settings_are_the_documented_feed_settings():
    assert project_settings.FEED_EXPORT_ENCODING == "utf-8"
    assert project_settings.FEED_EXPORT_FIELDS == ARTICLE_FEED_FIELDS


@pytest.mark.parametrize("exporter_cls", [JsonItemExporter, JsonLinesItemExporter])
def test_json_feeds_carry_the_documented_fields_in_order(exporter_cls):
    text = _export(exporter_cls, fx.ARTICLES)
    records = json.loads(text) if exporter_cls is JsonItemExporter else [json.loads(x) for x in text.splitlines()]
    assert records == [fx.feed_record(a) for a in fx.ARTICLES]
    for record in records:
        assert list(record) == ARTICLE_FEED_FIELDS
        assert ISO.match(record["published_at"]) and ISO.match(record["fetched_at"])
        for link in record["related"]:
            assert list(link) == ["url", "title", "published_at", "kind"]
            assert link["published_at"] is None or ISO.match(link["published_at"])
    assert "“Nelayan" in text and "\\u" not in text  # UTF-8, not ASCII-escaped
    assert "raw_html" not in text and "field_sources" not in text


def test_scrapys_default_csv_writes_related_as_a_python_repr():
    """Why CsvArticleExporter exists: the default CSV cell of a list of dicts is not JSON and not readable back."""
    rows = list(csv.DictReader(io.StringIO(_export(CsvItemExporter, fx.ARTICLES[:1]))))
    assert rows[0]["related"].startswith("[{'url': 'https://babel.antaranews.com/")
    assert rows[0]["tags"] == "BPJS Ketenagakerjaan,pekerja rentan,Pangkalpinang"


def test_csv_article_exporter_writes_lists_as_json_text():
    text = _export(CsvArticleExporter, fx.ARTICLES)
    assert text.splitlines()[0] == ",".join(ARTICLE_FEED_FIELDS)
    assert _csv_records(text) == [fx.feed_record(a) for a in fx.ARTICLES]


def test_csv_article_exporter_leaves_json_feeds_alone():
    # it is registered for "csv" only; JSON exporters do not go through it
    assert not issubclass(JsonLinesItemExporter, CsvArticleExporter)
    assert (
        _export(JsonLinesItemExporter, fx.ARTICLES[:1])
        == json.dumps(fx.feed_record(fx.ARTICLES[0]), ensure_ascii=False) + "\n"
    )


@pytest.mark.e2e
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
    as_csv = sorted(_csv_records(csv_text), key=lambda r: r["antara_id"])
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
