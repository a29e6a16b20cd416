"""SQLite's two-step search (``store.search._sqlite_search_statement``, revision 0009): the ranking reads the covering
index, and the hits, their order, scores and snippets are those of ranking every match with its whole row."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import text

from antara_crawler.store import Archive
from antara_crawler.store import schema as s
from antara_crawler.store.search import ArchiveFilter, search, search_statement
from tests.helpers.articles import make_article

WORDS = [
    "timah",
    "nelayan",
    "banjir",
    "jalan",
    "pasar",
    "sekolah",
    "harga",
    "beras",
    "listrik",
    "bandara",
    "pelabuhan",
    "kebun",
    "sawit",
]
PORTALS = ("babel", "aceh", "lampung", "papua")

#: the one-step statement the search used before revision 0009: every match joined to its row, then sorted
ONE_STEP = """
SELECT a.portal, a.antara_id, a.url, a.title, a.published_at_local, bm25(articles_fts, 10.0, 1.0) AS score,
       snippet(articles_fts, 1, '[', ']', '…', 16) AS snippet
FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
WHERE articles_fts MATCH :q {where}
ORDER BY bm25(articles_fts, 10.0, 1.0), a.published_at DESC, a.id
LIMIT :limit
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    """120 articles of random words over four portals and two years; every tenth body is a copy of an earlier one
    (the same title and body, so the same bm25 score: the tie-break decides)."""
    rng = random.Random(7)
    articles = []
    for i in range(120):
        day = f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + i % 27:02d}T{8 + i % 10:02d}:00:00+07:00"
        if i % 10 or not articles:
            title, body = " ".join(rng.choices(WORDS, k=4)), " ".join(rng.choices(WORDS, k=rng.randint(20, 60)))
            body += " lada" if i == 0 else ""  # a word of the copied body alone
        else:
            title, body = articles[0].title, articles[0].body
        articles.append(make_article(1000 + i, PORTALS[i % 4], title=title, body=body, published_at=day))
    db: Path = tmp_path_factory.mktemp("search") / "a.db"
    with Archive.open(f"sqlite:///{db}") as arc:
        arc.write_batch(articles)
    with Archive.open(f"sqlite:///{db}") as arc:
        yield arc


def _one_step(archive: Archive, query: str, portals: tuple[str, ...], limit: int) -> list[tuple]:
    where = f"AND a.portal IN ({', '.join(repr(p) for p in portals)})" if portals else ""
    with archive.engine.connect() as conn:
        rows = conn.execute(text(ONE_STEP.format(where=where)), {"q": query, "limit": limit}).all()
    return [
        (r.portal, r.antara_id, r.url, r.title, r.published_at_local, round(r.score, 4) + 0.0, r.snippet) for r in rows
    ]


@pytest.mark.parametrize("query", ["timah", "nelayan OR banjir", '"harga beras"', "pasar NOT listrik", "sawit*"])
@pytest.mark.parametrize("portals", [(), ("babel",), ("aceh", "papua")])
@pytest.mark.parametrize("limit", [1, 7, 20, 200])
def test_two_steps_find_what_one_step_found(archive: Archive, query: str, portals: tuple[str, ...], limit: int) -> None:
    hits = search(archive.engine, query, ArchiveFilter(portals=list(portals)), limit=limit)
    got = [(h.portal, h.antara_id, h.url, h.title, h.published_at, h.score, h.snippet) for h in hits]
    expected = [(*row[:6], " ".join(row[6].split())) for row in _one_step(archive, query, portals, limit)]
    assert got == expected
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_tied_scores_keep_the_newest_first(archive: Archive) -> None:
    """The copies of one body score alike; the tie-break (newest, then first archived) orders them."""
    hits = search(archive.engine, "lada", limit=200)
    assert len(hits) == 12 and len({h.score for h in hits}) == 1  # the 12 copies, one score
    assert [h.published_at for h in hits] == sorted((h.published_at for h in hits), reverse=True)
    first = search(archive.engine, "lada", limit=5)
    assert [h.antara_id for h in first] == [h.antara_id for h in hits[:5]]  # the limit cuts the same order


def test_the_ranking_reads_the_covering_index(archive: Archive) -> None:
    stmt = search_statement(archive.engine, "timah", ArchiveFilter(portals=["babel"], since="2023-03-01"), 20)
    sql = str(stmt.compile(archive.engine, compile_kwargs={"literal_binds": True}))
    with archive.engine.connect() as conn:
        plan = " | ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert f"COVERING INDEX {s.SEARCH_INDEX}" in plan
