"""Feeds (``scrapy crawl ... -O out.json|.jsonl|.csv``): the documented fields, ISO 8601 dates, clean UTF-8, related
links nested (JSON) or as JSON text (CSV with antara_crawler.newfeed.CsvArticleExporter). The exporters in process; one
real crawl writing all three feeds is in ``tests/e2e/test_e2e_feeds.py``."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from scrapy.exporters import CsvItemExporter, JsonItemExporter, JsonLinesItemExporter

from antara_crawler import settings as project_settings
from antara_crawler.items import ARTICLE_FEED_FIELDS
from antara_crawler.newfeed import CsvArticleExporter
from tests.helpers import fixture_archive as fx

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
    assert fx.csv_records(text) == [fx.feed_record(a) for a in fx.ARTICLES]


def test_csv_article_exporter_leaves_json_feeds_alone():
    # it is registered for "csv" only; JSON exporters do not go through it
    assert not issubclass(JsonLinesItemExporter, CsvArticleExporter)
    assert (
        _export(JsonLinesItemExporter, fx.ARTICLES[:1])
        == json.dumps(fx.feed_record(fx.ARTICLES[0]), ensure_ascii=False) + "\n"
    )
