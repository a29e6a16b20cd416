"""The parsed page shared by the layers, plus the small helpers every layer uses.

A :class:`Page` holds the lxml tree (parsed once), the article URL it was fetched for, and lazily built views
that several layers read: the ``<meta>`` map of ``<head>`` and the JSON-LD ``NewsArticle`` object.
Each layer returns a :class:`Partial`: the fields it found, by name.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from antara_crawler.urls import ArticleRef

from .text import norm, raw_text

logger = logging.getLogger(__name__)

#: (href as written, title, printed date or None)
RawLink = tuple[str, str, str | None]

_ARTICLE_TYPES = frozenset({"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle"})


def has_class(cls: str) -> str:
    """An XPath predicate for ``class~=cls`` (a whole class token); the plain ``contains`` filters cheaply first."""
    return f"contains(@class, '{cls}') and contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


def xp(expr: str) -> etree.XPath:
    """Compile an XPath once, at import time."""
    return etree.XPath(expr)


_FOLLOWING_TEXT = etree.XPath("following::text()", smart_strings=False)
#: The ``itemprop`` attributes of the document, in document order (their parents are ``descendant::*[@itemprop]``
#: plus the root when it has one): libxml2 walks ``//@name`` about four times faster than it evaluates the
#: ``[@itemprop]`` predicate on every element.
_ITEMPROP_ATTRS = etree.XPath("//@itemprop")


def _cached(fn: Callable[[Page], Any]) -> Any:
    """A property computed once per page and kept in the instance's ``__dict__`` under its own name
    (``functools.cached_property`` takes a lock on every read before Python 3.12)."""
    name = fn.__name__

    @wraps(fn)
    def get(self: Page) -> Any:
        cache = self.__dict__
        if name in cache:
            return cache[name]
        value = cache[name] = fn(self)
        return value

    return property(get)


@dataclass
class Partial:
    """Fields found by one layer; ``None``/empty means "not found here, ask the next layer"."""

    layer: str
    values: dict[str, Any] = field(default_factory=dict)

    def set(self, name: str, value: Any) -> None:
        if value in (None, "", [], ()):
            return
        if name == "image_url" and not is_image_url(value):
            return  # a folder, a placeholder or blank.png is no image: the next layer may have one
        self.values[name] = value


#: Class tokens the template layers look up, indexed in one pass over the container-like tags of the page
#: (an order of magnitude cheaper than one ``//*[contains(@class, ...)]`` scan per selector).
CLASS_TOKENS = frozenset(
    [
        "post-wrapper",
        "post-header",
        "post-content",
        "post-meta",
        "tags-wrapper",
        "related-posts",
        "wrap__article-detail",
        "wrap__article-detail-title",
        "wrap__article-detail-info",
        "wrap__article-detail-image",
        "wrap__article-detail-content",
        "blog-tags",
        "wrapper__list__article",
        "breadcrumbs",
        "breadcrumb",
        "card__post",
        "simple-post",
    ]
)
_INDEXED_TAGS = frozenset(("div", "header", "footer", "article", "ul", "ol"))
#: The index (``Page._index``) also keeps the few single elements the layers look up (headline, ``<title>``,
#: ``<meta>``/``<link>``, JSON-LD scripts, ``<time datetime>``, menu items): a C-level ``iter`` per kind replaces an
#: XPath evaluation per lookup (each costs several microseconds of set-up alone, which on a 1 KB page is a fifth of
#: its parse; and libxml2's ``descendant::`` scans are slower per node).


@dataclass
class Page:
    root: etree._Element
    url: str  # the real URL the page was fetched for
    ref: ArticleRef
    #: the bytes lxml parsed (``tree.parse_tree``), for cheap "does the page hold this word at all" checks;
    #: None when the caller built the tree itself
    data: bytes | None = None
    _classes: dict[str, list[etree._Element]] | None = None
    _meta: dict[str, str] | None = None
    _jsonld: dict[str, Any] | None = None
    _jsonld_done: bool = False
    # filled by _index()
    _h1: etree._Element | None = field(default=None, init=False, repr=False)
    _title_el: etree._Element | None = field(default=None, init=False, repr=False)
    _heads: list[etree._Element] = field(default_factory=list, init=False, repr=False)
    _scripts: list[etree._Element] = field(default_factory=list, init=False, repr=False)
    _times: list[etree._Element] = field(default_factory=list, init=False, repr=False)
    _active: list[etree._Element] = field(default_factory=list, init=False, repr=False)
    #: Every element of the tree, held for the life of the page. lxml builds a Python proxy for an element when code
    #: first touches it and frees it when the last reference goes: without this list each walk of the layers
    #: (the index pass, the body and heading scans, the walk after the headline...) builds and frees a proxy per
    #: element again, about three quarters of the cost of a C-level ``iter`` over a 50 KB page. Held, later walks
    #: find the proxies already there; building them all once is one C-level pass.
    _held: list[etree._Element] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self._held = list(self.root.iter())

    def _index(self) -> dict[str, list[etree._Element]]:
        """The class index of the container tags and the element lists the properties below read, in document
        order. A C-level ``iter`` per kind of element, so the tag of a container, ``li`` or ``meta`` is never read in
        Python (a string built per element, then a chain of comparisons: on a 50 KB page that cost a quarter more
        than these walks); the rare kinds share one walk, as each ``iter`` has a set-up cost of its own."""
        index: dict[str, list[etree._Element]] = {}
        h1: etree._Element | None = None
        title: etree._Element | None = None
        scripts: list[etree._Element] = []
        times: list[etree._Element] = []
        root = self.root
        for el in root.iter(*_INDEXED_TAGS):
            cls = el.get("class")
            if cls:
                found = _CLASS_TOKENS_OF.get(cls)
                if found is None:
                    found = _class_tokens(cls)
                for tok in found:
                    index.setdefault(tok, []).append(el)
        active = [
            el
            for el in root.iter("li")
            if (cls := el.get("class")) and ("active" in cls or "current" in cls or "selected" in cls)
        ]
        heads = list(root.iter("meta", "link"))
        for el in root.iter("h1", "title", "script", "time"):  # few of these: one walk, their tags read
            tag = el.tag
            if tag == "script":
                if el.get("type") == "application/ld+json":
                    scripts.append(el)
            elif tag == "time":
                if el.get("datetime") is not None:
                    times.append(el)
            elif tag == "h1":
                if h1 is None:
                    h1 = el
            elif title is None:  # (the one tag left: <title>)
                title = el
        self._classes = index
        self._h1, self._title_el, self._heads = h1, title, heads
        self._scripts, self._times, self._active = scripts, times, active
        return index

    def by_class(self, token: str, tag: str | None = None) -> list[etree._Element]:
        """Elements (of the container-like tags) carrying class ``token`` (one of CLASS_TOKENS), page order."""
        index = self._classes if self._classes is not None else self._index()
        found = index.get(token, [])
        return [el for el in found if el.tag == tag] if tag else found

    def _indexed(self, name: str) -> Any:
        if self._classes is None:
            self._index()
        return getattr(self, name)

    @property
    def h1(self) -> etree._Element | None:
        """The page's first ``h1`` (``descendant::h1``): the headline the generic title, date, byline and lead image
        are read after, and the soft-404 check reads."""
        return self._indexed("_h1")

    @_cached
    def h1_text(self) -> str:
        """The normalised text of :attr:`h1` ("" without one): the generic title and the soft-404 check both read
        it."""
        return text_of(self.h1)

    @_cached
    def texts_after_h1(self) -> list[str]:
        """The text nodes after the first ``h1`` (its own excluded), document order, as plain strings: read once
        for the printed byline and the header date (plain strings cost a third of node-aware ones; a rule that
        needs a node looks up its few hits by position)."""
        return _FOLLOWING_TEXT(self.h1) if self.h1 is not None else []

    @property
    def title_el(self) -> etree._Element | None:
        """The page's first ``<title>`` element (``/html/head/title | descendant::title``)."""
        return self._indexed("_title_el")

    @property
    def scripts_jsonld(self) -> list[etree._Element]:
        """``descendant::script[@type='application/ld+json']``, document order."""
        return self._indexed("_scripts")

    @property
    def times(self) -> list[etree._Element]:
        """``descendant::time[@datetime]``, document order."""
        return self._indexed("_times")

    @property
    def active_items(self) -> list[etree._Element]:
        """``descendant::li[contains(@class, 'active') or contains(@class, 'current') or contains(@class,
        'selected')]``, document order."""
        return self._indexed("_active")

    @_cached
    def head_links(self) -> list[etree._Element]:
        """The ``<meta>`` and ``<link>`` children of ``/html/head``, document order."""
        root = self.root
        if root.tag != "html":
            return []
        out = []
        for el in self._indexed("_heads"):
            parent = el.getparent()
            if parent is not None and parent.tag == "head" and parent.getparent() is root:
                out.append(el)
        return out

    def head_meta(self, attr: str, value: str) -> list[str]:
        """``/html/head/meta[@<attr>=value]/@content``: the contents, document order."""
        return [
            el.get("content")
            for el in self.head_links
            if el.tag == "meta" and el.get(attr) == value and el.get("content") is not None
        ]

    @property
    def canonical_href(self) -> str | None:
        """``/html/head/link[@rel='canonical']/@href`` (the first)."""
        for el in self.head_links:
            if el.tag == "link" and el.get("rel") == "canonical":
                href = el.get("href")
                if href is not None:
                    return href
        return None

    @_cached
    def itemprops(self) -> list[etree._Element]:
        """``descendant::*[@itemprop]``; an empty list without an XPath when the page's bytes never say itemprop
        (HTML attribute names are case-insensitive: libxml2 lower-cases them, so the bytes may hold any case)."""
        data = self.data
        if data is not None and data.find(b"itemprop") < 0 and data.lower().find(b"itemprop") < 0:
            return []
        root = self.root
        return [el for el in (attr.getparent() for attr in _ITEMPROP_ATTRS(root)) if el is not root]

    def abs_url(self, href: str | None) -> str | None:
        if not href:
            return None
        href = href.strip()
        if href.startswith(("http://", "https://")):
            return href
        try:
            return urljoin(self.url, href)
        except ValueError:
            return None

    @property
    def meta(self) -> dict[str, str]:
        """``og:title``/``article:published_time``/``description``/``canonical``... -> content (first wins)."""
        if self._meta is None:
            found: dict[str, str] = {}
            nodes = [
                el for el in self.head_links if _is_head_meta(el)
            ]  # /html/head/meta[@content] | .../link[@rel][@href]
            if not nodes:  # descendant::meta[@content][@property or @name or @itemprop]
                nodes = [
                    el
                    for el in self._indexed("_heads")
                    if el.tag == "meta"
                    and el.get("content") is not None
                    and (el.get("property") is not None or el.get("name") is not None or el.get("itemprop") is not None)
                ]
            for el in nodes:
                if el.tag == "link":
                    for rel in (el.get("rel") or "").lower().split():
                        found.setdefault(rel, el.get("href", ""))
                    continue
                key = el.get("property") or el.get("name") or el.get("itemprop")
                if key:
                    found.setdefault(key.strip().lower(), el.get("content", ""))
            self._meta = found
        return self._meta

    @property
    def jsonld(self) -> dict[str, Any] | None:
        """The first JSON-LD object whose ``@type`` is an article type (``@graph`` and lists searched)."""
        if not self._jsonld_done:
            self._jsonld_done = True
            for script in self.scripts_jsonld:
                found = _find_article(_loads(script.text))
                if found is not None:
                    self._jsonld = found
                    break
        return self._jsonld


