"""Stories: every archived article belongs to the group of its near-identical copies across portals.

    from antara_crawler.store.stories import assign, rebuild
    assign(conn, [(article_id, body, published_at), ...])   # inside the write transaction, after the rows have ids
    rebuild(engine)                                          # ``scrapy stories --rebuild``: everything again

How a copy is recognised (the pure part, with its constants tuned on ``tests/helpers/story_corpus.py``, is
:mod:`antara_crawler.store.signatures`):

1. **Normalise** the body (drop "Baca juga" lines, dateline, byline and punctuation; lower-case; numbers whole) and
   **shingle** its words; a MinHash of the shingles gives one key per LSH band. Each key is a row of
   ``story_bands`` (band key -> article id, indexed), so the database is the LSH index and finding candidates is
   one indexed lookup per batch (limited to the batch's dates, ± :data:`WINDOW_DAYS`).
2. **Candidates** share a band key and were published within :data:`WINDOW_DAYS` days of the article (an article
   without a date: any). Only their bodies are read, once each, however many keys they share.
3. **Verify** each candidate on the exact shingle sets (Jaccard, and the numbers both texts carry): copies (other
   title, byline, editor, Baca juga lines, a trimmed or added last paragraph, a rewritten first sentence, with the
   numbers they carried) pass; a template report of the next day shares its wording but prints other numbers in
   the same places; a follow-up shares a paragraph or two of background, which leaves Jaccard under 0.3.

Story ids: a story's id is the smallest article id in it (its first archived member). A new article that matches
one story joins it; one that matches none starts its own story (its own id: never null); one that matches several
**merges** them into the oldest (smallest) id, so an id only ever disappears into an older one. Assigning articles
in id order is therefore the connected components of the "is a copy of" graph, each labelled by its smallest id:
:func:`rebuild` computes exactly that, so a rebuild gives the incremental grouping back. An article whose content
changes is matched again and may join (or bridge) stories; it never leaves its story incrementally (a corrected
article stays with its copies); ``--rebuild`` regroups from the current bodies.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, func, select, update

from antara_crawler.store import schema as s
from antara_crawler.store.extras import MissingExtra, require
from antara_crawler.store.signatures import Fingerprint, band_keys_of, bands, is_copy, preload
from antara_crawler.store.sql import execute_many, fetch, fetch_in, insert_tuples, padded
from antara_crawler.utc import utc_text

logger = logging.getLogger(__name__)

WINDOW_DAYS = 4
_WINDOW = timedelta(days=WINDOW_DAYS)
#: articles per transaction in :func:`rebuild`
REBUILD_CHUNK = 2000
#: band keys per candidate query, a power of two (one query for a batch of 100 articles; SQLite binds up to 32766
#: parameters)
KEY_CHUNK = 4096


# --- the archive side -------------------------------------------------------------------------------------------


@dataclass
class NewArticle:
    """An article just written: its id, body and UTC publication time (``YYYY-MM-DD HH:MM:SS`` or None), and the
    ``story_id`` its row was written with (the writer inserts a new article as a story of its own where it knows the
    id first: then only the articles that join another story are updated)."""

    id: int
    body: str | None
    published_at: str | None
    stored_story: int | None = None


def _window(published_at: str | None) -> tuple[str, str] | None:
    if not published_at:
        return None
    try:
        at = datetime.fromisoformat(published_at)
    except ValueError:
        return None
    return utc_text(at - _WINDOW), utc_text(at + _WINDOW)


@lru_cache(maxsize=2)
def _candidates_statement(windowed: bool) -> Any:
    """Earlier-stored articles sharing a band key (``:keys``), other than ``:self``; within ``[:lo, :hi]``."""
    sb, a = s.story_bands, s.articles
    ids = (
        select(sb.c.article_id)
        .where(sb.c.key.in_(bindparam("keys", expanding=True)), sb.c.article_id != bindparam("self"))
        .distinct()
        .subquery()
    )
    stmt = select(a.c.id, a.c.story_id, a.c.body).join(ids, ids.c.article_id == a.c.id)
    if windowed:
        when = func.coalesce(a.c.published_at, a.c.first_seen_at)
        stmt = stmt.where(when.between(bindparam("lo"), bindparam("hi")))
    return stmt.order_by(a.c.id)


def _candidates(conn: Connection, article: NewArticle, keys: list[int]) -> list[tuple[int, int | None, str | None]]:
    """``(id, story_id, body)`` of earlier-stored articles sharing a band key, published within the window."""
    window = _window(article.published_at)
    params: dict[str, Any] = {"keys": keys, "self": article.id}
    if window is not None:
        params["lo"], params["hi"] = window
    return list(conn.execute(_candidates_statement(window is not None), params).all())


@lru_cache(maxsize=1)
def _set_story_statement() -> Any:
    a = s.articles
    return update(a).where(a.c.id == bindparam("b_id")).values(story_id=bindparam("b_story"))


def _when(published_at: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(published_at) if published_at else None
    except ValueError:
        return None


def _within(a: datetime | None, b: datetime | None) -> bool:
    return a is None or b is None or abs(a - b) <= _WINDOW


@lru_cache(maxsize=1)
def _merge_statement() -> Any:
    """Move every article of the stories ``:others`` into the story ``:story`` (one compiled statement for any number
    of stories: an expanding parameter)."""
    a = s.articles
    return update(a).where(a.c.story_id.in_(bindparam("others", expanding=True))).values(story_id=bindparam("story"))


@lru_cache(maxsize=32)
def _by_keys_statement(size: int, windowed: bool) -> Any:
    """``(key, article_id)`` of every band holding one of the ``size`` keys ``:k0, :k1, ...``; ``windowed``: only
    of articles published (or first seen) between ``:lo`` and ``:hi``. One statement per power-of-two size,
    compiled once (store/sql.py)."""
    sb, a = s.story_bands, s.articles
    stmt = select(sb.c.key, sb.c.article_id).where(sb.c.key.in_([bindparam(name) for name in _key_names(size)]))
    if windowed:
        when = func.coalesce(a.c.published_at, a.c.first_seen_at)
        stmt = stmt.join(a, a.c.id == sb.c.article_id).where(when.between(bindparam("lo"), bindparam("hi")))
    return stmt


@lru_cache(maxsize=16)
def _key_names(size: int) -> tuple[str, ...]:
    return tuple(f"k{i}" for i in range(size))


def _holding(conn: Connection, keys: list[int], window: tuple[str, str] | None) -> Iterator[Any]:
    """The rows of :func:`_by_keys_statement` for ``keys`` (within ``window``, UTC texts, if given): one query per
    KEY_CHUNK keys, the last chunk padded to a power of two by repeating its last key (a repeated key selects no
    row twice)."""
    for i in range(0, len(keys), KEY_CHUNK):
        chunk = padded(keys[i : i + KEY_CHUNK], 16)
        size = len(chunk)
        params: dict[str, Any] = dict(zip(_key_names(size), chunk, strict=True))
        if window is not None:
            params["lo"], params["hi"] = window
        yield from fetch(conn, _by_keys_statement(size, window is not None), params)


def _call_window(whens: Sequence[datetime | None]) -> tuple[str, str] | None:
    """The window around every date of one call (UTC texts), which the candidates' dates must fall in; None when an
    article has no date (it is compared with candidates of any date)."""
    if not whens or any(w is None for w in whens):
        return None
    dated = [w for w in whens if w is not None]
    return utc_text(min(dated) - _WINDOW), utc_text(max(dated) + _WINDOW)


def _standing_statement(ids: tuple[Any, ...]) -> Any:
    """``(id, story_id, published_at or first_seen_at)`` of the articles ``ids`` (for ``fetch_in``)."""
    a = s.articles
    return select(a.c.id, a.c.story_id, func.coalesce(a.c.published_at, a.c.first_seen_at)).where(a.c.id.in_(ids))


def _bodies_statement(ids: tuple[Any, ...]) -> Any:
    """``(id, body)`` of the articles ``ids`` (for ``fetch_in``)."""
    a = s.articles
    return select(a.c.id, a.c.body).where(a.c.id.in_(ids))


def assign(conn: Connection, articles: Sequence[NewArticle], *, replace: bool = False) -> dict[int, int]:
    """Give each article its story (in the caller's transaction); returns ``{article_id: story_id}``.

    Articles are matched in the order given (id order), each against everything stored before it, including the
    earlier ones of the same call: the same result as one call per article, with one candidate query per KEY_CHUNK
    band keys of the whole call (within the call's window), one read of the candidates' stories and dates and one
    of the bodies of those in some article's window, and one ``executemany`` each for the bands and the story ids
    that differ from the rows' (``stored_story``). A candidate of a story the article already joined is not
    compared. ``replace``: the articles already had bands (their content changed): those are dropped first, and
    each keeps its story (see the module docstring). Without the ``analysis`` extra every article gets a story of
    its own (logged once).
    """
    a, sb = s.articles, s.story_bands
    if not articles:
        return {}
    ids = [x.id for x in articles]
    current: dict[int, int] = {}
    if replace:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            conn.execute(delete(sb).where(sb.c.article_id.in_(chunk)))
            current.update(
                (k, v) for k, v in conn.execute(select(a.c.id, a.c.story_id).where(a.c.id.in_(chunk))) if v is not None
            )
    try:
        bands()
    except MissingExtra as exc:
        _warn_once(str(exc))
        out = {x.id: current.get(x.id, x.id) for x in articles}
        _set_stories(conn, articles, out, current if replace else None)
        return out
    prints = [Fingerprint.of(x.body) for x in articles]
    keys = band_keys_of(prints)
    # the stored articles sharing a key with any of these (key -> ids), then their story and date; for each article,
    # those published within its window (in id order), whose bodies are fetched once
    whens = [_when(x.published_at) for x in articles]
    holders: dict[int, list[int]] = {}
    for key, cid in _holding(conn, sorted({k for ks in keys for k in ks}), _call_window(whens)):
        holders.setdefault(key, []).append(cid)
    standing = {cid: (story, _when(when)) for cid, story, when in fetch_in(conn, _standing_statement, _ids(holders))}
    plans = [
        _in_window(when, {c for k in ks for c in holders.get(k, ())}, standing)
        for when, ks in zip(whens, keys, strict=True)
    ]
    bodies = dict(fetch_in(conn, _bodies_statement, sorted({c for plan in plans for c in plan})))
    fingerprints: dict[int, Fingerprint] = {}
    alias: dict[int, int] = {}  # story ids merged into an older one during this call

    def resolve(story: int) -> int:
        while story in alias:
            story = alias[story]
        return story

    # the articles of this call are candidates for the later ones: key -> ids (a key only one article of this call
    # holds leads none of the later ones to it: only the others are indexed)
    counted = Counter(k for ks in keys for k in ks)
    earlier: dict[int, list[int]] = {}
    mine: dict[int, tuple[int, datetime | None]] = {}
    out: dict[int, int] = {}
    for x, fp, ks, when, plan in zip(articles, prints, keys, whens, plans, strict=True):
        stories = {current[x.id]} if x.id in current else set()
        # a candidate of a story this article already joins is not compared: it could only add that story again
        for cid in plan:
            story = standing[cid][0]
            joined = resolve(story if story is not None else cid)
            if joined in stories:
                continue
            cfp = fingerprints.get(cid)
            if cfp is None:
                cfp = fingerprints[cid] = Fingerprint.of(bodies.get(cid))
            if is_copy(fp, cfp):
                stories.add(joined)
        for cid in _in_window(when, {c for k in ks for c in earlier.get(k, ())}, mine):
            joined = resolve(mine[cid][0])
            if joined not in stories and is_copy(fp, fingerprints[cid]):
                stories.add(joined)
        story_id = min(stories) if stories else x.id
        others = sorted(stories - {story_id})
        if others:  # a bridge: the younger stories join the oldest, stored members included
            conn.execute(_merge_statement(), {"others": others, "story": story_id})
            alias.update((o, story_id) for o in others)
        out[x.id] = story_id
        fingerprints[x.id] = fp
        mine[x.id] = (story_id, when)
        for k in ks:
            if counted[k] > 1:
                earlier.setdefault(k, []).append(x.id)
    out = {i: resolve(sid) for i, sid in out.items()}
    _set_stories(conn, articles, out, current if replace else None)
    _insert_bands(conn, ids, keys)
    return out


def _ids(holders: dict[int, list[int]]) -> list[int]:
    return sorted({cid for ids in holders.values() for cid in ids})


def _in_window(when: datetime | None, ids: set[int], dated: dict[int, tuple[int | None, datetime | None]]) -> list[int]:
    """Those of ``ids`` (known to ``dated``: ``id -> (story, date)``) published within the window of ``when``."""
    return [i for i in sorted(ids) if i in dated and _within(when, dated[i][1])]


def load() -> bool:
    """Load what the first :func:`assign` of a process needs (numpy, see :func:`signatures.preload`) ahead of it, so
    a crawl's first batch does not wait for it; False (nothing loaded, nothing logged) without the ``analysis``
    extra, which :func:`assign` reports when it first runs."""
    try:
        preload()
    except MissingExtra:
        return False
    return True


def _set_stories(
    conn: Connection, articles: Sequence[NewArticle], story_of: dict[int, int], current: dict[int, int] | None
) -> None:
    """Write ``story_of`` to the rows whose ``story_id`` differs: ``current`` (the stored ones, for ``replace``),
    else each article's ``stored_story``."""
    rows = []
    for x in articles:
        stored = current.get(x.id) if current is not None else x.stored_story
        if story_of[x.id] != stored:
            rows.append({"b_id": x.id, "b_story": story_of[x.id]})
    execute_many(conn, _set_story_statement(), rows)


def on_write(
    conn: Connection,
    new: Sequence[tuple[int, Any]],
    changed: Sequence[tuple[int, Any]],
    written: Sequence[tuple[int, Any]],
    *,
    own_story: bool = False,
) -> None:
    """The archive's write hook (same transaction): assign the ``new`` and ``changed`` articles (``(id, prepared)``
    pairs whose ``row`` holds ``body`` and ``published_at``), then set ``story_id`` and ``story_size`` on the Article
    of every ``written`` pair (new, changed and unchanged), which the feeds carry. ``own_story``: the new rows were
    inserted with ``story_id = id``, so only those joining another story are updated."""
    assign(conn, [NewArticle(i, p.row["body"], p.row["published_at"], i if own_story else None) for i, p in new])
    assign(conn, [NewArticle(i, p.row["body"], p.row["published_at"]) for i, p in changed], replace=True)
    if not written:
        return
    story_of = dict(fetch_in(conn, _stories_of_statement, sorted({i for i, _ in written})))
    sizes = story_sizes(conn, story_of.values())
    for i, p in written:
        story = story_of.get(i)
        p.article.story_id = story
        p.article.story_size = sizes.get(story, 1) if story is not None else None


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        logger.warning("stories: every article gets a story of its own until `scrapy stories --rebuild`: %s", message)


def story_sizes(conn: Connection, story_ids: Iterable[int]) -> dict[int, int]:
    """``{story_id: number of articles}`` for these stories (one indexed GROUP BY per CHUNK ids)."""
    wanted = sorted({i for i in story_ids if i is not None})
    return {int(k): int(n) for k, n in fetch_in(conn, _sizes_statement, wanted)}


def _stories_of_statement(ids: tuple[Any, ...]) -> Any:
    """``(id, story_id)`` of the articles ``ids`` (for :func:`~antara_crawler.store.sql.fetch_in`)."""
    a = s.articles
    return select(a.c.id, a.c.story_id).where(a.c.id.in_(ids))


def _sizes_statement(story_ids: tuple[Any, ...]) -> Any:
    """``(story_id, articles)`` of these stories, one indexed GROUP BY (for :func:`~antara_crawler.store.sql.fetch_in`)."""
    a = s.articles
    return select(a.c.story_id, func.count()).where(a.c.story_id.in_(story_ids)).group_by(a.c.story_id)


def rebuild(engine: Engine, *, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Recompute every story from the current bodies: bands again, then the connected components of the copy graph,
    each labelled by its smallest article id. Same result as assigning every article in id order.

    Runs in chunks of REBUILD_CHUNK articles per transaction (the bands), then one transaction for the labels.
    ``progress(n)`` is called with the number of articles done after each chunk. Returns the counts.
    """
    bands()  # fail at once, with the one-line message, when datasketch is missing
    a, sb = s.articles, s.story_bands
    with engine.begin() as conn:
        conn.execute(delete(sb))
        total = int(conn.execute(select(func.count()).select_from(a)).scalar_one())
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    last_id, done = 0, 0
    while True:
        with engine.begin() as conn:
            rows = _chunk_after(conn, last_id)
            if not rows:
                break
            prints = [Fingerprint.of(body) for _, body, _ in rows]
            for (article_id, body, published_at), fp, keys in zip(rows, prints, band_keys_of(prints), strict=True):
                x = NewArticle(int(article_id), body, published_at)
                parent.setdefault(x.id, x.id)
                if keys:
                    for cid, _story, cbody in _candidates(conn, x, keys):
                        if is_copy(fp, Fingerprint.of(cbody)):
                            union(x.id, int(cid))
                    _insert_bands(conn, [x.id], [keys])
            last_id = int(rows[-1][0])
            done += len(rows)
        if progress is not None:
            progress(done)
    labels = [{"b_id": i, "b_story": find(i)} for i in parent]
    with engine.begin() as conn:
        stmt = update(a).where(a.c.id == bindparam("b_id")).values(story_id=bindparam("b_story"))
        for i in range(0, len(labels), 5000):
            conn.execute(stmt, labels[i : i + 5000])
    stories = len({lab["b_story"] for lab in labels})
    logger.info("stories rebuilt: %d articles in %d stories", total, stories)
    return {"articles": done, "stories": stories}


def _chunk_after(conn: Connection, last_id: int) -> list[Any]:
    """``(id, body, published_at)`` of the next REBUILD_CHUNK articles after ``last_id``, in id order."""
    a = s.articles
    stmt = select(a.c.id, a.c.body, a.c.published_at).where(a.c.id > last_id).order_by(a.c.id).limit(REBUILD_CHUNK)
    return list(conn.execute(stmt).all())


def _insert_bands(conn: Connection, ids: Sequence[int], keys: Sequence[Sequence[int]]) -> None:
    """The ``story_bands`` rows of these articles: band ``n`` of article ``ids[i]`` holds ``keys[i][n]``."""
    rows = [(i, n, k) for i, ks in zip(ids, keys, strict=True) for n, k in enumerate(ks)]
    insert_tuples(conn, s.story_bands, ("article_id", "band", "key"), rows)


def rebuild_bands(conn: Connection) -> int:
    """Recompute the ``story_bands`` of every article from its stored body, in the caller's transaction, a chunk of
    REBUILD_CHUNK articles at a time (read as :func:`rebuild` reads them); story ids are left as they are. Returns
    the articles read. Raises :class:`MissingExtra` (before changing anything) without the ``analysis`` extra.

    For a change of the band keys alone (the shingle hash: migration 0008): the stories were exact decisions on the
    shingle sets, which do not change, so only the candidate index is rewritten."""
    if conn.execute(select(s.articles.c.id).limit(1)).first() is None:
        return 0  # a new archive: nothing to recompute, and numpy is not loaded for it
    bands()
    require("numpy")
    conn.execute(delete(s.story_bands))
    last_id, done = 0, 0
    while rows := _chunk_after(conn, last_id):
        ids = [int(r[0]) for r in rows]
        _insert_bands(conn, ids, band_keys_of([Fingerprint.of(r[1]) for r in rows]))
        last_id = ids[-1]
        done += len(rows)
    return done


__all__ = ["NewArticle", "assign", "rebuild", "rebuild_bands", "story_sizes"]
