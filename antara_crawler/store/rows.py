"""Row preparation: an Article checked and turned into the rows the archive stores, before it has an id.

The checks come from :mod:`antara_crawler.validation` (what the schema cannot hold raises :class:`BadItem`, counted
by reason); here: the rows, the content hash, the one conversion of ISO 8601 times to the archive's UTC text
(:func:`to_utc_text`), and :class:`PreparedBatch`, the items of one write converted as they arrive. No SQL here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from antara_crawler.items import Article, LinkStatus, RelatedLink
from antara_crawler.portals import NOT_PORTALS
from antara_crawler.urls import parse_article_url
from antara_crawler.utc import to_utc_text, utc_now
from antara_crawler.validation import BadItem, check, link_status_ok, related_link

logger = logging.getLogger(__name__)

#: subdomains that are not portals of their own ("m" is www's AMP host): left to parse_article_url
_SPECIAL_HOSTS = frozenset({"m", *NOT_PORTALS})

#: zlib level of the pages kept for ``scrapy reparse`` (``pages.compression`` stays ``zlib``: any level reads back
#: the same). On the real and sample pages of the fixtures (37 KB on average), level 1 compresses in 0.37 ms a page
#: against 0.81 ms at 6, Python's default, for 14% more bytes (51.6 KB against 45.2 KB for the six pages). Keeping
#: the page at level 6 cost 25 times the rest of ``prepare`` for a real-size page, a crawl's largest store cost.
PAGE_COMPRESSION_LEVEL = 1

CONTENT_FIELDS = (
    "title",
    "body",
    "dateline",
    "published_at",
    "reporter",
    "editor",
    "category",
    "image_url",
    "image_caption",
)


@dataclass
class WriteResult:
    """What one :meth:`Archive.write_batch` did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    link_statuses: int = 0  # related links marked with their target's status
    statuses_recorded: int = 0  # LinkStatus records stored (rows of link_statuses written)
    ledger_ids: int = 0  # ids whose outcome was written to the id ledger
    dropped: dict[str, int] = field(default_factory=dict)
    new_articles: list[Article] = field(default_factory=list)
    updated_articles: list[Article] = field(default_factory=list)

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + n

    def merge(self, other: WriteResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.link_statuses += other.link_statuses
        self.statuses_recorded += other.statuses_recorded
        self.ledger_ids += other.ledger_ids
        for reason, n in other.dropped.items():
            self.drop(reason, n)
        self.new_articles.extend(other.new_articles)
        self.updated_articles.extend(other.updated_articles)


_CANONICAL = re.compile(r"^https://([a-z0-9-]+)\.antaranews\.com/berita/(\d+)(?:/[^/?#]*)?$")


@lru_cache(maxsize=65536)
def _target(url: str) -> tuple[str, int] | None:
    """``(portal, antara_id)`` a related link points to (cached: the same targets recur across articles).

    Related links arrive canonical, so a regex answers for most; anything else goes through ``parse_article_url``.
    """
    m = _CANONICAL.match(url)
    if m and m.group(1) not in _SPECIAL_HOSTS:
        return m.group(1), int(m.group(2))
    ref = parse_article_url(url)
    return ref.key if ref else None


def _related_list(article: Article) -> list[RelatedLink]:
    return [related_link(link) for link in article.related or []]


def content_hash(article: Article, related: list[RelatedLink] | None = None) -> str:
    """sha256 over a canonical JSON of the content fields, tags and related links (url, kind, title)."""
    values = {name: getattr(article, name) for name in CONTENT_FIELDS}
    links = _related_list(article) if related is None else related
    return _hash(values, article.tags or [], links)


#: canonical JSON: compact, ASCII-escaped, no key order to sort (the content is an array in CONTENT_FIELDS order)
_HASH_JSON = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False)


def _hash(values: dict[str, Any], tags: Sequence[str], related: Sequence[RelatedLink]) -> str:
    """sha256 of ``[<CONTENT_FIELDS values>..., [tags...], [[url, kind, title], ...]]`` as canonical JSON."""
    data: list[Any] = [values[name] for name in CONTENT_FIELDS]
    data.append(list(tags))
    data.append([[link.url, link.kind, link.title] for link in related])
    return hashlib.sha256(_HASH_JSON.encode(data).encode("ascii")).hexdigest()