#: class attribute -> its tokens that are CLASS_TOKENS (most container classes hold none; pages repeat them).
_CLASS_TOKENS_OF: dict[str, tuple[str, ...]] = {}
_CLASS_TOKENS_OF_MAX = 4096


def _class_tokens(cls: str) -> tuple[str, ...]:
    found = tuple(tok for tok in cls.split() if tok in CLASS_TOKENS)
    if len(_CLASS_TOKENS_OF) >= _CLASS_TOKENS_OF_MAX:
        _CLASS_TOKENS_OF.clear()
    _CLASS_TOKENS_OF[cls] = found
    return found


def _is_head_meta(el: etree._Element) -> bool:
    if el.tag == "meta":
        return el.get("content") is not None
    return el.get("rel") is not None and el.get("href") is not None


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text.strip().rstrip(";"), strict=False)  # raw newlines inside strings happen
    except ValueError:
        logger.debug("unreadable JSON-LD block")
        return None


def _find_article(data: Any, depth: int = 0) -> dict[str, Any] | None:
    if depth > 4:
        return None
    if isinstance(data, list):
        for item in data:
            found = _find_article(item, depth + 1)
            if found is not None:
                return found
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
        return data
    if "@graph" in data:
        return _find_article(data["@graph"], depth + 1)
    return None


