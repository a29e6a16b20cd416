"""Layer 3, generic heuristics, for fields no template or metadata layer produced.

* title: the first ``h1``, else ``og:title``, else ``<title>`` without its `` - ANTARA News...`` suffix;
* date: an Indonesian date (``Jumat, 1 September 2023 10:15 WIB``) among the first text nodes **after** the
  headline, so menus, the header's "today" line and the sidebar (before or far after it) are never read;
* body: the element holding the most paragraph text (its ``<p>`` children and ``<br>``-separated text);
* byline: ``Pewarta``/``Editor`` regex over that block and its parent;
* category: the last item of a breadcrumb, else the section menu's highlighted item;
* related: the links of every box under a related heading ("Berita Terkait", "Berita Lainnya", "Baca Juga");
* ``visible`` (asked before the metadata layers): the byline printed after the headline and the lead image
  printed between the headline and the story, with its caption.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from antara_crawler.dates import MONTH_PATTERN

from .metadata import strip_site_suffix
from .page import Page, Partial, RawLink, caption_of, first, img_src, looks_like_date, text_of, xp
from .text import byline_text, element_blocks, norm, parse_byline, parse_oleh, raw_text

#: A printed publication date: optional weekday, day, month name, year, optional time and zone label.
DATE_RE = re.compile(
    r"(?:(?:Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Jum’at|Sabtu|Minggu|Ahad),?\s*)?"
    r"\b\d{1,2}\s+" + MONTH_PATTERN + r"\.?\s+\d{4}"
    r"(?:,?\s+(?:pukul\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:WIB|WITA|WIT)\b)?)?",
    re.IGNORECASE,
)

#: The header date is looked for among this many non-blank text nodes after the headline.
AFTER_H1_TEXTS = 40
_XPATH_SPACE = " \t\r\n"  # what XPath's normalize-space() strips (not U+00A0)
_CRUMBS = xp("./li")
_NOT_BODY = frozenset({"nav", "aside", "footer", "header", "form", "menu"})


def title(page: Page) -> str | None:
    found = page.h1_text
    if not found:
        found = strip_site_suffix(page.meta.get("og:title")) or strip_site_suffix(text_of(page.title_el))
    return found or None


def header_date(page: Page) -> str | None:
    """The first Indonesian date among the text nodes right after the first ``h1``."""
    seen = 0
    for text in page.texts_after_h1:
        if not text.strip(_XPATH_SPACE):
            continue
        m = DATE_RE.search(text)
        if m:
            return norm(m.group(0))
        seen += 1
        if seen == AFTER_H1_TEXTS:
            break
    return None


def body_block(page: Page) -> etree._Element | None:
    """The element with the most paragraph text (outside nav/aside/footer)."""
    scores: dict[etree._Element, int] = {}
    for el in page.root.iter("p", "br"):
        parent = el.getparent()
        if parent is None:
            continue
        if el.tag == "p":
            size = len(raw_text(el))
        else:  # a ``<br>`` body: the text after each break, and the lead before the first one
            size = len(el.tail or "") + (len(parent.text or "") if parent not in scores else 0)
        scores[parent] = scores.get(parent, 0) + size
    if not scores:
        return None
    # the best-scored block is nearly always the body: ``max`` (the first of equal scores, as the stable sort
    # below gives) spares sorting every paragraph parent of the page
    best = max(scores, key=scores.__getitem__)
    if scores[best] < 80:
        return None
    if _outside_chrome(best):
        return best
    for parent in sorted(scores, key=scores.__getitem__, reverse=True):
        if scores[parent] < 80:
            return None
        if _outside_chrome(parent):
            return parent
    return None


def _outside_chrome(el: etree._Element) -> bool:
    """Neither ``el`` nor an ancestor is a nav/aside/footer/header/form/menu."""
    return el.tag not in _NOT_BODY and not any(a.tag in _NOT_BODY for a in el.iterancestors())


FIELDS = frozenset({"title", "published_raw", "body", "reporter", "category", "related"})
#: What the page prints visibly near its headline; asked BEFORE the metadata layers (a printed byline outranks
#: JSON-LD ``author``, the in-page image outranks ``og:image``, which is often a ``/small/`` variant).
VISIBLE_FIELDS = frozenset({"reporter", "image_url"})

#: Text printed between the headline and the lead image is short (date, byline, share counts); past this many
#: characters the story has begun and an image is an in-body or sidebar image, not the lead.
LEAD_TEXT_MAX = 400
#: The text nodes after the headline as plain strings (one XPath: ``contains()`` over every node in XPath costs
#: several times more than joining them and searching the joined string).
_FOLLOWING_TEXT = etree.XPath("following::text()", smart_strings=False)
#: The ``i``-th of those text nodes (1-based) as a node-aware string (``getparent``, ``is_tail``): only the label
#: hits are looked up so, plain strings for all the rest cost a third of "smart" ones on a 50 KB page.
#: The position is a literal in the expression (one compiled XPath per position, kept): libxml2 stops the axis
#: walk at a literal position, while ``(following::text())[$i]`` collects the whole axis first (about 60 us on a
#: 50 KB page against 3.5 us, for each label hit).
_NTH_FOLLOWING: dict[int, etree.XPath] = {}
_NTH_FOLLOWING_MAX = 4096


def nth_following_text(el: etree._Element, i: int) -> etree._ElementUnicodeResult | None:
    """``(following::text())[i]`` of ``el`` (1-based), the text node itself, or None."""
    find = _NTH_FOLLOWING.get(i)
    if find is None:
        if len(_NTH_FOLLOWING) >= _NTH_FOLLOWING_MAX:
            _NTH_FOLLOWING.clear()
        find = _NTH_FOLLOWING[i] = etree.XPath(f"following::text()[{int(i)}]")
    return first(find(el))


_BYLINE_LABELS = ("Pewarta", "Editor", "Penyunting", "Oleh ")
_TEXT_SKIP = frozenset({"script", "style", "noscript", "template"})


def visible(page: Page, wanted: frozenset[str] = VISIBLE_FIELDS) -> Partial:
    """The byline printed after the headline (``Pewarta:``/``Oleh`` and ``Editor:``, wherever they stand) and
    the lead image printed between the headline and the story, with its caption."""
    out = Partial("generic")
    h1 = page.h1
    if h1 is None:
        return out
    if "reporter" in wanted:
        reporter, editor = printed_byline(h1, page.texts_after_h1)
        out.set("reporter", reporter)
        out.set("editor", editor)
    if "image_url" in wanted and next(page.root.iter("img"), None) is not None:  # no image: no walk after h1
        img = lead_image(h1)
        if img is not None:
            out.set("image_url", page.abs_url(img_src(img)))
            if "image_url" in out.values:
                out.set("image_caption", _caption_near(img))
    return out


def printed_byline(h1: etree._Element, texts: list[str] | None = None) -> tuple[str | None, str | None]:
    """The first ``Pewarta:``/``Oleh X`` and the first ``Editor:`` printed after the headline (``texts``: the
    text nodes after it, :attr:`Page.texts_after_h1`, when the caller has them)."""
    reporter = editor = None
    if texts is None:
        texts = _FOLLOWING_TEXT(h1)
    joined = "\x00".join(texts)
    read: list[etree._Element] = []  # a block holding several labels is read once (the same line, the same names)
    nodes: set[int] = set()
    for at in _label_offsets(joined):
        i = joined.count("\x00", 0, at) + 1
        if i in nodes:
            continue  # another label of a text node already read
        nodes.add(i)
        text = nth_following_text(h1, i)
        el = text.getparent() if text is not None else None
        if el is None or el.tag in _TEXT_SKIP:
            continue
        if text.is_tail:  # a tail belongs to the element's parent block
            el = el.getparent() if el.getparent() is not None else el
        if any(el is done for done in read):
            continue
        read.append(el)
        line = byline_text(el)
        r, e = parse_byline(line)
        if r is None and reporter is None:
            r = next((n for n in (parse_oleh(x) for x in line.split("\n")) if n), None)
        reporter = reporter or r
        editor = editor or e
        if reporter and editor:
            break
    return reporter, editor


def _label_offsets(joined: str, limit: int = 8) -> list[int]:
    """Offsets of the byline labels in the ``\\x00``-joined text nodes, in order (``str.find``: a regex
    alternation over a whole page's text costs more than the rest of the layer). ``Oleh`` counts only at the
    start of a text node."""
    offsets: list[int] = []
    for label in _BYLINE_LABELS:
        at = joined.find(label)
        while at >= 0 and len(offsets) < limit * len(_BYLINE_LABELS):
            if label != "Oleh " or not joined[joined.rfind("\x00", 0, at) + 1 : at].strip():
                offsets.append(at)
            at = joined.find(label, at + 1)
    return sorted(offsets)[:limit]


def lead_image(h1: etree._Element) -> etree._Element | None:
    """The first image after the headline, before LEAD_TEXT_MAX characters of text, that is not a link's
    thumbnail (related and sidebar items link their pictures) and is an image file."""
    seen = 0
    for el in _following(h1):
        if not isinstance(el.tag, str):
            continue
        if el.tag in _TEXT_SKIP:
            seen += len((el.tail or "").strip())
            continue
        if el.tag == "img" and img_src(el) and not any(a.tag == "a" for a in el.iterancestors()):
            return el
        seen += len((el.text or "").strip()) + len((el.tail or "").strip())
        if seen > LEAD_TEXT_MAX:
            return None
    return None


def _following(el: etree._Element) -> Iterator[etree._Element]:
    """The elements after ``el`` in document order (its own descendants excluded)."""
    node: etree._Element | None = el
    while node is not None:
        for sib in node.itersiblings():
            yield sib
            yield from sib.iterdescendants()
        node = node.getparent()


def _caption_near(img: etree._Element) -> str | None:
    """The caption printed with the image: a ``figcaption`` or a ``caption`` class/id next to it."""
    scope = img.getparent()
    for _ in range(2):
        if scope is None:
            return None
        found = caption_of(scope)
        if found:
            return found
        scope = scope.getparent()
    return None


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
            out.set("bylines", parts.bylines)
        if "reporter" in wanted:
            scope = block.getparent() if block.getparent() is not None else block
            reporter, editor = parse_byline(byline_text(scope))
            out.set("reporter", reporter)
            out.set("editor", editor)
    if "category" in wanted:
        out.set("category", category(page))
    if "related" in wanted:
        out.set("related", related(page.root))
    return out


#: The section menu's highlighted item (``Page.active_items``); ``Home``/``Beranda``/``Terkini`` are not sections.
_ACTIVE_TOKENS = frozenset({"active", "current", "selected"})
_NOT_SECTIONS = frozenset({"home", "beranda", "terkini", "indeks", "index", "terpopuler", "video", "foto"})


def category(page: Page) -> str | None:
    """The last item of a breadcrumb; else the highlighted item of the section menu (its own link's text)."""
    for token in ("breadcrumb", "breadcrumbs"):
        for box in page.by_class(token):
            crumbs = [c for c in (text_of(li) for li in _CRUMBS(box)) if c]
            if len(crumbs) > 1:
                return crumbs[-1]
    for li in page.active_items:
        if _ACTIVE_TOKENS.isdisjoint((li.get("class") or "").split()):
            continue  # "inactive", "active-tab"...
        link = next(li.iterchildren("a"), None)
        label = text_of(link) if link is not None else ""
        if label and label.lower() not in _NOT_SECTIONS and len(label) <= 40:
            return label
    return None


#: Headings of related-article boxes (exact text, any element): the regional and www "Berita Terkait", the old
#: www "Berita Lainnya" box and the slide-in "Baca Juga" box. An inline ``Baca juga:`` line (with its colon) is
#: the body's, not a box.
RELATED_HEADINGS = frozenset({"berita terkait", "berita lainnya", "baca juga", "related news", "artikel terkait"})
_YEAR = re.compile(r"\b\d{4}\b")
_TITLE_TAGS = ("h2", "h3", "h4", "h5", "h6")
_HEADINGS_BYTES = tuple(heading.encode() for heading in RELATED_HEADINGS)
_HEADINGS_SET = frozenset(_HEADINGS_BYTES)
_HEADING_MAX = max(len(heading) for heading in _HEADINGS_BYTES)
_HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6", "div", "span", "p", "strong", "b")


def related(root: etree._Element) -> list[RawLink]:
    """Article links of every box under a related heading, in document order, one entry per URL, with a printed
    date from the link's own item when there is one. The box is the heading's nearest ancestor holding links."""
    out: list[RawLink] = []
    seen: dict[str, int] = {}  # href -> position in out
    boxes: list[etree._Element] = []
    for head in _headings(root):
        if len(head) > 1 or (head.tail or "").lstrip().startswith(":"):
            continue
        box = head.getparent()
        while box is not None and not _has_link(box):
            box = box.getparent()
        if box is None or any(b is box or box in b.iterancestors() for b in boxes):
            continue
        boxes.append(box)
        dated = bool(_YEAR.search(raw_text(box)))  # no year printed in the box: no item date to look for
        for a in _links(box):
            href = a.get("href", "")
            label = text_of(a) or norm(a.get("title"))
            if href in seen:
                i = seen[href]
                if label and not out[i][1]:
                    out[i] = (href, label, out[i][2])
                continue
            seen[href] = len(out)
            out.append((href, label, _item_date(a, box) if dated else None))
    return [link for link in out if link[1]]


def _headings(root: etree._Element) -> list[etree._Element]:
    """Elements whose own text is exactly a related heading, in document order.

    Headings marked up as ``h2``-``h6`` first. Else (a heading in a ``div`` or ``span``) the page's text, lower-cased
    as UTF-8 bytes (ASCII case only, at memory speed), must hold a heading at all; then only the own text
    (``.text``) of the elements a heading can be (``_HEADING_TAGS``) is compared, stripped and lower-cased the same
    way. (Joining every text node of the page to search them as one string, then looking the hits up by position,
    cost about three times more: most of a page's text nodes are tails and body text no heading can be.)"""
    marked = [h for h in root.iter(*_TITLE_TAGS) if norm(raw_text(h)).lower() in RELATED_HEADINGS]
    if marked:
        return marked  # the page marks its box headings as headings: read those (cheap: few such elements)
    blob = etree.tostring(root, method="text", encoding="utf-8").lower()
    if not any(_heading_at(blob, heading) for heading in _HEADINGS_BYTES):
        return []
    out: list[etree._Element] = []
    for el in root.iter(*_HEADING_TAGS):
        own = el.text
        # a heading is at most _HEADING_MAX ASCII bytes once stripped, so its text is at most that many characters
        # once stripped of any whitespace (str.strip removes all that bytes.strip does, and more): most own texts
        # (paragraphs, menu labels) fail that length test without being encoded
        if (
            own
            and (len(own) <= _HEADING_MAX or len(own.strip()) <= _HEADING_MAX)
            and own.encode("utf-8", "surrogatepass").lower().strip() in _HEADINGS_SET
        ):
            out.append(el)
    return out


def _heading_at(blob: bytes, heading: bytes) -> bool:
    """True when ``heading`` occurs in the page text not followed by a colon (``Baca juga:`` is an inline line)."""
    at = blob.find(heading)
    while at >= 0:
        if blob[at + len(heading) : at + len(heading) + 8].lstrip()[:1] != b":":
            return True
        at = blob.find(heading, at + 1)
    return False


def _links(el: etree._Element) -> list[etree._Element]:
    """The links (``a`` with an ``href``) inside ``el``, document order: ``descendant::a[@href]`` as a C-level
    ``iterdescendants``, without an XPath evaluation's set-up cost, which on a small box costs more than the walk
    (``related`` asks it for every box, every ancestor climbed and every item of a box)."""
    return [a for a in el.iterdescendants("a") if a.get("href") is not None]


def _has_link(el: etree._Element) -> bool:
    return any(a.get("href") is not None for a in el.iterdescendants("a"))


def _item_date(a: etree._Element, box: etree._Element) -> str | None:
    item = a.getparent()
    for _ in range(4):  # climb to the link's own card, never to the whole block
        if item is None or item is box or len({x.get("href") for x in _links(item)}) > 1:
            return None
        for el in item.iterdescendants("span", "time"):
            text = text_of(el)
            if looks_like_date(text) and DATE_RE.search(text):
                return text
        item = item.getparent()
    return None
