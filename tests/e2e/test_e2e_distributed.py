"""Distributed crawling end to end, on real Redis/PostgreSQL: one ``scrapy crawl antara`` process against the offline
mirror, then two processes sharing one Redis queue against the same mirror, both archiving into PostgreSQL, and
what the mirror served compared: the same requests, each article archived exactly once. The components are tested
in process in ``tests/crawl/test_distributed.py``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.distributed import archived, crawl_cmd, explain, no_redis_warnings, redis_args, run_all, stat
from tests.site.server import MirrorServer

logger = logging.getLogger(__name__)


@pytest.mark.redis
@pytest.mark.postgres
def test_two_processes_share_one_queue(site, redis_url: str, postgres_server, redis_server) -> None:
    single_db = postgres_server.url(postgres_server.create_database())
    shared_db = postgres_server.url(postgres_server.create_database())
    # shared_db is left empty: the two crawlers create the schema at the same moment (one migrates, one waits)

    # a slow mirror and 4 requests per portal at a time: the crawl lasts long enough for both processes to take part
    slow = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4")
    with MirrorServer(site.root, delay=0.25) as server:
        (single,) = run_all([crawl_cmd(server, single_db, *slow)])
        single_requests = Counter(server.requests)
    assert single.returncode == 0, explain([single])

    with MirrorServer(site.root, delay=0.25) as server:
        args = [*slow, *redis_args(redis_url, "e2e", workers=2)]
        pair = run_all([crawl_cmd(server, shared_db, *args), crawl_cmd(server, shared_db, *args)])
        shared_requests = Counter(server.requests)
    assert [r.returncode for r in pair] == [0, 0], explain(pair)

    # each process joined the run and did part of the work
    for result in pair:
        assert "Joined distributed run 'e2e'" in result.stderr
        assert no_redis_warnings(result.stderr) == []
    dequeued = [stat(r.stderr, "scheduler/dequeued/redis") for r in pair]
    assert all(n > 0 for n in dequeued), dequeued
    logger.info("dequeued per process: %s; requests: %d", dequeued, sum(shared_requests.values()))

    # the same requests as one process: seeds, listings and articles once, robots.txt once per portal
    assert shared_requests == single_requests, (shared_requests - single_requests, single_requests - shared_requests)
    assert max(shared_requests.values()) == 1

    # every reachable article archived exactly once, as by one process
    keys = archived(shared_db)
    assert len(keys) == len(set(keys))
    assert set(keys) == site.expected_keys() == set(archived(single_db))
    new = [int(m) for r in pair for m in re.findall(r"'antara/store/new': (\d+)", r.stderr)]
    assert sum(new) == len(keys)
    assert all(stat(r.stderr, "antara/store/unchanged") == 0 for r in pair)

    # the last process out deleted the run's keys
    client = redis_server.client()
    assert client.keys("antara:e2e:*") == []
    client.close()


@pytest.mark.redis
def test_late_worker_of_a_finished_run_finds_nothing_new(site, redis_url: str, tmp_path: Path) -> None:
    """A run's keys are gone once it finished: a second run with the same id is a new incremental run, which the
    archive (not Redis) keeps from fetching the articles again."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    with MirrorServer(site.root) as server:
        (first,) = run_all([crawl_cmd(server, db, *redis_args(redis_url, "again", workers=1))])
        before = len(server.requests)
        (second,) = run_all([crawl_cmd(server, db, *redis_args(redis_url, "again", workers=1))])
        again = server.requests[before:]
    assert [first.returncode, second.returncode] == [0, 0], explain([first, second])
    assert [p for p in again if "/berita/" in p] == []
    assert set(archived(db)) == site.expected_keys()