@dataclass
class _Prepared:
    """An Article checked and turned into rows, before it has an id."""

    article: Article
    key: tuple[str, int]
    row: dict[str, Any]
    related: list[dict[str, Any]]
    tags: list[str]
    pages: list[dict[str, Any]]  # pages table rows (without article_id): page 1, then the further pages


def prepare(article: Article, *, store_html: bool, now: str) -> _Prepared:
    """Check an Article (:func:`antara_crawler.validation.check`) and build its rows; raises :class:`BadItem`."""
    check(article, pages=store_html)
    portal, antara_id, url = article.portal, article.antara_id, article.url
    values = {name: getattr(article, name) for name in CONTENT_FIELDS}
    tags = article.tags or []
    related = _related_list(article)
    crawled = to_utc_text(article.fetched_at) or now
    row = {
        "portal": portal,
        "antara_id": antara_id,
        "url": url,
        **values,
        "published_at": to_utc_text(article.published_at),
        "published_at_local": article.published_at,
        "published_raw": article.published_raw,
        "template": article.template,
        "content_hash": _hash(values, tags, related),
        "first_seen_at": crawled,
        "last_crawled_at": crawled,
        "last_changed_at": crawled,
    }
    links: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for link in related:
        link_url, kind, title, published, raw = link.url, link.kind, link.title, link.published_at, link.published_raw
        if (kind, link_url) in seen:
            continue
        seen.add((kind, link_url))
        target = _target(link_url)
        links.append(
            {
                "position": len(links),
                "kind": kind,
                "url": link_url,
                "title": title,
                "published_at": to_utc_text(published),
                "published_raw": raw,
                "target_portal": target[0] if target else None,
                "target_antara_id": target[1] if target else None,
            }
        )
    unique_tags = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    pages: list[dict[str, Any]] = []
    if store_html and article.raw_html is not None:
        more = article.more_pages or []
        for position, (page_url, raw) in enumerate([(url, article.raw_html), *more], start=1):
            raw = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
            pages.append(
                {
                    "position": position,
                    "url": page_url,
                    "fetched_at": crawled,
                    "compression": "zlib",
                    "size": len(raw),
                    "html": zlib.compress(raw, PAGE_COMPRESSION_LEVEL),
                }
            )
    return _Prepared(article, (portal, antara_id), row, links, unique_tags, pages)


@dataclass
class PreparedBatch:
    """Items checked and converted to rows, waiting to be written (see :meth:`Archive.write_prepared`).

    Converting as items arrive spreads the work over the crawl instead of doing it all when the batch is written.
    """

    now: str
    store_html: bool = True
    articles: list[_Prepared] = field(default_factory=list)
    statuses: list[LinkStatus] = field(default_factory=list)
    #: what was dropped while preparing
    result: WriteResult = field(default_factory=WriteResult)

    def __len__(self) -> int:
        return len(self.articles) + len(self.statuses)

    def add(self, item: Any) -> None:
        if isinstance(item, Article):
            try:
                self.articles.append(prepare(item, store_html=self.store_html, now=self.now))
            except BadItem as exc:
                logger.warning("dropped %s: %s", getattr(item, "url", item), exc)
                self.result.drop(exc.reason)
        elif isinstance(item, LinkStatus):
            if link_status_ok(item):
                self.statuses.append(item)
            else:
                self.result.drop("bad_link_status")
        else:
            self.result.drop("unsupported_item")

    def extend(self, other: PreparedBatch) -> None:
        """Append ``other`` (used to put a batch that could not be written back in front of the next one)."""
        self.articles.extend(other.articles)
        self.statuses.extend(other.statuses)
        self.result.merge(other.result)


def _version_data(row: Mapping[str, Any], tags: list[str], related: list[dict[str, Any]]) -> str:
    data = {name: row[name] for name in (*CONTENT_FIELDS, "published_at_local", "published_raw", "url", "template")}
    data["tags"] = tags
    data["related"] = related
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


__all__ = [
    "CONTENT_FIELDS",
    "BadItem",
    "PreparedBatch",
    "WriteResult",
    "content_hash",
    "prepare",
    "to_utc_text",
    "utc_now",
]
