"""Listing pages (``/terkini``, ``/terkini/N``, ``/terkini?page=N``) -> article links with their dates.

    listing = parse_listing(html, "https://babel.antaranews.com/terkini/2")
    listing.items[0].url, listing.items[0].published_at, listing.pagination.next

Regional portals list ``article.simple-post.simple-big`` items in the main column (``div.col-md-8``); the sidebar's
``article.simple-post`` items (without ``simple-big``) are not list items. www lists ``card__post`` cards. Only
``/berita/<id>`` links are kept (photo and video stories are dropped). Listing dates carry no zone label, so they
are read in the portal's zone; www may print relative dates ("2 jam lalu"), resolved against ``fetched_at``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from antara_crawler.dates import parse_date, to_iso
from antara_crawler.urls import absolute_url, parse_article_url, portal_of_host

from .page import first, has_class, img_src, text_of, xp
from .text import norm
from .tree import NotArticle, parse_tree

_PAGE_PATH = re.compile(r"/(\d+)/?$")


@dataclass(frozen=True, slots=True)
class ListingEntry:
    url: str  # canonical article URL
    portal: str
    antara_id: int
    title: str | None
    category: str | None
    published_raw: str | None  # as printed, icon and padding removed
    published_at: str | None  # ISO 8601 in the portal's zone; None when absent or unparsed
    image_url: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.portal, self.antara_id)


@dataclass(frozen=True, slots=True)
class Pagination:
    prev: str | None = None
    next: str | None = None
    pages_listed: list[int] = field(default_factory=list)

    @property
    def last_page(self) -> int | None:
        """The highest page number shown (the highest number is the last page)."""
        return max(self.pages_listed) if self.pages_listed else None


@dataclass(frozen=True, slots=True)
class Listing:
    url: str
    portal: str | None
    page: int
    items: list[ListingEntry]
    pagination: Pagination

    @property
    def keys(self) -> list[tuple[str, int]]:
        return [e.key for e in self.items]


def parse_listing(html: str | bytes, url: str, *, fetched_at: datetime | None = None) -> Listing:
    """Parse a listing page; never raises on odd markup (an empty ``items`` list means nothing was recognised)."""
    portal = portal_of_host(urlsplit(url).hostname)
    if not html or not html.strip():
        return Listing(url, portal, page_number(url), [], Pagination())
    try:
        doc = parse_tree(html)  # decoded and parsed like an article page
    except NotArticle:  # nothing to read (empty, binary): no items, as for markup that is not recognised
        return Listing(url, portal, page_number(url), [], Pagination())
    main = _main_column(doc)
    entries: list[ListingEntry] = []
    seen: set[tuple[str, int]] = set()
    for node, kind in _item_nodes(main):
        entry = _parse_classic_item(node, url, portal, fetched_at) if kind == "classic" else None
        if kind == "card":
            entry = _parse_card(node, url, portal, fetched_at)
        if entry is not None and entry.key not in seen:
            seen.add(entry.key)
            entries.append(entry)
    return Listing(url, portal, page_number(url), entries, _parse_pagination(doc, url))


def page_number(url: str) -> int:
    """``/terkini/3`` -> 3, ``/terkini?page=3`` -> 3, ``/terkini`` -> 1."""
    parts = urlsplit(url)
    query_page = (parse_qs(parts.query).get("page") or [""])[0]
    if query_page.isdigit():
        return int(query_page)
    m = _PAGE_PATH.search(parts.path)
    return int(m.group(1)) if m else 1


# --- private parse steps ------------------------------------------------------------------------------------------


def _text(node) -> str | None:
    return text_of(node) or None


def _norm(text: str | None) -> str | None:
    return norm(text) or None


# Every XPath of this module, compiled once (compiling one costs more than running it on a list item).
_COLUMNS = xp(f"//div[{has_class('col-md-8')}]")
_COLUMN_HAS_ITEMS = xp(f".//article[{has_class('simple-big')}] | .//div[{has_class('card__post')}]")
_ITEMS = xp(
    f".//article[{has_class('simple-post')} and {has_class('simple-big')}] | .//div[{has_class('card__post')}]"
    f"[not(ancestor::div[{has_class('card__post')}])]"
)
_IN_SIDEBAR = xp(f"ancestor::aside | ancestor::*[{has_class('sidebar')}]")
_FIRST_IMG = xp(".//img")
_CLASSIC_LINK = xp(".//header//h3//a[@href] | .//h3//a[@href] | .//h2//a[@href]")
_ANY_ARTICLE_LINK = xp(".//a[contains(@href, '/berita/')]")
_SHARE = xp(f".//p[{has_class('simple-share')}]")
_CHILD_A = xp("./a")
_ANY_SPAN = xp(".//span")
_CARD_LINK = xp(f".//*[{has_class('card__post__title')}]//a[@href]")
_CARD_LINK_FALLBACK = xp(".//h2//a[@href] | .//h3//a[@href] | .//a[contains(@href, '/berita/')]")
_CARD_CATEGORY = xp(f".//*[{has_class('card__post__category')}]")
_CARD_DATE = xp(f".//*[{has_class('card__post__author-info')}]//span | .//span[{has_class('text-secondary')}]")
_PAGINATION_LINKS = xp(f"//ul[{has_class('pagination')}]//li/a[@href]")
_LINK_REL = {rel: xp(f"//head/link[@rel='{rel}']/@href") for rel in ("prev", "next")}


def _main_column(doc):
    """The main column (``div.col-md-8``) holding list items, else the whole document."""
    for col in _COLUMNS(doc):
        if _COLUMN_HAS_ITEMS(col):
            return col
    return doc


def _item_nodes(main):
    """List items in document order, tagged by markup family; anything inside an aside/sidebar is skipped."""
    for node in _ITEMS(main):
        if _IN_SIDEBAR(node):
            continue
        yield node, ("classic" if node.tag == "article" else "card")


def _date(raw: str | None, portal: str | None, fetched_at: datetime | None) -> str | None:
    dt = parse_date(raw, portal=portal, base=fetched_at) if raw else None
    return to_iso(dt) if dt else None


def _image(node, base_url: str) -> str | None:
    src = img_src(first(_FIRST_IMG(node)))
    return absolute_url(base_url, src) if src else None


def _entry(href, title, category, raw, node, base_url, portal, fetched_at) -> ListingEntry | None:
    ref = parse_article_url(absolute_url(base_url, href.strip())) if href else None
    if ref is None:
        return None  # /foto/, /video/ or anything that is not an article
    return ListingEntry(
        url=ref.url,
        portal=ref.portal,
        antara_id=ref.antara_id,
        title=title,
        category=category,
        published_raw=raw,
        published_at=_date(raw, ref.portal or portal, fetched_at),
        image_url=_image(node, base_url),
    )


def _parse_classic_item(node, base_url: str, portal: str | None, fetched_at: datetime | None) -> ListingEntry | None:
    link = first(_CLASSIC_LINK(node))
    if link is None:
        link = first(_ANY_ARTICLE_LINK(node))
    if link is None:
        return None
    share = first(_SHARE(node))
    category = _text(first(_CHILD_A(share))) if share is not None else None
    raw = _text(first(_ANY_SPAN(share))) if share is not None else None
    title = _text(link) or _norm(link.get("title"))
    return _entry(link.get("href"), title, category, raw, node, base_url, portal, fetched_at)


def _parse_card(node, base_url: str, portal: str | None, fetched_at: datetime | None) -> ListingEntry | None:
    link = first(_CARD_LINK(node))
    if link is None:
        link = first(_CARD_LINK_FALLBACK(node))
    if link is None:
        return None
    category = _text(first(_CARD_CATEGORY(node)))
    date_node = first(_CARD_DATE(node))
    title = _text(link) or _norm(link.get("title"))
    return _entry(link.get("href"), title, category, _text(date_node), node, base_url, portal, fetched_at)


def _parse_pagination(doc, base_url: str) -> Pagination:
    links = _PAGINATION_LINKS(doc)
    prev = nxt = None
    pages: set[int] = set()
    for a in links:
        href = absolute_url(base_url, a.get("href").strip())
        label = (a.get("aria-label") or a.get("rel") or "").lower()
        text = _text(a) or ""
        if "prev" in label or text in ("«", "‹", "Previous", "Sebelumnya"):
            prev = prev or href
        elif "next" in label or text in ("»", "›", "Next", "Selanjutnya"):
            nxt = nxt or href
        elif text.isdigit():
            pages.add(int(text))
    if prev is None:
        prev = _link_rel(doc, "prev", base_url)
    if nxt is None:
        nxt = _link_rel(doc, "next", base_url)
    return Pagination(prev=prev, next=nxt, pages_listed=sorted(pages))


def _link_rel(doc, rel: str, base_url: str) -> str | None:
    href = first(_LINK_REL[rel](doc))
    return absolute_url(base_url, href.strip()) if href else None