def first(nodes: list[Any]) -> Any:
    return nodes[0] if nodes else None


def first_tag(el: etree._Element | None, *tags: str) -> etree._Element | None:
    """The first descendant (or ``el`` itself) with one of ``tags``; ``el.iter`` is cheaper than a small XPath."""
    return next(el.iter(*tags), None) if el is not None else None


def iter_class(el: etree._Element, tag: str, token: str) -> list[etree._Element]:
    """Descendants ``<tag>`` of ``el`` whose class list holds ``token``."""
    return [d for d in el.iter(tag) if token in (d.get("class") or "").split()]


def caption_of(scope: etree._Element | None, token: str = "caption") -> str:
    """The text of the first ``figcaption`` or element whose class contains ``token`` under ``scope``."""
    if scope is None:
        return ""
    for el in scope.iter():
        if el.tag == "figcaption" or token in (el.get("class") or "") or token in (el.get("id") or ""):
            if el.tag in ("div", "figure") and el.find(".//p") is not None:
                continue  # a wrapper (``div.wp-caption``): its caption paragraph comes next in the walk
            return text_of(el)
    return ""


def text_of(el: etree._Element | None) -> str:
    return norm(raw_text(el)) if el is not None else ""


#: The last path segment of an image: a name with an image extension (``foto.jpg``, ``x.jpg.webp``).
_IMAGE_NAME = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|bmp|svg)$", re.IGNORECASE)
#: File names of placeholders, spacers and loading spinners, which are not the article's image.
_PLACEHOLDER = re.compile(
    r"(?:^|[-_.])(?:blank|placeholder|spacer|pixel|loading|loader|no[-_]?image|default|transparent)(?:[-_.\d]|$)",
    re.IGNORECASE,
)


