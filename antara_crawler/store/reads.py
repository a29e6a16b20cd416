"""The reads that spiders and commands need: which keys are archived, the related targets of archived articles,
one article with its tags and links, its versions, a month's listing, the stored pages, link statuses."""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from antara_crawler.store import schema as s
from antara_crawler.store.sql import CHUNK, chunks
from antara_crawler.urls import parse_article_url


def known_keys(engine: Engine, keys: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of these ``(portal, antara_id)`` keys are archived."""
    return set(first_seen(engine, keys))


def first_seen(engine: Engine, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """When each of these ``(portal, antara_id)`` keys that is archived was first seen (``first_seen_at``, UTC
    text); keys not archived are absent. One query per portal and CHUNK keys."""
    by_portal: dict[str, set[int]] = defaultdict(set)
    for portal, antara_id in keys:
        by_portal[portal].add(int(antara_id))
    found: dict[tuple[str, int], str] = {}
    a = s.articles
    with engine.connect() as conn:
        for portal, ids in by_portal.items():
            id_list = sorted(ids)
            for i in range(0, len(id_list), CHUNK):
                stmt = select(a.c.antara_id, a.c.first_seen_at).where(
                    a.c.portal == portal, a.c.antara_id.in_(id_list[i : i + CHUNK])
                )
                found.update(((portal, antara_id), seen) for antara_id, seen in conn.execute(stmt))
    return found


def known_urls(engine: Engine, urls: Iterable[str]) -> set[str]:
    """Which of these canonical article URLs are archived (compared by their key, so any slug matches)."""
    refs = {}
    for url in urls:
        ref = parse_article_url(url)
        if ref is not None:
            refs[url] = ref.key
    known = known_keys(engine, refs.values())
    return {url for url, key in refs.items() if key in known}


def archived_related(engine: Engine, keys: Iterable[tuple[str, int]]) -> list[tuple[str, str | None]]:
    """``(url, published_at)`` of the related links stored for these archived articles, in page order, whose
    target is an article not recorded as dead (``link_statuses``); one query per portal and 500 keys.

    ``published_at`` is ISO 8601 in UTC (``+00:00``), or None."""
    a, r, dead = s.articles, s.related_links, s.link_statuses
    by_portal: dict[str, list[int]] = defaultdict(list)
    for portal, antara_id in dict.fromkeys(keys):
        by_portal[portal].append(int(antara_id))
    joined = r.join(a, a.c.id == r.c.article_id).outerjoin(
        dead, (dead.c.portal == r.c.target_portal) & (dead.c.antara_id == r.c.target_antara_id)
    )
    links: list[tuple[str, str | None]] = []
    with engine.connect() as conn:
        for portal, ids in by_portal.items():
            for chunk in chunks(ids):
                stmt = (
                    select(r.c.url, r.c.published_at)
                    .select_from(joined)
                    .where(
                        a.c.portal == portal,
                        a.c.antara_id.in_(chunk),
                        r.c.target_portal.is_not(None),
                        dead.c.portal.is_(None),
                    )
                    .order_by(a.c.id, r.c.position)
                )
                links.extend((url, f"{at}+00:00" if at else None) for url, at in conn.execute(stmt))
    return links


def count(engine: Engine, table: str = "articles") -> int:
    tbl = s.metadata.tables[table]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tbl)).scalar_one())


def get_article(engine: Engine, portal: str, antara_id: int) -> dict[str, Any] | None:
    """The archived row of one article with its ``tags`` and ``related`` lists, or None."""
    a = s.articles
    with engine.connect() as conn:
        row = conn.execute(select(a).where(a.c.portal == portal, a.c.antara_id == antara_id)).mappings().first()
        if row is None:
            return None
        out = dict(row)
        out["tags"] = tags_of(conn, [row["id"]]).get(row["id"], [])
        out["related"] = related_of(conn, [row["id"]]).get(row["id"], [])
        return out


def versions(engine: Engine, portal: str, antara_id: int) -> list[dict[str, Any]]:
    """Previous versions of an article, oldest first."""
    a, v = s.articles, s.article_versions
    stmt = (
        select(v)
        .join(a, a.c.id == v.c.article_id)
        .where(a.c.portal == portal, a.c.antara_id == antara_id)
        .order_by(v.c.id)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def month_listing(engine: Engine, portal: str, month: str) -> list[dict[str, Any]]:
    """Articles of one portal published in a month (``YYYY-MM``, UTC), oldest first."""
    year, mon = (int(x) for x in month.split("-"))
    start = f"{year:04d}-{mon:02d}-01 00:00:00"
    end = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}-01 00:00:00"
    a = s.articles
    stmt = (
        select(a.c.id, a.c.antara_id, a.c.url, a.c.title, a.c.published_at)
        .where(a.c.portal == portal, a.c.published_at >= start, a.c.published_at < end)
        .order_by(a.c.published_at)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def iter_pages(engine: Engine, portal: str | None = None) -> Iterator[tuple[str, int, str, bytes, str]]:
    """Every stored page, decompressed: ``(portal, antara_id, url, html_bytes, fetched_at)``, by article id
    and then in page order."""
    for row_portal, antara_id, fetched_at, pages in iter_article_pages(engine, portal=portal):
        for url, data in pages:
            yield row_portal, antara_id, url, data, fetched_at


def iter_article_pages(
    engine: Engine, portal: str | None = None, batch: int = 200
) -> Iterator[tuple[str, int, str, list[tuple[str, bytes]]]]:
    """Every article's stored pages, decompressed: ``(portal, antara_id, fetched_at, [(url, html), ...])``,
    by article id, the pages in order (page 1, then ``?page=2``... or ``?page=all``)."""
    a, p = s.articles, s.pages
    last_id = 0
    while True:
        ids_stmt = (
            select(p.c.article_id)
            .join(a, a.c.id == p.c.article_id)
            .where(p.c.article_id > last_id, p.c.position == 1)
            .order_by(p.c.article_id)
            .limit(batch)
        )
        if portal:
            ids_stmt = ids_stmt.where(a.c.portal == portal)
        with engine.connect() as conn:
            ids = list(conn.execute(ids_stmt).scalars())
            if not ids:
                return
            stmt = (
                select(p.c.article_id, a.c.portal, a.c.antara_id, p.c.url, p.c.html, p.c.compression, p.c.fetched_at)
                .join(a, a.c.id == p.c.article_id)
                .where(p.c.article_id.in_(ids))
                .order_by(p.c.article_id, p.c.position)
            )
            rows = conn.execute(stmt).all()
        last_id = ids[-1]
        current: tuple[int, str, int, str] | None = None
        pages: list[tuple[str, bytes]] = []
        for article_id, row_portal, antara_id, url, html, compression, fetched_at in rows:
            if current is not None and current[0] != article_id:
                yield current[1], current[2], current[3], pages
                pages = []
            if current is None or current[0] != article_id:
                current = (article_id, row_portal, antara_id, fetched_at)
            pages.append((url, zlib.decompress(html) if compression == "zlib" else bytes(html)))
        if current is not None:
            yield current[1], current[2], current[3], pages


def link_status_of(engine: Engine, portal: str, antara_id: int) -> dict[str, Any] | None:
    ls = s.link_statuses
    with engine.connect() as conn:
        row = conn.execute(select(ls).where(ls.c.portal == portal, ls.c.antara_id == antara_id)).mappings().first()
        return dict(row) if row else None


def id_in(col: Any, ids: list[int]) -> Any:
    """``col IN (ids)``, or a range when the ids are distinct and have no gaps (the usual case for a chunk of
    article ids: cheaper than a long IN list)."""
    if ids and ids[-1] - ids[0] + 1 == len(ids) == len(set(ids)):
        return col.between(ids[0], ids[-1])
    return col.in_(ids)


def tags_of(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    """The tags of these articles, in page order, by article id."""
    at, t = s.article_tags, s.tags
    stmt = (
        select(at.c.article_id, t.c.name)
        .join(t, t.c.id == at.c.tag_id)
        .where(id_in(at.c.article_id, ids))
        .order_by(at.c.article_id, at.c.position)
    )
    out: dict[int, list[str]] = defaultdict(list)
    for article_id, name in conn.execute(stmt):
        out[article_id].append(name)
    return out


#: the columns of a related link that :func:`get_article` and the article versions carry
RELATED_FIELDS = ("kind", "url", "title", "published_at", "published_raw")
#: all of them, as the export reads them (position, the target's key and its HTTP status)
RELATED_ALL_FIELDS = (
    "position",
    "kind",
    "url",
    "title",
    "published_at",
    "published_raw",
    "target_portal",
    "target_antara_id",
    "target_status",
)


def related_of(
    conn: Connection, ids: list[int], fields: tuple[str, ...] = RELATED_FIELDS
) -> dict[int, list[dict[str, Any]]]:
    """The related links of these articles, in page order, by article id: one dict of ``fields`` per link."""
    r = s.related_links
    stmt = (
        select(r.c.article_id, *(r.c[name] for name in fields))
        .where(id_in(r.c.article_id, ids))
        .order_by(r.c.article_id, r.c.position)
    )
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for article_id, *values in conn.execute(stmt):
        out[article_id].append(dict(zip(fields, values, strict=True)))
    return out


__all__ = [
    "RELATED_ALL_FIELDS",
    "RELATED_FIELDS",
    "archived_related",
    "count",
    "first_seen",
    "get_article",
    "id_in",
    "iter_article_pages",
    "iter_pages",
    "known_keys",
    "known_urls",
    "link_status_of",
    "month_listing",
    "related_of",
    "tags_of",
    "versions",
]
