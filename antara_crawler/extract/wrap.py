"""Layer 1, wrap template: www.antaranews.com since ~late 2023.

Reads ``.wrap__article-detail-title h1``, the date span of ``.wrap__article-detail-info`` (skipping the
``3 menit baca`` reading time), ``ul.breadcrumbs`` (category = last item), ``.wrap__article-detail-image``
(``img``, ``figcaption``), ``.wrap__article-detail-content`` (the ``<p>`` body), its ``p.text-muted`` byline,
``.blog-tags li a`` (tags, ``#`` stripped) and the ``card__post`` cards under the "Berita Terkait" heading.
"""

from __future__ import annotations

from lxml import etree

from .page import (
    Page,
    Partial,
    RawLink,
    first,
    first_tag,
    has_class,
    img_src,
    item_link,
    iter_class,
    link_labels,
    looks_like_date,
    text_of,
    xp,
)
from .text import byline_text, element_blocks, parse_byline

# Containers come from Page.by_class (one indexed pass); the queries below run inside them.
_DATE_PRIMARY = xp(f"descendant::li[{has_class('mr-2')}]/descendant::span[{has_class('text-secondary')}]")


def extract(page: Page) -> Partial | None:
    """The wrap fields, or None when the page has no ``.wrap__article-detail-content``."""
    content = first(page.by_class("wrap__article-detail-content", "div"))
    if content is None:
        return None
    out = Partial("wrap")
    box = first(page.by_class("wrap__article-detail-title") or page.by_class("wrap__article-detail"))
    out.set("title", text_of(first_tag(box if box is not None else page.root, "h1")))
    info = first(page.by_class("wrap__article-detail-info"))
    if info is not None:
        out.set("published_raw", _date_text(info))
    out.set("category", _category(page))
    image = first(page.by_class("wrap__article-detail-image"))
    if image is not None:
        out.set("image_url", page.abs_url(img_src(first_tag(image, "img"))))
        out.set("image_caption", text_of(first_tag(image, "figcaption")))
    parts = element_blocks(content)
    out.set("body", parts.text)
    out.set("dateline", parts.dateline)
    out.set("baca_juga", [(href, title, None) for href, title in parts.baca_juga])
    out.set("bylines", parts.bylines)
    reporter, editor = _byline(content)
    out.set("reporter", reporter)
    out.set("editor", editor)
    out.set("tags", _tags(page))
    out.set("related", _related(page))
    return out


def _byline(content: etree._Element) -> tuple[str | None, str | None]:
    """The ``p.text-muted`` byline; else ``Pewarta:`` lines anywhere in the body container."""
    for el in [*iter_class(content, "p", "text-muted"), content]:
        reporter, editor = parse_byline(byline_text(el))
        if reporter or editor:
            return reporter, editor
    return None, None


def _date_text(info: etree._Element) -> str | None:
    for span in _DATE_PRIMARY(info) + list(info.iter("span", "time")):
        text = text_of(span)
        if looks_like_date(text):
            return text
    return None


def _category(page: Page) -> str | None:
    for ul in page.by_class("breadcrumbs", "ul"):
        crumbs = [c for c in (text_of(li) for li in ul.iterchildren("li")) if c]
        if len(crumbs) > 1:
            return crumbs[-1]
    return None


def _tags(page: Page) -> list[str]:
    return link_labels(a for box in page.by_class("blog-tags") for a in box.iter("a"))


def _related(page: Page) -> list[RawLink]:
    out: list[RawLink] = []
    for box in page.by_class("wrapper__list__article"):
        if not any("terkait" in text_of(h).lower() for h in box.iterchildren("h2", "h3", "h4", "h5")):
            continue  # "Terpopuler" and other lists share the class
        for card in iter_class(box, "div", "card__post"):
            link = item_link(card)
            if link is not None:
                out.append(link)
    return out
