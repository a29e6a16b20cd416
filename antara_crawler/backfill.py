"""Pure logic of the id ledger and of backfills by id: no Scrapy, no database.

Every portal numbers its articles with its own increasing id, so the archive can know which ids it has tried and
what each gave. This module holds the rules, as functions of plain values:

* **Runs.** The ledger stores runs of consecutive ids with one outcome (:class:`Run`); :func:`overlay` applies new
  outcomes to the runs of a window and merges adjacent runs of one state, so 1,000,000 ids take a few rows when the
  archive is complete and one row per change of state otherwise.
* **Settled ids.** :func:`unsettled` gives the ids of a range a backfill must still request: never tried,
  ``failed``, or ``not_found`` checked over ``recheck_days`` ago and fewer than ``max_rechecks`` times again.
* **Arguments.** :func:`parse_ids` reads ``ids=537000-537900`` or ``ids=babel:537000-537900,makassar:...``;
  :func:`interleave` gives the documented request order (newest id first, portals in turn).
* **Bounds by date.** :class:`BoundSearch` bisects on the dates of probed articles to find the first id published
  on or after a day; a probe that hits a hole tries the untried id nearest to the middle instead.
* **Progress.** :func:`progress_line` formats the per-portal line a long backfill logs every minute or so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

ARCHIVED = "archived"
NOT_FOUND = "not_found"
NOT_ARTICLE = "not_article"
FAILED = "failed"
#: the ledger's states, in the order reports show them
STATES = (ARCHIVED, NOT_FOUND, NOT_ARTICLE, FAILED)

#: LinkStatus reasons (``antara/dropped/<reason>``, ``antara/errors/<reason>``) that mean "not an article"; every
#: other reason that is not a 404/410 is a failure, tried again next run (a timeout, a 503, a page the parser could
#: not read, a multi-page article with a missing page)
NOT_ARTICLE_REASONS = frozenset({"redirected_away", "not_found_page", "listing_page", "not_article_url"})
NOT_FOUND_REASONS = frozenset({"http_404", "http_410"})


def state_for_reason(reason: str) -> str:
    """The ledger state of an id whose fetch gave no article, from the reason the spider recorded."""
    if reason in NOT_FOUND_REASONS:
        return NOT_FOUND
    if reason in NOT_ARTICLE_REASONS:
        return NOT_ARTICLE
    return FAILED


@dataclass(frozen=True)
class Run:
    """Ids ``first..last`` (inclusive) of one portal with one outcome."""

    first: int
    last: int
    state: str
    tries: int = 1  # how many times in a row this outcome was seen (counts 404s for the recheck limit)
    checked_at: str = ""  # UTC text "YYYY-MM-DD HH:MM:SS" of the latest check in the run

    def __len__(self) -> int:
        return self.last - self.first + 1

    def same_kind(self, other: Run) -> bool:
        return self.state == other.state and self.tries == other.tries


def run_of(runs: Sequence[Run], antara_id: int) -> Run | None:
    """The run holding ``antara_id`` in sorted, non-overlapping ``runs`` (binary search)."""
    lo, hi = 0, len(runs)
    while lo < hi:
        mid = (lo + hi) // 2
        if runs[mid].last < antara_id:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(runs) and runs[lo].first <= antara_id:
        return runs[lo]
    return None


def outcomes_to_runs(existing: Sequence[Run], outcomes: Mapping[int, str], now: str) -> list[Run]:
    """New runs for ``outcomes`` ({id: state}) seen at ``now``, given the ``existing`` runs around them.

    An archived id stays archived (the archive holds it, whatever a later fetch says); a ``not_found`` seen again
    counts one more try; any other outcome starts at one try.
    """
    out: list[Run] = []
    for antara_id in sorted(outcomes):
        state = outcomes[antara_id]
        previous = run_of(existing, antara_id)
        if previous is not None and previous.state == ARCHIVED and state != ARCHIVED:
            continue
        tries = previous.tries + 1 if previous is not None and previous.state == state == NOT_FOUND else 1
        out.append(Run(antara_id, antara_id, state, tries, now))
    return merge_adjacent(out)


def merge_adjacent(runs: Iterable[Run]) -> list[Run]:
    """Sorted runs with adjacent runs of one state and try count joined (latest ``checked_at`` kept)."""
    out: list[Run] = []
    for run in sorted(runs, key=lambda r: r.first):
        if out and out[-1].last + 1 >= run.first and out[-1].same_kind(run):
            prev = out[-1]
            out[-1] = replace(prev, last=max(prev.last, run.last), checked_at=max(prev.checked_at, run.checked_at))
        else:
            out.append(run)
    return out


def overlay(existing: Sequence[Run], updates: Sequence[Run]) -> list[Run]:
    """``existing`` runs (sorted, non-overlapping) with ``updates`` written over them, adjacent runs merged."""
    updates = merge_adjacent(updates)
    pieces: list[Run] = []
    u = 0
    for run in existing:
        start = run.first
        while u < len(updates) and updates[u].last < start:
            u += 1
        j = u
        while j < len(updates) and updates[j].first <= run.last:
            upd = updates[j]
            if upd.first > start:
                pieces.append(replace(run, first=start, last=upd.first - 1))
            start = max(start, upd.last + 1)
            j += 1
        if start <= run.last:
            pieces.append(replace(run, first=start))
    return merge_adjacent([*pieces, *updates])


def is_settled(run: Run, *, now: datetime, recheck_days: float, max_rechecks: int) -> bool:
    """Archived and not-article ids are settled; a not-found id until it is due again; a failed one never."""
    if run.state in (ARCHIVED, NOT_ARTICLE):
        return True
    if run.state == NOT_FOUND:
        if run.tries > max_rechecks:
            return True  # given up on: checked 1 + max_rechecks times
        checked = _parse_utc(run.checked_at)
        return checked is not None and now - checked < timedelta(days=recheck_days)
    return False


def unsettled(
    lo: int, hi: int, runs: Sequence[Run], *, now: datetime, recheck_days: float, max_rechecks: int
) -> list[tuple[int, int]]:
    """The ranges of ids in ``lo..hi`` (inclusive) a backfill still has to request, ascending."""
    out: list[tuple[int, int]] = []
    cursor = lo
    for run in sorted(runs, key=lambda r: r.first):
        if run.last < cursor or run.first > hi:
            continue
        if not is_settled(run, now=now, recheck_days=recheck_days, max_rechecks=max_rechecks):
            continue
        if run.first > cursor:
            out.append((cursor, run.first - 1))
        cursor = max(cursor, run.last + 1)
        if cursor > hi:
            break
    if cursor <= hi:
        out.append((cursor, hi))
    return merge_ranges(out)


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inclusive ranges sorted, overlapping or adjacent ones joined."""
    out: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if out and out[-1][1] + 1 >= first:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def count_ids(ranges: Iterable[tuple[int, int]]) -> int:
    return sum(last - first + 1 for first, last in ranges)


