"""bench/bench_store.py times its big-archive queries through the store's public API (the query part called a
removed ``Archive.search`` for a while and crashed before printing a figure)."""

from __future__ import annotations

import pytest

from antara_crawler.store import Archive
from bench.bench_store import PORTALS, big_queries, build_big_archive


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    db = tmp_path_factory.mktemp("big") / "big.db"
    _, words = build_big_archive(db, 3000)
    archive = Archive.open(f"sqlite:///{db}", store_html=False)
    try:
        return {label: fn() for label, fn in big_queries(archive, words)}
    finally:
        archive.close()


def test_every_big_archive_query_runs(results: dict[str, list]) -> None:
    assert len(results) == 6
    assert all(isinstance(rows, list) for rows in results.values())


def test_the_unfiltered_queries_find_rows(results: dict[str, list]) -> None:
    for label, rows in results.items():
        if "in 2020" not in label:
            assert rows, label


def test_a_filtered_search_keeps_to_its_portal_and_year(results: dict[str, list]) -> None:
    filtered = {label: hits for label, hits in results.items() if "in 2020" in label}
    assert len(filtered) == 2
    assert any(filtered.values())  # the function word is in a fifth of the articles: some in portal07's 2020
    for label, hits in filtered.items():
        assert all(hit.portal == PORTALS[7] for hit in hits), label
        assert all((hit.published_at or "").startswith("2020-") for hit in hits), label
