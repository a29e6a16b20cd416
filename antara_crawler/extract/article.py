"""``parse_article``: one ANTARA article page in, one :class:`~antara_crawler.items.Article` out.

The page is decoded and parsed **once** with lxml; then the layers are asked in order and the first that yields a
field wins:

1. a template layer: ``wrap`` (www), ``classic`` (regional) or ``amp`` (AMP copies);
2. structured metadata: ``jsonld``, ``opengraph``, ``time``, ``itemprop`` (``metadata.py``);
3. ``generic`` heuristics (``generic.py``).

Layers 2 and 3 run only when a field is still missing (JSON-LD and OpenGraph are cheap and read lazily).
Coupled fields come from one layer: the dateline and the Baca juga links from the layer that gave the body, the
editor from the layer that gave the reporter (so an empty ``Editor :&nbsp;`` stays None).
``Article.field_sources`` records the layer of each field; ``Article.template`` the template that matched
(``metadata`` or ``generic`` when none did). Dates are filled by :func:`antara_crawler.dates.fill_article_dates`.

Pages that are not articles raise :class:`NotArticle` with a short ``reason`` (a stat suffix); nothing else
escapes.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from antara_crawler.dates import fill_article_dates, parse_date, to_iso
from antara_crawler.items import Article, RelatedLink
from antara_crawler.urls import ArticleRef, parse_article_url

from . import amp, classic, generic, metadata, wrap
from .page import Page, Partial, RawLink, text_of
from .text import norm, parse_oleh_line
from .tree import NotArticle, decode, parse_tree, parse_tree_data

logger = logging.getLogger(__name__)


#: Template layers, most specific first; each returns None when its markup is absent.
_TEMPLATES: tuple[Callable[[Page], Partial | None], ...] = (amp.extract, wrap.extract, classic.extract)
#: Fallback layers, in order, with the fields each can produce; a layer runs only when one of them is still
#: missing, and is told which ones (``wanted``) so it computes nothing else.
_FALLBACKS: tuple[tuple[Callable[[Page, frozenset[str]], Partial], frozenset[str]], ...] = (
    (generic.visible, generic.VISIBLE_FIELDS),  # what the page prints outranks what its metadata claims
    (metadata.jsonld, metadata.JSONLD_FIELDS),
    (metadata.opengraph, metadata.OPENGRAPH_FIELDS),
    (metadata.time_tag, metadata.TIME_FIELDS),
    (metadata.itemprop, metadata.ITEMPROP_FIELDS),
    (generic.extract, generic.FIELDS),
)
#: field -> the field whose layer it must share.
_COUPLED = {
    "dateline": "body",
    "baca_juga": "body",
    "bylines": "body",
    "editor": "reporter",
    "published_machine": "published_raw",
}

#: anchor field -> the fields coupled to it, in ``_COUPLED`` order (``_take`` looks them up for every field).
_DEPENDENTS: dict[str, tuple[str, ...]] = {}
for _dep, _anchor in _COUPLED.items():
    _DEPENDENTS[_anchor] = (*_DEPENDENTS.get(_anchor, ()), _dep)
del _dep, _anchor

#: A whole heading saying "page not found" (anchored: a real headline may contain "... tidak ada ...").
_NOT_FOUND = re.compile(
    r"^(?:(?:error\s+)?404\b.*|(?:page\s+)?not\s+found\b.*"
    r"|(?:maaf,?\s+)?(?:halaman|page|berita|artikel|konten)(?:\s+yang\s+anda\s+cari)?"
    r"\s+(?:tidak\s+(?:ditemukan|tersedia|ada)|not\s+found)[.!]?)$",
    re.IGNORECASE,
)
#: Teaser items of a listing page (``/terkini``, an index) are regional ``article.simple-post.simple-big`` and www
#: ``div.card__post`` (the same markup ``extract/listing.py`` reads), looked up in ``Page.by_class``.
#: A page without article markup holding at least this many teaser items is a listing, not an article.
LISTING_MIN_ITEMS = 3


def parse_article(
    html: str | bytes,
    url: str,
    *,
    fetched_at: datetime | str | None = None,
    encoding: str | None = None,
) -> Article:
    """Parse one article page. ``url`` is the real article URL in any form (amp, utm, no slug).

    Raises :class:`NotArticle` for pages that are not articles: ``not_article_url``, ``empty``, ``binary``,
    ``not_found_page``, ``listing_page`` (a listing served at an article URL), ``missing_title``, ``missing_body``
    or ``parse_error`` (anything unexpected).
    """
    ref = parse_article_url(url)
    if ref is None:
        raise NotArticle("not_article_url", str(url)[:200])
    try:
        return _parse(html, url, ref, fetched_at, encoding)
    except NotArticle:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: no other exception escapes
        logger.debug("parse_article failed on %s", url, exc_info=True)
        raise NotArticle("parse_error", f"{type(exc).__name__}: {exc}"[:200]) from None


def _parse(
    html: str | bytes, url: str, ref: ArticleRef, fetched_at: datetime | str | None, encoding: str | None
) -> Article:
    root, data = parse_tree_data(html, encoding)
    page = Page(root=root, url=url, ref=ref, data=data)
    values, sources, template = _merge(page)
    title, body = values.get("title"), values.get("body")
    if _looks_not_found(page, values, template):
        raise NotArticle("not_found_page")
    if _looks_like_listing(page, template):
        raise NotArticle("listing_page")
    if not title:
        raise NotArticle("missing_title")
    if not body:
        raise NotArticle("missing_body")
    article = Article(
        url=_canonical(page, ref),
        portal=ref.portal,
        antara_id=ref.antara_id,
        title=title,
        body=body,
        dateline=values.get("dateline"),
        published_raw=values.get("published_raw"),
        reporter=values.get("reporter"),
        editor=values.get("editor"),
        category=values.get("category"),
        tags=list(values.get("tags") or []),
        image_url=values.get("image_url"),
        image_caption=values.get("image_caption"),
        related=_related(page, values.get("baca_juga") or [], values.get("related") or [], title),
        template=template,
        fetched_at=_fetched_at(fetched_at),
        field_sources=sources,
    )
    article.published_at = _machine_published_at(article, values.get("published_machine"))
    unparsed = fill_article_dates(article)
    if unparsed:
        logger.debug("unparsed dates on %s: %r", article.url, unparsed)
    return article


# --- merging the layers ----------------------------------------------------------------------------------------


def _merge(page: Page) -> tuple[dict[str, Any], dict[str, str], str]:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    template = ""
    for layer in _TEMPLATES:
        found = layer(page)
        if found is not None:
            template = found.layer
            _take(found, values, sources)
            _take_oleh(values, sources, date=False)
            break
    for layer, provides in _FALLBACKS:
        wanted = provides.difference(values)
        if wanted:
            _take(layer(page, wanted), values, sources)
    _take_oleh(values, sources, date=True)
    if not template:
        meta_layers = {"jsonld", "opengraph", "time", "itemprop"}
        core = (sources.get("title"), sources.get("body"), sources.get("published_raw"))
        template = "metadata" if any(s in meta_layers for s in core) else "generic"
    sources.pop("baca_juga", None)
    sources.pop("bylines", None)
    sources.pop("published_machine", None)
    return values, sources, template


def _take_oleh(values: dict[str, Any], sources: dict[str, str], *, date: bool) -> None:
    """An ``Oleh X [date]`` line that the body layer left out of the body (it ends the last page of multi-page
    stories) is the printed byline when no ``Pewarta:`` was found; with ``date``, its date fills a missing header
    date (lowest priority: every other layer was asked first)."""
    lines = values.get("bylines")
    found = parse_oleh_line(lines[-1]) if lines else None
    if found is None:
        return
    name, printed = found
    if values.get("reporter") is None and values.get("editor") is None:
        values["reporter"] = name
        sources["reporter"] = sources["bylines"]
    if date and printed and not values.get("published_raw"):
        values["published_raw"] = printed
        sources["published_raw"] = sources["bylines"]


def _take(part: Partial, values: dict[str, Any], sources: dict[str, str]) -> None:
    """Merge one layer's fields into ``values`` (first layer wins), keeping coupled fields together."""
    for name, value in part.values.items():
        if name in values:
            continue
        anchor = _COUPLED.get(name)
        if anchor is not None and anchor in sources and sources[anchor] != part.layer:
            continue
        values[name] = value
        sources[name] = part.layer
        if anchor is None:
            # the fields coupled to this one come from this layer, or stay empty (None blocks later layers)
            for dep in _DEPENDENTS.get(name, ()):
                if dep not in values and dep not in part.values:
                    values[dep] = None
                    sources[dep] = part.layer


