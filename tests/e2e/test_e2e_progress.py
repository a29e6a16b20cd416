"""Progress of long commands in real ``scrapy`` processes: tqdm's bar on a terminal (run under a real pty), plain
log lines off one. ``Progress`` itself is tested in process in ``tests/test_progress.py``."""

from __future__ import annotations

import copy
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios

import pytest

from antara_crawler.store import Archive
from tests.helpers import ROOT, run_scrapy, story_corpus


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "antara.db"
    with Archive.open(f"sqlite:///{path}") as archive:
        archive.write_batch([copy.deepcopy(a) for a in story_corpus.build().articles])
    return path


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


def test_stories_rebuild_on_a_terminal_draws_tqdms_bar(db_path):
    shown = _run_under_pty(["stories", "--rebuild", "--db", str(db_path)], {"ANTARA_PROGRESS_INTERVAL": "0"})
    assert "stories --rebuild: 100%|" in shown  # tqdm's bar: description, percentage, bar
    assert "articles/s]" in shown  # rate (and elapsed<remaining before it)
    assert "[antara_crawler.progress]" not in shown  # no log lines on a terminal


def test_stories_rebuild_not_on_a_terminal_logs_lines(db_path):
    result = run_scrapy(["stories", "--rebuild", "--db", str(db_path)], env={"ANTARA_PROGRESS_INTERVAL": "0"})
    assert result.returncode == 0, result.stderr
    assert "[antara_crawler.progress] INFO: stories --rebuild: 254/254 articles (100%)" in result.stderr
    assert "%|" not in result.stderr
    articles = len(story_corpus.build().articles)
    assert f"stories: {articles} articles in " in result.stdout


def test_reparse_not_on_a_terminal_logs_lines(tmp_path):
    from tests.store.test_store_reparse import stale_archive

    stale_archive(tmp_path / "a.db").close()
    result = run_scrapy(["reparse", "--db", f"sqlite:///{tmp_path / 'a.db'}"], env={"ANTARA_PROGRESS_INTERVAL": "0"})
    assert result.returncode == 0, result.stderr
    assert "[antara_crawler.progress] INFO: reparse: 2/2 pages (100%)" in result.stderr
