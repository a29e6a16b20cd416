"""Layer 3, generic heuristics, for fields no template or metadata layer produced (SITE.md "layers").

* title: the first ``h1``, else ``og:title``, else ``<title>`` without its `` - ANTARA News...`` suffix;
* date: an Indonesian date (``Jumat, 1 September 2023 10:15 WIB``) among the first text nodes **after** the
  headline, so menus, the header's "today" line and the sidebar (before or far after it) are never read;
* body: the element holding the most paragraph text (its ``<p>`` children and ``<br>``-separated text);
* byline: ``Pewarta``/``Editor`` regex over that block and its parent;
* category: the last item of a breadcrumb; related: links under a "Berita Terkait" heading.
"""

from __future__ import annotations

import re

from lxml import etree

from .metadata import strip_site_suffix
from .page import Page, Partial, RawLink, first, looks_like_date, text_of, xp
from .text import byline_text, element_blocks, norm, parse_byline, raw_text

_MONTHS = (
    r"(?:Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Agu|Agt|Agst|Ags|Sep|Sept|Okt|Nov|Nop|Des)"
)
#: A printed publication date: optional weekday, day, month name, year, optional time and zone label.
DATE_RE = re.compile(
    r"(?:(?:Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Jum’at|Sabtu|Minggu|Ahad),?\s*)?"
    r"\b\d{1,2}\s+" + _MONTHS + r"\.?\s+\d{4}"
    r"(?:,?\s+(?:pukul\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:WIB|WITA|WIT)\b)?)?",
    re.IGNORECASE,
)

_H1 = xp("descendant::h1")
_TITLE = xp("/html/head/title | descendant::title")
_AFTER_H1 = xp("following::text()[normalize-space()][position() <= 40]")
_CRUMBS = xp("./li")
_LINKS = xp("descendant::a[@href]")
_ITEM_DATE = xp("descendant::span | descendant::time")
_NOT_BODY = frozenset({"nav", "aside", "footer", "header", "form", "menu"})


def title(page: Page) -> str | None:
    h1 = first(_H1(page.root))
    found = text_of(h1) if h1 is not None else ""
    if not found:
        found = strip_site_suffix(page.meta.get("og:title")) or strip_site_suffix(text_of(first(_TITLE(page.root))))
    return found or None


def header_date(page: Page) -> str | None:
    """The first Indonesian date among the text nodes right after the first ``h1``."""
    h1 = first(_H1(page.root))
    if h1 is None:
        return None
    for text in _AFTER_H1(h1):
        m = DATE_RE.search(text)
        if m:
            return norm(m.group(0))
    return None


def body_block(page: Page) -> etree._Element | None:
    """The element with the most paragraph text (outside nav/aside/footer)."""
    scores: dict[etree._Element, int] = {}
    for el in page.root.iter("p", "br"):
        parent = el.getparent()
        if parent is None:
            continue
        size = len(raw_text(el)) if el.tag == "p" else len(el.tail or "")
        scores[parent] = scores.get(parent, 0) + size
    for parent in sorted(scores, key=scores.__getitem__, reverse=True):
        if scores[parent] < 80:
            return None
        if not any(a.tag in _NOT_BODY for a in parent.iterancestors()) and parent.tag not in _NOT_BODY:
            return parent
    return None


FIELDS = frozenset({"title", "published_raw", "body", "reporter", "category", "related"})


def extract(page: Page, wanted: frozenset[str] = FIELDS) -> Partial:
    """The generic guesses for the ``wanted`` fields only (each costs a scan of the page)."""
    out = Partial("generic")
    if "title" in wanted:
        out.set("title", title(page))
    if "published_raw" in wanted:
        out.set("published_raw", header_date(page))
    block = body_block(page) if "body" in wanted or "reporter" in wanted else None
    if block is not None:
        if "body" in wanted:
            parts = element_blocks(block)
            out.set("body", parts.text)
            out.set("dateline", parts.dateline)
            out.set("baca_juga", [(href, t, None) for href, t in parts.baca_juga])
        if "reporter" in wanted:
            scope = block.getparent() if block.getparent() is not None else block
            reporter, editor = parse_byline(byline_text(scope))
            out.set("reporter", reporter)
            out.set("editor", editor)
    if "category" in wanted:
        for token in ("breadcrumb", "breadcrumbs"):
            for box in page.by_class(token):
                crumbs = [c for c in (text_of(li) for li in _CRUMBS(box)) if c]
                if len(crumbs) > 1:
                    out.set("category", crumbs[-1])
                    break
    if "related" in wanted:
        out.set("related", related(page.root))
    return out


def related(root: etree._Element) -> list[RawLink]:
    """Links under a "Berita Terkait" heading, with a printed date from the link's own item when there is one."""
    out: list[RawLink] = []
    for head in root.iter("h2", "h3", "h4", "h5"):
        if norm(raw_text(head)).lower() != "berita terkait":
            continue
        box = head.getparent()
        if box is None:
            continue
        for a in _LINKS(box):
            label = text_of(a) or norm(a.get("title"))
            if not label:
                continue
            out.append((a.get("href", ""), label, _item_date(a, box)))
        if out:
            break
    return out


def _item_date(a: etree._Element, box: etree._Element) -> str | None:
    item = a.getparent()
    for _ in range(4):  # climb to the link's own card, never to the whole block
        if item is None or item is box or len({x.get("href") for x in _LINKS(item)}) > 1:
            return None
        for el in _ITEM_DATE(item):
            text = text_of(el)
            if looks_like_date(text) and DATE_RE.search(text):
                return text
        item = item.getparent()
    return None