def is_image_url(url: str) -> bool:
    """True for the address of an image file: not a folder (``http://img.antaranews.com/new``), not a
    placeholder (``blank.png``, ``loading.gif``), not a ``data:`` URI."""
    if not isinstance(url, str) or url.startswith("data:") or "[" in url:  # "[": a broken IPv6-literal host
        return False
    path = url.strip().split("?", 1)[0].split("#", 1)[0]
    name = path.rsplit("/", 1)[-1] if path.count("/") > 2 or not path.startswith(("http:", "https:", "//")) else ""
    return bool(_IMAGE_NAME.search(name)) and not _PLACEHOLDER.search(name)


def img_src(img: etree._Element | None) -> str | None:
    """``data-src`` before ``src`` (lazy loading), skipping placeholder images and non-images."""
    if img is None:
        return None
    for attr in ("data-src", "data-original", "data-lazy-src", "src"):
        value = (img.get(attr) or "").strip()
        if value and is_image_url(value):
            return value
    return None


_DATE_HINT = re.compile(r"\b\d{4}\b")


def looks_like_date(text: str) -> bool:
    """A cheap filter: the text holds a four-digit year (``3 menit baca`` does not)."""
    return bool(text) and len(text) < 80 and bool(_DATE_HINT.search(text))


def link_labels(links: Iterable[etree._Element]) -> list[str]:
    """Tag labels from tag links: each link's text without a leading ``#``, first occurrence kept, page order."""
    labels: list[str] = []
    for a in links:
        label = norm(raw_text(a)).lstrip("#").strip()
        if label and label not in labels:
            labels.append(label)
    return labels


def item_link(item: etree._Element) -> RawLink | None:
    """One related item (a card, an ``article``): the headline link (the first link with text, preferring one in
    a heading) and the printed date next to it."""
    best = next((a for h in item.iter("h2", "h3", "h4", "h5") for a in h.iter("a") if a.get("href")), None)
    if best is None:
        best = next((a for a in item.iter("a") if a.get("href") and raw_text(a).strip()), None)
    if best is None:
        return None
    raw = None
    for el in item.iter("span", "time"):
        text = text_of(el)
        if looks_like_date(text):
            raw = text
            break
    return (best.get("href", ""), text_of(best) or norm(best.get("title")), raw)