def _parse_utc(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


class IdSet:
    """A set of ``(portal, id)`` keys stored as one bit per id (64 ids a dict entry): a million consecutive ids take
    about 2 MB, not the ~100 MB of a set of tuples."""

    def __init__(self) -> None:
        self._blocks: dict[tuple[str, int], int] = {}

    def add(self, key: tuple[str, int]) -> None:
        portal, antara_id = key
        block = (portal, antara_id >> 6)
        self._blocks[block] = self._blocks.get(block, 0) | (1 << (antara_id & 63))

    def __contains__(self, key: object) -> bool:
        portal, antara_id = key  # type: ignore[misc]
        return bool(self._blocks.get((portal, antara_id >> 6), 0) >> (antara_id & 63) & 1)


# --- arguments and order ----------------------------------------------------------------------------------------


def parse_ids(spec: str, portals: Sequence[str]) -> dict[str, tuple[int, int]]:
    """``{portal: (first, last)}`` from ``ids=537000-537900`` (every listed portal) or
    ``ids=babel:537000-537900,makassar:612000-612900`` (one range per portal; each must be listed). A single id
    (``537000``) is a range of one. Raises ValueError with a readable message."""
    spec = (spec or "").strip()
    if not spec:
        raise ValueError("ids is empty; give a range like ids=537000-537900 or ids=babel:537000-537900")
    if ":" not in spec:
        bounds = _range(spec)
        return dict.fromkeys(portals, bounds)
    out: dict[str, tuple[int, int]] = {}
    for part in spec.split(","):
        portal, sep, rng = part.strip().partition(":")
        portal = portal.strip()
        if not sep or not portal:
            raise ValueError(f"ids: {part!r} is not portal:first-last")
        if portal not in portals:
            raise ValueError(f"ids: portal {portal!r} is not in portals={','.join(portals)}")
        if portal in out:
            raise ValueError(f"ids: portal {portal!r} is given twice")
        out[portal] = _range(rng)
    return out


def _range(text: str) -> tuple[int, int]:
    first, sep, last = text.strip().partition("-")
    try:
        lo = int(first)
        hi = int(last) if sep else lo
    except ValueError:
        raise ValueError(f"ids: {text!r} is not a range like 537000-537900") from None
    if lo < 1 or hi < lo:
        raise ValueError(f"ids: {text!r} must be first-last with 1 <= first <= last")
    return lo, hi


def descending(ranges: Sequence[tuple[int, int]]) -> Iterator[int]:
    """The ids of ascending ``ranges``, newest (highest) first."""
    for first, last in reversed(ranges):
        yield from range(last, first - 1, -1)


def interleave(per_portal: Mapping[str, Iterable[int]]) -> Iterator[tuple[str, int]]:
    """The request order of a backfill: each portal's ids newest first, the portals taking turns one id at a time
    (so the per-portal concurrency of every portal is used, and an interrupted backfill has the newest ids)."""
    iterators = {portal: iter(ids) for portal, ids in per_portal.items()}
    while iterators:
        for portal in list(iterators):
            try:
                yield portal, next(iterators[portal])
            except StopIteration:
                del iterators[portal]


# --- finding id bounds from dates -------------------------------------------------------------------------------


@dataclass
class BoundSearch:
    """Bisection for the first id published on or after ``day`` (ids grow with dates).

    ``below`` is the highest id known to be older than ``day`` (0 when none), ``above`` the lowest known to be on
    or after it (the newest id + 1 when none). :meth:`next_probe` gives the id to fetch next, or None when every id
    strictly between them was tried: then the answer is ``below + 1`` (everything between is not an article).
    A probe that is no article (a hole, a foto page) is recorded with ``day=None``; the next probe is the untried id
    nearest the middle, a neighbour of the hole. When every id within ``neighbours`` of the middle is no article,
    that dead span counts as older than ``day`` (ids grow with time): the search goes on above it.
    """

    day: date
    below: int = 0
    above: int = 0
    tried: set[int] = field(default_factory=set)
    #: ids tried on each side of the middle before the span around it counts as a dead span
    neighbours: int = 5

    def record(self, antara_id: int, day: date | None) -> None:
        self.tried.add(antara_id)
        if day is None:
            return
        if day < self.day:
            self.below = max(self.below, antara_id)
        elif self.above == 0 or antara_id < self.above:
            self.above = antara_id

    def next_probe(self) -> int | None:
        while True:
            lo, hi = self.below + 1, self.above - 1
            if lo > hi:
                return None
            mid = (lo + hi) // 2
            for step in range(self.neighbours + 1):
                for candidate in (mid - step, mid + step):
                    if lo <= candidate <= hi and candidate not in self.tried:
                        return candidate
            # no article within ``neighbours`` of the middle: a dead span (ids a portal skipped, or the years before
            # it numbered this high), taken as older than ``day``; ids grow with time, so the search moves up
            self.below = min(hi, mid + self.neighbours)

    @property
    def first_id(self) -> int:
        """The first id on or after ``day`` (once :meth:`next_probe` is None)."""
        return self.below + 1


def bound_searches(
    points: Iterable[tuple[int, date]], since: date, until: date | None, newest_id: int, *, neighbours: int = 5
) -> tuple[BoundSearch, BoundSearch | None]:
    """The searches for the first id of ``since`` and the first id after ``until``, seeded with known
    ``(id, day)`` points (archived articles, feed and listing entries). ``newest_id`` closes the top."""
    points = list(points)
    lower = BoundSearch(since, above=newest_id + 1, neighbours=neighbours)
    upper = BoundSearch(until + timedelta(days=1), above=newest_id + 1, neighbours=neighbours) if until else None
    for antara_id, day in points:
        lower.record(antara_id, day)
        if upper is not None:
            upper.record(antara_id, day)
    return lower, upper


# --- progress ---------------------------------------------------------------------------------------------------


def progress_line(portal: str, done: int, total: int, found: int, elapsed: float) -> str:
    """``babel: 4200/9000 ids (46.7%), 3650 articles, 12.3 ids/s, about 6m30s left``."""
    rate = done / elapsed if elapsed > 0 else 0.0
    pct = 100.0 * done / total if total else 100.0
    left = "done" if done >= total else (f"about {_duration((total - done) / rate)} left" if rate else "eta unknown")
    return f"{portal}: {done}/{total} ids ({pct:.1f}%), {found} articles, {rate:.1f} ids/s, {left}"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