def _looks_not_found(page: Page, values: dict[str, Any], template: str) -> bool:
    """A soft 404: the heading says "not found", or no article markup, no title, no date and no dateline."""
    heading = page.h1_text or metadata.strip_site_suffix(text_of(page.title_el))
    if heading and _NOT_FOUND.match(heading):
        return True
    if template != "generic" or metadata.is_article_metadata(page):
        return False
    if not values.get("title"):
        return True
    return not values.get("published_raw") and not values.get("dateline")


def _looks_like_listing(page: Page, template: str) -> bool:
    """A listing page (``/terkini``, an index) served at an article URL: no article markup at all (no template
    layer matched, no ``post-header``/``post-content``/``wrap__article-detail``, no JSON-LD article) and several
    teaser items. Without this the generic layer archives it as an article titled after the section."""
    if template not in ("generic", "metadata") or page.jsonld is not None:
        return False
    items = page.by_class("card__post", "div")
    big = [el for el in page.by_class("simple-post", "article") if "simple-big" in el.get("class", "").split()]
    if len(items) + len(big) < LISTING_MIN_ITEMS:
        return False  # (most pages: no teaser items, so the article markup need not be looked up)
    return not any(
        page.by_class(token)
        for token in ("post-header", "post-content", "wrap__article-detail", "wrap__article-detail-content")
    )


