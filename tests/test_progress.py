"""Progress of long commands: plain log lines when not on a terminal, tqdm's bar on one (run under a real pty)."""

from __future__ import annotations

import copy
import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios

import pytest

from antara_crawler.progress import Progress
from antara_crawler.store import Archive
from tests.helpers import ROOT, run_scrapy, story_corpus


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "antara.db"
    with Archive.open(f"sqlite:///{path}") as archive:
        archive.write_batch([copy.deepcopy(a) for a in story_corpus.build().articles])
    return path


def test_not_a_terminal_logs_lines_with_rate_and_time_left():
    stream = io.StringIO()
    with Progress(10, "export", unit="articles", interval=0, stream=stream) as progress:
        for _ in range(3):
            progress.update()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4  # one per update (interval 0) and one at the end
    assert "[antara_crawler.progress] INFO: export: 1/10 articles (10%)" in lines[0]
    assert "/s, " in lines[0] and " s left" in lines[0]
    assert "export: 3/10 articles (30%)" in lines[-1] and "done in" in lines[-1]


def test_not_a_terminal_logs_at_most_once_per_interval():
    stream = io.StringIO()
    with Progress(1000, "reparse", unit="pages", interval=3600, stream=stream) as progress:
        for _ in range(1000):
            progress.update()
    assert len(stream.getvalue().splitlines()) == 1  # only the closing line


def test_no_log_line_leaks_into_other_loggers_handlers():
    import logging

    stream = io.StringIO()
    with Progress(2, "x", interval=0, stream=stream) as progress:
        progress.update()
    assert logging.getLogger("antara_crawler.progress").handlers == []


def _run_under_pty(args: list[str], env: dict[str, str]) -> str:
    """Run ``python -m scrapy ARGS`` with stdout and stderr on a pseudo-terminal; returns what it showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))  # a new pty is 0 columns wide
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    assert proc.returncode == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode("utf-8", errors="replace")


@pytest.mark.e2e
def test_stories_rebuild_on_a_terminal_draws_tqdms_bar(db_path):
    shown = _run_under_pty(["stories", "--rebuild", "--db", str(db_path)], {"ANTARA_PROGRESS_INTERVAL": "0"})
    assert "stories --rebuild: 100%|" in shown  # tqdm's bar: description, percentage, bar
    assert "articles/s]" in shown  # rate (and elapsed<remaining before it)
    assert "[antara_crawler.progress]" not in shown  # no log lines on a terminal


@pytest.mark.e2e
def test_stories_rebuild_not_on_a_terminal_logs_lines(db_path):
    result = run_scrapy(["stories", "--rebuild", "--db", str(db_path)], env={"ANTARA_PROGRESS_INTERVAL": "0"})
    assert result.returncode == 0, result.stderr
    assert "[antara_crawler.progress] INFO: stories --rebuild: 254/254 articles (100%)" in result.stderr
    assert "%|" not in result.stderr
    articles = len(story_corpus.build().articles)
    assert f"stories: {articles} articles in " in result.stdout


@pytest.mark.e2e
def test_reparse_not_on_a_terminal_logs_lines(tmp_path):
    from tests.store.test_store_reparse import stale_archive

    stale_archive(tmp_path / "a.db").close()
    result = run_scrapy(["reparse", "--db", f"sqlite:///{tmp_path / 'a.db'}"], env={"ANTARA_PROGRESS_INTERVAL": "0"})
    assert result.returncode == 0, result.stderr
    assert "[antara_crawler.progress] INFO: reparse: 2/2 pages (100%)" in result.stderr


def test_work_that_fails_logs_no_closing_line():
    stream = io.StringIO()
    with pytest.raises(RuntimeError), Progress(10, "export", interval=3600, stream=stream):
        raise RuntimeError("disk full")
    assert stream.getvalue() == ""
