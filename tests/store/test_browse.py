"""``make browse``: Datasette serves the archive read-only, with the documented views and canned queries.

The test runs the exact ``datasette serve`` line of the Makefile's ``browse`` target (from ``make -n browse``) against
the fixture archive on a free 127.0.0.1 port. Datasette is the optional ``browse`` extra; without it the test skips
(``pip install -e '.[browse]'``).
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import ROOT
from tests.helpers import fixture_archive as fx
from tests.helpers.servers import stop_process

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("datasette") is None,
    reason="Datasette is not installed (optional extra: pip install -e '.[browse]')",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browse_command(db: str, port: int) -> list[str]:
    """The Makefile's datasette line for DB and PORT, with the venv's datasette replaced by this interpreter's."""
    line = None
    if shutil.which("make"):
        dry = subprocess.run(
            ["make", "-s", "-n", "browse", f"DB={db}", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True
        )
        line = next((x for x in dry.stdout.splitlines() if "datasette serve" in x), None)
    if line is None:  # no make: the same command, as the Makefile writes it
        line = f"datasette serve --immutable {db} --metadata docs/datasette.json --port {port}"
    args = shlex.split(line)
    assert args[0].endswith("datasette") and "--immutable" in args, line
    return [sys.executable, "-m", "datasette", *args[1:], "--host", "127.0.0.1"]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = fx.build(tmp_path_factory.mktemp("browse") / "antara.db")
    port = _free_port()
    proc = subprocess.Popen(
        _browse_command(str(db), port), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                _get(base + "/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.stdout else ""
                    pytest.fail(f"datasette did not start (exit {proc.poll()}):\n{out[-3000:]}")
                time.sleep(0.2)
        yield base
    finally:
        stop_process(proc)
        if proc.stdout:
            proc.stdout.close()


def test_home_page_serves(server):
    status, body = _get(server + "/")
    assert status == 200
    assert b"ANTARA News regional archive" in body  # the title from docs/datasette.json


def test_tables_and_documented_views_are_listed(server):
    status, body = _get(server + "/antara.json")
    assert status == 200
    data = json.loads(body)
    tables = {t["name"]: t for t in data["tables"]}
    assert tables["articles"]["count"] == len(fx.ARTICLES)
    assert {"related_links", "tags", "article_tags", "article_versions", "crawl_runs", "link_statuses"} <= set(tables)
    views = {v["name"] for v in data["views"]}
    assert views >= {"related_graph", "portal_months", "missing_targets"}


def test_archive_is_served_read_only(server):
    _, body = _get(server + "/-/databases.json")
    antara = next(d for d in json.loads(body) if d["name"] == "antara")
    assert antara["is_mutable"] is False


def test_views_canned_queries_and_search(server):
    _, body = _get(server + "/antara/missing_targets.json?_shape=array&_sort_desc=linked_from")
    rows = json.loads(body)
    assert rows[0]["portal"] == "babel" and rows[0]["antara_id"] == 441906 and rows[0]["linked_from"] == 2
    _, body = _get(server + "/antara/sumatra_bpjs_2024.json?_shape=array")
    rows = json.loads(body)
    stories = list(dict.fromkeys((r["portal"], r["antara_id"]) for r in rows))
    assert stories == [("sumbar", 330003), ("aceh", 410001), ("lampung", 700006), ("babel", 448393)]
    assert len(rows) == 10  # one row per (story, related link)
    _, body = _get(server + "/antara/articles.json?_search=bandang&_shape=array")
    assert [r["antara_id"] for r in json.loads(body)] == [150009]
