"""The pure rules of the id ledger and of backfills by id (antara_crawler/backfill.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from antara_crawler.backfill import (
    BoundSearch,
    IdSet,
    Run,
    bound_searches,
    descending,
    interleave,
    merge_adjacent,
    outcomes_to_runs,
    overlay,
    parse_ids,
    progress_line,
    state_for_reason,
    unsettled,
)

NOW = datetime(2026, 12, 1, 12, 0, 0)
T = "2026-12-01 12:00:00"
OLD = "2026-10-01 12:00:00"  # over 30 days before NOW


def test_reasons_map_to_states():
    assert state_for_reason("http_404") == "not_found"
    assert state_for_reason("http_410") == "not_found"
    assert state_for_reason("redirected_away") == "not_article"
    assert state_for_reason("not_found_page") == "not_article"
    assert state_for_reason("listing_page") == "not_article"
    assert state_for_reason("http_503") == "failed"
    assert state_for_reason("timeout") == "failed"
    assert state_for_reason("incomplete_pages") == "failed"
    assert state_for_reason("missing_body") == "failed"


def test_adjacent_runs_of_one_state_merge():
    runs = [Run(1, 3, "archived", 1, T), Run(4, 4, "archived", 1, OLD), Run(6, 7, "archived", 1, T)]
    assert merge_adjacent(runs) == [Run(1, 4, "archived", 1, T), Run(6, 7, "archived", 1, T)]


def test_runs_with_different_try_counts_stay_apart():
    runs = [Run(1, 1, "not_found", 1, T), Run(2, 2, "not_found", 2, T)]
    assert merge_adjacent(runs) == runs


def test_overlay_splits_a_run_and_merges_with_neighbours():
    existing = [Run(1, 10, "failed", 1, OLD), Run(11, 20, "archived", 1, OLD)]
    updates = [Run(5, 5, "archived", 1, T), Run(10, 10, "archived", 1, T)]
    assert overlay(existing, updates) == [
        Run(1, 4, "failed", 1, OLD),
        Run(5, 5, "archived", 1, T),
        Run(6, 9, "failed", 1, OLD),
        Run(10, 20, "archived", 1, T),
    ]


def test_overlay_fills_a_hole_between_runs_into_one():
    existing = [Run(1, 4, "archived", 1, OLD), Run(6, 9, "archived", 1, OLD)]
    assert overlay(existing, [Run(5, 5, "archived", 1, T)]) == [Run(1, 9, "archived", 1, T)]


def test_outcomes_never_downgrade_an_archived_id():
    existing = [Run(1, 5, "archived", 1, OLD)]
    assert outcomes_to_runs(existing, {3: "not_found", 6: "not_found"}, T) == [Run(6, 6, "not_found", 1, T)]


def test_a_404_seen_again_counts_a_try():
    existing = [Run(1, 2, "not_found", 1, OLD)]
    assert outcomes_to_runs(existing, {1: "not_found", 2: "failed"}, T) == [
        Run(1, 1, "not_found", 2, T),
        Run(2, 2, "failed", 1, T),
    ]


def test_unsettled_keeps_unprobed_failed_and_due_not_found():
    runs = [
        Run(10, 12, "archived", 1, T),
        Run(13, 13, "not_article", 1, T),
        Run(14, 14, "not_found", 1, T),  # checked today: settled
        Run(15, 15, "not_found", 1, OLD),  # due again
        Run(16, 16, "failed", 1, T),  # always tried again
        Run(17, 17, "not_found", 4, OLD),  # given up after 1 + 3 checks
    ]
    got = unsettled(8, 20, runs, now=NOW, recheck_days=30, max_rechecks=3)
    assert got == [(8, 9), (15, 16), (18, 20)]


def test_unsettled_of_a_settled_range_is_empty():
    runs = [Run(1, 100, "archived", 1, T)]
    assert unsettled(20, 30, runs, now=NOW, recheck_days=30, max_rechecks=3) == []


def test_ids_one_range_for_every_portal():
    assert parse_ids("537000-537900", ["babel", "sumbar"]) == {"babel": (537000, 537900), "sumbar": (537000, 537900)}


def test_ids_one_range_per_portal():
    got = parse_ids("babel:537000-537900,makassar:612000-612900", ["babel", "makassar"])
    assert got == {"babel": (537000, 537900), "makassar": (612000, 612900)}


@pytest.mark.parametrize("spec", ["", "abc", "9-1", "0-5", "papua:1-2", "babel:1-2,babel:3-4", "babel:"])
def test_bad_ids_are_refused(spec):
    with pytest.raises(ValueError):
        parse_ids(spec, ["babel", "makassar"])


def test_order_is_newest_first_with_portals_in_turn():
    per_portal = {"babel": descending([(1, 2), (5, 6)]), "papua": descending([(10, 10)])}
    assert list(interleave(per_portal)) == [("babel", 6), ("papua", 10), ("babel", 5), ("babel", 2), ("babel", 1)]


def _bisect(dates: dict[int, date], day: date, newest: int) -> tuple[int, list[int]]:
    search = BoundSearch(day, above=newest + 1)
    probes = []
    while (probe := search.next_probe()) is not None:
        probes.append(probe)
        search.record(probe, dates.get(probe))
    return search.first_id, probes


def test_bisection_finds_the_first_id_of_a_day():
    dates = {i: date(2026, 1, 1 + (i - 100) // 10) for i in range(100, 300)}  # ten ids a day
    first, probes = _bisect(dates, date(2026, 1, 7), 299)
    assert first == 160
    assert len(probes) <= 10


def test_bisection_steps_over_holes_to_a_neighbour():
    dates = {i: date(2026, 1, 1 + (i - 100) // 10) for i in range(100, 300) if i % 3}  # every third id is a hole
    first, probes = _bisect(dates, date(2026, 1, 7), 299)
    first_article = min(i for i, d in dates.items() if d >= date(2026, 1, 7))
    older = max(i for i in dates if i < first)
    assert dates[older] < date(2026, 1, 7)  # the last older article is before the range
    assert all(i not in dates for i in range(older + 1, first_article) if i != first)
    assert first <= first_article
    assert len(probes) == len(set(probes))  # never the same id twice


def test_a_dead_span_counts_as_older_than_the_day():
    dates = {i: date(2026, 1, 1 + (i - 500_000) // 10) for i in range(500_000, 500_200)}  # nothing below 500000
    first, probes = _bisect(dates, date(2026, 1, 3), 500_199)
    assert first == 500_020
    assert len(probes) < 200  # not every dead id


def test_known_points_narrow_the_search_before_any_probe():
    lower, upper = bound_searches([(150, date(2026, 1, 6)), (170, date(2026, 1, 8))], date(2026, 1, 7), None, 299)
    assert (lower.below, lower.above) == (150, 170)
    assert upper is None


def test_progress_line_shows_rate_and_time_left():
    line = progress_line("babel", 450, 900, 400, 30.0)
    assert line == "babel: 450/900 ids (50.0%), 400 articles, 15.0 ids/s, about 30s left"


def test_id_set_holds_ids_per_portal():
    ids = IdSet()
    for i in (0, 63, 64, 1_000_001):
        ids.add(("babel", i))
    assert all(("babel", i) in ids for i in (0, 63, 64, 1_000_001))
    assert ("babel", 1) not in ids
    assert ("papua", 64) not in ids
