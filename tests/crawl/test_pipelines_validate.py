import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from antara_crawler.items import Article, LinkStatus
from antara_crawler.pipelines.validate import ValidationPipeline
from antara_crawler.validation import drop_reason


def _article(**kw) -> Article:
    base = dict(url="https://babel.antaranews.com/berita/1/x", portal="babel", antara_id=1, title="Judul", body="Isi")
    return Article(**{**base, **kw})


@pytest.fixture
def pipeline():
    return ValidationPipeline.from_crawler(get_crawler())


def test_complete_article_passes(pipeline):
    item = _article()
    assert pipeline.process_item(item) is item


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": None}, "missing_title"),
        ({"title": "   "}, "missing_title"),
        ({"body": ""}, "missing_body"),
        ({"antara_id": 0}, "missing_id"),
        ({"antara_id": "12"}, "missing_id"),
        ({"portal": ""}, "missing_id"),
        ({"reporter": 42}, "bad_field"),
        ({"tags": ["ok", None]}, "bad_field"),
    ],
)
def test_problem_reasons(changes, reason):
    assert drop_reason(_article(**changes)) == reason


def test_dropped_article_is_counted_by_reason(pipeline):
    with pytest.raises(DropItem, match="missing_body"):
        pipeline.process_item(_article(body=None))
    assert pipeline.stats.get_value("antara/dropped/missing_body") == 1


def test_link_status_records_pass_untouched(pipeline):
    status = LinkStatus("https://babel.antaranews.com/berita/2", "babel", 2, 404, "http_404")
    assert pipeline.process_item(status) is status
