"""Layer 1, AMP copies: ``<portal>.antaranews.com/amp/berita/<id>/<slug>`` and ``m.antaranews.com/amp/...``.

The AMP element names are **unknown**, so this layer leans on what every AMP page must have and on
generic shapes: ``<html amp>``/``<html ⚡>``, ``<link rel="canonical">`` (see :func:`amp_canonical`, which the
spider uses to fetch the full page), the first ``h1``, ``<time>`` or a date right after the headline, the first
``amp-img``/``figcaption``, a body container (``[itemprop=articleBody]``, a class such as ``amp-content``/
``article-content``/``post-content``, else ``<article>``, else the biggest text block) whose paragraphs are
de-duplicated (AMP copies may repeat the body; the first paragraph may lack the dateline), and the byline
lines of the article.
"""

from __future__ import annotations

import re

from lxml import etree

from antara_crawler.urls import canonical_url

from . import generic
from .page import Page, Partial, caption_of, first, img_src, link_labels, text_of, xp
from .text import byline_text, dedupe_paragraphs, element_blocks, norm, parse_byline, raw_text, split_dateline
from .tree import parse_tree

_CANONICAL = xp("/html/head/link[@rel='canonical']/@href | descendant::link[@rel='canonical']/@href")
_ARTICLE = xp("descendant::article")
#: Body-like containers: ``[itemprop=articleBody]`` or one of these class names (checked in Python: an XPath
#: ``descendant::*[contains(@class, ...) or ...]`` costs more than the whole parse of a small page).
_BODY_CLASS = re.compile(r"amp-(?:article-)?content|amp-body|article-content|post-content|article-body|entry-content")
_BODY_TAGS = ("div", "section", "article", "main")
_TIME = xp("descendant::time")
_IMG = xp("descendant::amp-img | descendant::img")
_TAGS = xp("descendant::a[contains(@href, '/tag/')]")
_AMP_PATH = re.compile(r"^https?://[^/]+/amp/", re.IGNORECASE)


def is_amp(page: Page) -> bool:
    """``<html amp>``/``<html ⚡>``; or an ``/amp/`` URL serving no classic or wrap markup (if the server answers an
    AMP URL with the full page, the full page's own layer reads it better)."""
    attrs = page.root.attrib
    if "amp" in attrs or "⚡" in attrs:
        return True
    if not _AMP_PATH.match(page.url):
        return False
    return not (page.by_class("post-content") or page.by_class("wrap__article-detail-content"))


def amp_canonical(html: str | bytes) -> str | None:
    """The canonical article URL an AMP page points to (``<link rel="canonical">``), canonicalised, or None."""
    try:
        root = parse_tree(html)
    except Exception:  # noqa: BLE001 - a helper for the spider: no page, no canonical
        return None
    href = first(_CANONICAL(root))
    return canonical_url(href.strip()) if isinstance(href, str) else None


def extract(page: Page) -> Partial | None:
    if not is_amp(page):
        return None
    out = Partial("amp")
    root = page.root
    scope = first(_ARTICLE(root))
    if scope is None:
        scope = root
    title = generic.title(page)
    out.set("title", title)
    time_el = first(_TIME(scope))
    raw = norm(raw_text(time_el)) if time_el is not None else ""
    if not generic.DATE_RE.search(raw):
        raw = (norm(time_el.get("datetime")) if time_el is not None else "") or generic.header_date(page) or ""
    out.set("published_raw", raw)
    out.set("image_url", page.abs_url(img_src(first(_IMG(scope)))))
    caption = caption_of(scope)
    out.set("image_caption", caption)
    body = _body_container(page, scope)
    if body is not None:
        parts = element_blocks(body)
        not_body = {title, raw, caption, time_el is not None and text_of(time_el)}
        paragraphs = [p for p in dedupe_paragraphs(parts.paragraphs) if p not in not_body]
        out.set("body", "\n\n".join(paragraphs))
        out.set("dateline", split_dateline(paragraphs[0]) if paragraphs else None)
        out.set("baca_juga", [(href, t, None) for href, t in parts.baca_juga])
        out.set("bylines", parts.bylines)
        reporter, editor = parse_byline(byline_text(scope if scope is not root else body))
        out.set("reporter", reporter)
        out.set("editor", editor)
    out.set("tags", link_labels(_TAGS(scope)))
    out.set("related", generic.related(root))
    return out


def _body_container(page: Page, scope: etree._Element) -> etree._Element | None:
    """A body-like container holding ``<p>`` children (a wrapper class may match too); else the ``<article>``, else
    the biggest text block."""
    candidates = [
        el
        for el in page.root.iter(*_BODY_TAGS)
        if el.get("itemprop") == "articleBody" or _BODY_CLASS.search(el.get("class") or "")
    ]
    for el in candidates:
        if any(child.tag == "p" for child in el):
            return el
    if candidates:
        return candidates[0]
    return scope if scope is not page.root else generic.body_block(page)
