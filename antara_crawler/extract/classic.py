"""Layer 1, classic template: every regional portal, and www until ~2023.

Reads ``header.post-header`` (``h1``, ``p.simple-share`` with the category link and the date span, ``figure img``,
``.wp-caption-text``), ``div.post-content`` (the body), ``footer.post-meta .tags-wrapper`` (the byline),
``.tags-wrapper ul li a`` (tags) and ``div.related-posts article`` (Berita Terkait with their dates).
``div.quote_old`` in the header is a pull quote and never read.
"""

from __future__ import annotations

from lxml import etree

from .page import (
    Page,
    Partial,
    RawLink,
    caption_of,
    first,
    first_tag,
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
_TAG_LINKS = xp("descendant::ul/descendant::li/descendant::a")


def extract(page: Page) -> Partial | None:
    """The classic fields, or None when the page has neither ``header.post-header`` nor ``div.post-content``."""
    header = first(page.by_class("post-header", "header"))
    content = next((el for el in page.by_class("post-content", "div") if not _is_wrap(el)), None)
    if header is None and content is None:
        return None
    out = Partial("classic")
    if header is not None:
        out.set("title", text_of(first_tag(header, "h1")))
        share = first(iter_class(header, "p", "simple-share"))
        if share is not None:
            out.set("published_raw", _date_text(share))
            out.set("category", text_of(next(share.iterchildren("a"), None)))
        out.set("image_url", page.abs_url(img_src(first_tag(header, "img"))))
        out.set("image_caption", caption_of(header, "wp-caption-text"))
    else:
        wrapper = first(page.by_class("post-wrapper", "article"))
        out.set("title", text_of(first_tag(wrapper, "h1")))
    if content is not None:
        parts = element_blocks(content)
        out.set("body", parts.text)
        out.set("dateline", parts.dateline)
        out.set("baca_juga", [(href, title, None) for href, title in parts.baca_juga])
        out.set("bylines", parts.bylines)
    reporter, editor = _byline(page, content)
    out.set("reporter", reporter)
    out.set("editor", editor)
    out.set("tags", _tags(page))
    out.set("related", _related(page))
    return out


def _is_wrap(el: etree._Element) -> bool:
    return "wrap__article-detail-content" in (el.get("class") or "")


def _date_text(share: etree._Element) -> str | None:
    for span in share.iter("span", "time"):
        text = text_of(span)
        if looks_like_date(text):
            return text
    return None


def _byline(page: Page, content: etree._Element | None) -> tuple[str | None, str | None]:
    """The ``footer.post-meta .tags-wrapper`` byline; else a ``Pewarta:`` line left inside the body container."""
    candidates = [
        el for footer in page.by_class("post-meta", "footer") for el in iter_class(footer, "div", "tags-wrapper")
    ]
    if content is not None:
        candidates.append(content)
    for el in candidates:
        reporter, editor = parse_byline(byline_text(el))
        if reporter or editor:
            return reporter, editor
    return None, None


def _tags(page: Page) -> list[str]:
    return link_labels(a for box in page.by_class("tags-wrapper", "div") for a in _TAG_LINKS(box))


def _related(page: Page) -> list[RawLink]:
    out: list[RawLink] = []
    for box in page.by_class("related-posts", "div"):
        for item in box.iter("article"):
            link = item_link(item)
            if link is not None:
                out.append(link)
    return out
