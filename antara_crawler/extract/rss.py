"""RSS feeds (``/rss/terkini.xml`` and friends) -> entries with their dates.

    entries = parse_rss(body, "https://babel.antaranews.com/rss/terkini.xml")
    [e.url for e in entries if e.is_article]

RSS 2.0: ``pubDate`` is RFC 822 with the portal's offset (``+0700``), ``description`` is CDATA holding an ``<img>``
and a summary, ``guid isPermaLink="false"`` repeats the URL, titles may hold entities. Feeds mix ``/berita/``,
``/foto/`` and ``/video/`` items: ``is_article`` says which ones an article crawler keeps.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from antara_crawler.dates import parse_date, to_iso
from antara_crawler.urls import parse_article_url, portal_of_host

_ANY_ITEM = re.compile(r"^/(?:amp/)?(?:berita|foto|video)/(?P<id>\d+)")
_IMG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str  # canonical for articles; as given (fragment dropped) for photo and video items
    portal: str | None
    antara_id: int | None
    title: str | None
    published_raw: str | None
    published_at: str | None  # ISO 8601 with the feed's offset
    image_url: str | None
    is_article: bool
    summary: str | None = None

    @property
    def key(self) -> tuple[str, int] | None:
        return (self.portal, self.antara_id) if self.is_article and self.portal and self.antara_id else None


def parse_rss(xml: bytes | str, url: str, *, fetched_at: datetime | None = None) -> list[FeedEntry]:
    """Every ``<item>`` of an RSS feed, in feed order. A feed that is not XML at all gives an empty list."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    if not xml or not xml.strip():
        return []
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    feed_portal = portal_of_host(urlsplit(url).hostname)
    entries = []
    for item in root.iter("item", "{*}item"):
        entry = _parse_item(item, url, feed_portal, fetched_at)
        if entry is not None:
            entries.append(entry)
    return entries


def article_entries(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Only the ``/berita/<id>`` entries, first occurrence of each article."""
    seen: set[tuple[str, int]] = set()
    out = []
    for e in entries:
        if e.key is not None and e.key not in seen:
            seen.add(e.key)
            out.append(e)
    return out


# --- private parse steps ------------------------------------------------------------------------------------------


def _child_text(item, name: str) -> str | None:
    for child in item:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            return child.text or ""
    return None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = html.unescape(_WS.sub(" ", text)).strip()  # a second unescape for double-escaped titles (&amp;quot;)
    return text or None


def _parse_item(item, feed_url: str, feed_portal: str | None, fetched_at: datetime | None) -> FeedEntry | None:
    link = (_child_text(item, "link") or "").strip() or (_child_text(item, "guid") or "").strip()
    if not link:
        return None
    link = urljoin(feed_url, link)
    ref = parse_article_url(link)
    if ref is not None:
        url, portal, antara_id = ref.url, ref.portal, ref.antara_id
    else:
        url, portal, antara_id = _other_item(link)
    raw = _clean(_child_text(item, "pubDate")) or _clean(_child_text(item, "date"))
    dt = parse_date(raw, portal=portal or feed_portal, base=fetched_at) if raw else None
    description = _child_text(item, "description") or ""
    image = _IMG.search(description)
    return FeedEntry(
        url=url,
        portal=portal,
        antara_id=antara_id,
        title=_clean(_child_text(item, "title")),
        published_raw=raw,
        published_at=to_iso(dt) if dt else None,
        image_url=html.unescape(image.group(1)) if image else None,
        is_article=ref is not None,
        summary=_clean(_TAG.sub(" ", description)),
    )


def _other_item(link: str) -> tuple[str, str | None, int | None]:
    """Photo/video items keep their URL (without the fragment) and, when visible, their portal and id."""
    parts = urlsplit(link)
    portal = portal_of_host(parts.hostname)
    m = _ANY_ITEM.match(parts.path)
    return link.split("#", 1)[0], portal, int(m.group("id")) if m else None