# --- output fields ---------------------------------------------------------------------------------------------


def _canonical(page: Page, ref: ArticleRef) -> str:
    """The page's own canonical URL when it names the same article (it keeps the slug), else the request's."""
    href = page.canonical_href or page.meta.get("og:url")
    if isinstance(href, str):
        own = parse_article_url(href.strip())
        if own is not None and own.key == ref.key and own.slug:
            return own.url
    return ref.url


def _related(page: Page, baca_juga: list[RawLink], terkait: list[RawLink], title: str | None) -> list[RelatedLink]:
    """The page's related links (hrefs resolved against the page's URL): see :func:`related_links`."""
    return related_links(
        page.ref,
        title,
        [(page.abs_url(href) or "", text, raw) for href, text, raw in baca_juga],
        [(page.abs_url(href) or "", text, raw) for href, text, raw in terkait],
    )


def related_links(
    ref: ArticleRef, title: str | None, baca_juga: list[RawLink], terkait: list[RawLink]
) -> list[RelatedLink]:
    """Canonical, article-only links from absolute hrefs: the Baca juga links, then the Berita Terkait ones.

    Each kind is its own list, as the page prints it: deduplicated within the kind (first wins), never across
    kinds (a story that is both an inline Baca juga and a Berita Terkait item is in both lists), page order within
    each kind. A link to the article itself (same ``(portal, id)``, or the same title under another URL) is left
    out. Multi-page articles (``paging.build_article``) pass the Baca juga links of every page, in page order.
    """
    own_title = norm(title).casefold() if title else None
    out: list[RelatedLink] = []
    for kind, links in (("baca_juga", baca_juga), ("berita_terkait", terkait)):
        seen: set[tuple[str, int]] = {ref.key}
        for href, text, raw in links:
            target = parse_article_url(href)
            if target is None or target.key in seen:
                continue
            if own_title and text and norm(text).casefold() == own_title:
                continue  # the article itself under another portal's URL (REAL-VARIATION §f)
            seen.add(target.key)
            out.append(RelatedLink(url=target.url, title=text or None, published_at=None, kind=kind, published_raw=raw))
    return out


def _machine_published_at(article: Article, machine: str | None) -> str | None:
    """The machine-readable time of the printed date (``<time datetime>``), which keeps the seconds, when it
    names the same minute as the printed text; else None (the printed text is parsed as usual)."""
    if not machine or not article.published_raw or machine == article.published_raw:
        return None
    exact = parse_date(machine, portal=article.portal)
    shown = parse_date(article.published_raw, portal=article.portal, base=_base(article.fetched_at))
    if exact is None or shown is None or abs((exact - shown).total_seconds()) >= 60:
        return None
    return to_iso(exact)


def _base(fetched_at: str) -> datetime | None:
    try:
        return datetime.fromisoformat(fetched_at)
    except ValueError:
        return None


#: (whole second of the clock, its ISO string): ``datetime.now`` and ``isoformat`` for every article cost more than
#: the rest of a small page's output fields.
_now_iso: tuple[int, str] = (0, "")


def _now() -> str:
    global _now_iso
    now = time.time()
    second = int(now)
    cached = _now_iso
    if cached[0] == second:
        return cached[1]
    text = datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds")
    _now_iso = (second, text)
    return text


def _fetched_at(value: datetime | str | None) -> str:
    if value is None:
        return _now()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


__all__ = ["NotArticle", "decode", "parse_article", "parse_tree", "related_links"]
