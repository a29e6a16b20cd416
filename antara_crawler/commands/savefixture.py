"""``scrapy savefixture URL``: save a page and its current extraction as a test fixture pair.

    scrapy savefixture https://babel.antaranews.com/berita/366104/slug            # fetch (obeys every setting)
    scrapy savefixture https://babel.antaranews.com/berita/366104/slug --from-file page.html
    scrapy savefixture URL --name babel_wrong_editor --dir tests/fixtures/pages

It writes ``<dir>/<name>.html`` (the page as fetched) and ``<dir>/<name>.json`` (what the parser extracts today, in
the ground-truth format of tests/fixtures: the feed fields, plus ``_`` notes). A multi-page article is saved whole:
every page its pagers link to, ``<name>.page-2.html``... and ``<name>.page-all.html``, listed under ``_pages`` in
the JSON, whose fields are the record built from all of them (``extract.paging.build_article``). Correct the JSON by hand where the
parser is wrong, and the fixture tests (tests/extract/test_extract_samples.py reads every pair under tests/fixtures/pages/) turn it into a failing test to fix.
The fetch goes through the project's settings, so ANTARA_URL_TEMPLATE, robots.txt and the User-Agent apply.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import scrapy
from itemadapter import ItemAdapter
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from antara_crawler.items import ARTICLE_FEED_FIELDS, STORY_FIELDS, related_for_feed
from antara_crawler.urls import article_page, page_url, parse_article_url

logger = logging.getLogger(__name__)

DEFAULT_DIR = "tests/fixtures/pages"


def fixture_record(html: bytes, url: str, *, name: str, more_pages: list[tuple[str, bytes]] | None = None) -> dict:
    """The ground-truth JSON for a saved page (and its further pages): the extraction, or why it is not an article.

    The record is built from page 1 and the numbered pages in order, or from page 1 and the ``?page=all`` view
    when no numbered page was saved.
    """
    record: dict = {"_sample": f"{name}.html", "_saved_from": url, "_saved_at": datetime.now(UTC).isoformat()}
    more = list(more_pages or [])
    if more:
        record["_pages"] = [_page_file(name, u) for u, _ in more]
    numbered = [(u, h) for u, h in more if article_page(u) != "all"]
    from antara_crawler.extract import NotArticle
    from antara_crawler.extract.paging import build_article

    try:
        article = build_article([(url, html), *(numbered or more)])
    except NotArticle as exc:
        record["not_article"] = exc.reason
        return record
    data = ItemAdapter(article).asdict()
    for key in ARTICLE_FEED_FIELDS:
        if key == "fetched_at" or key in STORY_FIELDS:  # the crawl's and the archive's, not the page's
            continue
        record[key] = related_for_feed(article.related) if key == "related" else data[key]
    return record


def _page_file(name: str, url: str) -> str:
    return f"{name}.page-{article_page(url)}.html"


def save_fixture(
    html: bytes,
    url: str,
    out_dir: str | Path,
    name: str | None = None,
    more_pages: list[tuple[str, bytes]] | None = None,
) -> tuple[Path, Path]:
    """Write ``<name>.html`` (and ``<name>.page-<N>.html`` for each further page) and ``<name>.json`` into
    ``out_dir``; returns the paths of page 1 and of the JSON."""
    ref = parse_article_url(url)
    name = name or (f"{ref.portal}_{ref.antara_id}" if ref else "page_" + datetime.now(UTC).strftime("%Y%m%d%H%M%S"))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out / f"{name}.html", out / f"{name}.json"
    html_path.write_bytes(html)
    for page_url_, page_html in more_pages or []:
        (out / _page_file(name, page_url_)).write_bytes(page_html)
    record = fixture_record(html, url, name=name, more_pages=more_pages)
    json_path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return html_path, json_path


class _FetchOne(scrapy.Spider):
    """Fetches one page and saves it; any status is kept (a 404 page is a fixture too)."""

    name = "savefixture"
    custom_settings = {"HTTPERROR_ALLOW_ALL": True, "ITEM_PIPELINES": {}}

    def __init__(self, url: str, out_dir: str, fixture_name: str | None, result: dict, **kwargs):
        super().__init__(**kwargs)
        self.url, self.out_dir, self.fixture_name, self.result = url, out_dir, fixture_name, result

    async def start(self):
        yield scrapy.Request(self.url, callback=self.save, dont_filter=True)

    def save(self, response):
        """Page 1: save it, or first fetch the further pages its pager links to (then those pages' pagers)."""
        from antara_crawler.extract.paging import find_paging

        paging = find_paging(response.body, self.url)
        wanted: list = [*paging.numbers, *(["all"] if paging.has_all else [])]
        yield from self._next(response.status, [(self.url, response.body)], wanted, [])

    def save_page(self, response):
        from antara_crawler.extract.paging import find_paging

        pages, wanted, done = response.meta["pages"], response.meta["wanted"], response.meta["done"]
        if response.status == 200:
            pages = [*pages, (response.request.url, response.body)]
            found = find_paging(response.body, self.url).numbers
            wanted = [*wanted, *(n for n in found if n not in done and n not in wanted)]
        else:
            logger.warning("savefixture: %s answered %s; not saved", response.request.url, response.status)
        yield from self._next(response.meta["status"], pages, wanted, done)

    def _next(self, status: int, pages: list, wanted: list, done: list):
        from antara_crawler.extract.paging import MAX_PAGES

        todo = [p for p in wanted if p not in done and (p == "all" or p <= MAX_PAGES)]
        if todo:
            nxt = sorted(todo, key=lambda p: (p == "all", p if p != "all" else 0))[0]
            meta = {"pages": pages, "wanted": wanted, "done": [*done, nxt], "status": status}
            yield scrapy.Request(page_url(self.url, nxt), callback=self.save_page, dont_filter=True, meta=meta)
            return
        first_url, first_html = pages[0]
        self.result["paths"] = save_fixture(first_html, first_url, self.out_dir, self.fixture_name, pages[1:])
        self.result["status"] = status
        self.result["pages"] = len(pages)


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[options] <url>"

    def short_desc(self) -> str:
        return "Save a page and its current extraction as a test fixture (HTML + ground-truth JSON)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--dir", default=DEFAULT_DIR, help=f"folder for the pair (default {DEFAULT_DIR})")
        parser.add_argument("--name", default=None, help="file name without extension (default <portal>_<id>)")
        parser.add_argument("--from-file", default=None, help="take the page from this file instead of fetching it")

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one URL")
        url = args[0]
        result: dict = {}
        if opts.from_file:
            try:
                html = Path(opts.from_file).read_bytes()
            except OSError as exc:
                raise UsageError(f"cannot read {opts.from_file}: {exc.strerror}") from None
            paths = save_fixture(html, url, opts.dir, opts.name)
        else:
            assert self.crawler_process is not None
            self.crawler_process.crawl(_FetchOne, url=url, out_dir=opts.dir, fixture_name=opts.name, result=result)
            self.crawler_process.start()
            if "paths" not in result:
                print(f"savefixture: could not fetch {url} (see the log above)")
                self.exitcode = 1
                return
            paths = result["paths"]
        more = result.get("pages", 1) - 1
        print(f"saved {paths[0]}" + (f" (+ {more} further pages)" if more else "") + f"\nsaved {paths[1]}")
