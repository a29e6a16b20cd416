"""Multi-page articles: find the other pages of a page, read a continuation page, stitch the pages into one Article.

Long regional stories are split over ``?page=2``, ``?page=3`` with a ``?page=all`` view (REAL-VARIATION.md §a):

* :func:`find_paging` reads the links of a page to other pages of itself: same ``(portal, id)``, ``page=N`` or
  ``page=all`` in the query, whatever the markup around them (numbered lists, "Selanjutnya", "Tampilkan semua").
* :func:`parse_page` reads a continuation page, which opens mid-story (no title, no dateline): its body
  paragraphs, its Baca juga links and its byline, through the same layers as :func:`parse_article`.
* :func:`accepts_all` accepts a ``?page=all`` view only if it starts with page 1's lead and is longer.
* :func:`build_article` builds the whole record from the ordered ``(url, html)`` pages: title, dates, dateline,
  image, caption, tags and Berita Terkait from page 1; the body of every page in order, the repeats at the joins
  removed; the Baca juga links of every page; the byline wherever it is printed (often ``Oleh <name> <date> WIB``
  at the end of the last page), never as body. The spider and ``scrapy reparse`` both call it.

Pure functions: strings in, items out, no Scrapy.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from antara_crawler.dates import fill_article_dates
from antara_crawler.items import Article
from antara_crawler.urls import article_page, parse_article_url

from .article import _merge, parse_article, related_links
from .page import Page, RawLink
from .text import norm, split_dateline
from .tree import NotArticle, parse_tree

#: Layers that read a byline printed on the page (the template layers), as opposed to metadata or heuristics.
_PRINTED_LAYERS = frozenset({"classic", "wrap", "amp"})
#: An article with more pages than this is not fetched page by page (``antara/dropped/too_many_pages``): a pager
#: that long is not an article's, and following it would be an unbounded crawl.
MAX_PAGES = 50

#: the attribute a quoted value belongs to: ``href="`` or ``href='`` just before it
_HREF_BEFORE = re.compile(rb"href\s*=\s*$")  # searched in the lower-cased page


@dataclass(frozen=True)
class Paging:
    """The other pages a page links to: numbered pages after the first, and whether a ``?page=all`` view exists."""

    numbers: tuple[int, ...] = ()
    has_all: bool = False

    @property
    def is_multipage(self) -> bool:
        return bool(self.numbers or self.has_all)

    @property
    def too_long(self) -> bool:
        return bool(self.numbers) and self.numbers[-1] > MAX_PAGES


@dataclass
class PagePart:
    """What one continuation page (``?page=N`` or ``?page=all``) contributes to the record."""

    url: str
    paragraphs: list[str] = field(default_factory=list)
    baca_juga: list[RawLink] = field(default_factory=list)  # absolute hrefs, page order
    reporter: str | None = None
    editor: str | None = None
    published_raw: str | None = None  # the date of an ``Oleh X <date> WIB`` byline printed on this page


def find_paging(html: bytes | str, url: str) -> Paging:
    """The pages of the article at ``url`` that ``html`` links to (``page=N`` with N > 1, ``page=all``).

    Reads every ``href`` of the page holding ``page=`` (a byte scan, no parse: the pager's markup does not matter),
    resolves it against ``url`` and keeps those naming the same ``(portal, id)``.
    """
    own = parse_article_url(url)
    if own is None or not html:
        return Paging()
    data = html.encode("utf-8", "replace") if isinstance(html, str) else bytes(html)
    numbers: set[int] = set()
    has_all = False
    for raw in _page_hrefs(data):
        href = html_lib.unescape(raw.decode("utf-8", "replace")).strip()
        target = urljoin(url, href)
        ref = parse_article_url(target)
        if ref is None or ref.key != own.key:
            continue
        page = article_page(target)
        if page == "all":
            has_all = True
        elif isinstance(page, int):
            numbers.add(page)
    return Paging(tuple(sorted(numbers)), has_all)


def _page_hrefs(data: bytes) -> list[bytes]:
    """The quoted ``href`` values holding ``page=`` (or ``Page=``) after ``?``, ``&`` or ``&amp;``.

    ``page=`` is rare on a page, so one substring scan finds the candidates and each is looked at alone (a regex
    pass over the whole page costs several times more; the scan runs on every article page fetched).
    """
    out: dict[bytes, None] = {}
    pos = data.find(b"age=")
    while pos > 1:
        if data[pos - 1] in b"pP" and data[pos - 2] in b"?&;":
            raw = _quoted_href_around(data, pos - 1)
            if raw is not None:
                out[raw] = None
        pos = data.find(b"age=", pos + 4)
    return list(out)


def _quoted_href_around(data: bytes, pos: int) -> bytes | None:
    """The quoted value around ``pos`` when it is an ``href`` attribute's, else None."""
    window = max(0, pos - 2000)
    start = max(data.rfind(b'"', window, pos), data.rfind(b"'", window, pos))
    if start < 0 or not _HREF_BEFORE.search(data[max(0, start - 12) : start].lower()):
        return None
    end = data.find(data[start : start + 1], pos, pos + 2000)
    raw = data[start + 1 : end] if end > 0 else b""
    return raw if raw and b"<" not in raw and b">" not in raw else None


def parse_page(html: bytes | str, url: str, *, encoding: str | None = None) -> PagePart:
    """Read a continuation page: body paragraphs, Baca juga links (absolute) and byline, through the layers.

    Raises :class:`NotArticle` (``empty``, ``binary``, ``missing_body``...) when the page has no body to add.
    """
    ref = parse_article_url(url)
    if ref is None:
        raise NotArticle("not_article_url", str(url)[:200])
    page = Page(root=parse_tree(html, encoding), url=url, ref=ref)
    try:
        values, _sources, _template = _merge(page)
    except Exception as exc:  # noqa: BLE001 - the contract of the extract package: NotArticle only
        raise NotArticle("parse_error", f"{type(exc).__name__}: {exc}"[:200]) from None
    body = values.get("body")
    if not body:
        raise NotArticle("missing_body", url)
    links = [(page.abs_url(href) or "", text, raw) for href, text, raw in values.get("baca_juga") or []]
    return PagePart(
        url=url,
        paragraphs=[p for p in body.split("\n\n") if p],
        baca_juga=links,
        reporter=values.get("reporter"),
        editor=values.get("editor"),
        published_raw=values.get("published_raw"),
    )


def accepts_all(first_body: str | None, whole: PagePart) -> bool:
    """A ``?page=all`` view is the whole article if it starts with page 1's lead and is longer than page 1.

    (A site may answer ``?page=all`` with page 1 alone, or with another page: then the numbered pages are read.)
    """
    paragraphs = first_body.split("\n\n") if first_body else []
    if not paragraphs or not whole.paragraphs:
        return False
    same_lead = whole.paragraphs[0] == paragraphs[0]
    return same_lead and sum(map(len, whole.paragraphs)) > sum(map(len, paragraphs))


def build_article(
    pages: Sequence[tuple[str, bytes | str]],
    *,
    fetched_at: datetime | str | None = None,
    encoding: str | None = None,
) -> Article:
    """The whole Article from its pages in order: page 1, then ``?page=2..N`` or a ``?page=all`` view.

    One page is :func:`parse_article` exactly. Raises :class:`NotArticle` when page 1 is not an article, when a
    continuation page has no body or is page 1 again (``incomplete_pages``), or when a ``?page=all`` view is not the whole article
    (``page_all_rejected``).
    """
    if not pages:
        raise NotArticle("empty", "no pages")
    first_url, first_html = pages[0]
    article = parse_article(first_html, first_url, fetched_at=fetched_at, encoding=encoding)
    if len(pages) == 1:
        return article
    parts: list[PagePart] = []
    for url, page_html in pages[1:]:
        try:
            parts.append(parse_page(page_html, url, encoding=encoding))
        except NotArticle as exc:
            raise NotArticle("incomplete_pages", f"{url}: {exc.reason}") from None
    if article_page(parts[0].url) == "all":
        if len(parts) != 1 or not accepts_all(article.body, parts[0]):
            raise NotArticle("page_all_rejected", parts[0].url)
        paragraphs = list(parts[0].paragraphs)
    else:
        paragraphs = (article.body or "").split("\n\n")
        for part in parts:
            if part.paragraphs[0] == paragraphs[0]:
                # the server answered page 1 again (a page past the end, a query it ignores): not the next page
                raise NotArticle("incomplete_pages", f"{part.url}: page 1 again")
            paragraphs = join_pages(paragraphs, [p for p in part.paragraphs if not _is_title(p, article.title)])
    article.body = "\n\n".join(paragraphs)
    article.dateline = article.dateline or (split_dateline(paragraphs[0]) if paragraphs else None)
    _merge_byline(article, parts)
    if article.published_raw is None:
        # ``Oleh <name> Minggu, 16 Juni 2024 18:00 WIB`` after the last page's body (jabar-522093-page3)
        printed = next((part.published_raw for part in reversed(parts) if part.published_raw), None)
        if printed:
            article.published_raw = printed
            article.field_sources["published_raw"] = "paging"
    _merge_related(article, parts)
    fill_article_dates(article)
    return article


def join_pages(body: list[str], nxt: list[str]) -> list[str]:
    """``body`` followed by ``nxt`` without the paragraphs repeated at the join (the longest run that ends ``body``
    and starts ``nxt``; paragraphs are whitespace-normalised by the layers, so equality is exact)."""
    for k in range(min(len(body), len(nxt)), 0, -1):
        if body[-k:] == nxt[:k]:
            return body + nxt[k:]
    return body + list(nxt)


# --- helpers ---------------------------------------------------------------------------------------------------


def _is_title(paragraph: str, title: str | None) -> bool:
    """A continuation page reprinting the headline (``Spektrum - <title>`` is the title of jabar-522093)."""
    return bool(title) and norm(paragraph).casefold() == norm(title).casefold()


def _merge_byline(article: Article, parts: list[PagePart]) -> None:
    """The byline printed on the pages wins: page 1's when it prints one, else the last page's that does (a
    ``Pewarta:`` line or an ``Oleh X`` line, read by the layers); a reporter read only from metadata (JSON-LD,
    OpenGraph, itemprop) or heuristics gives way."""
    printed = article.field_sources.get("reporter") in _PRINTED_LAYERS and (article.reporter or article.editor)
    if printed:
        return
    for part in reversed(parts):
        if part.reporter or part.editor:
            article.reporter, article.editor = part.reporter, part.editor
            article.field_sources["reporter"] = article.field_sources["editor"] = "paging"
            return


def _merge_related(article: Article, parts: list[PagePart]) -> None:
    """Baca juga links of every page in page order (each kind deduplicated on its own); Berita Terkait of page 1."""
    ref = parse_article_url(article.url)
    assert ref is not None  # parse_article built article.url from an article URL
    first = [(r.url, r.title or "", r.published_raw) for r in article.related if r.kind == "baca_juga"]
    later = [link for part in parts for link in part.baca_juga]
    baca_juga = related_links(ref, article.title, first + later, [])
    article.related = baca_juga + [r for r in article.related if r.kind == "berita_terkait"]


__all__ = ["MAX_PAGES", "PagePart", "Paging", "accepts_all", "build_article", "find_paging", "parse_page"]
