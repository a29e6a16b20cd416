"""Progress of long commands: plain log lines when not on a terminal (``Progress`` in process).

The ``scrapy stories``/``reparse`` processes, on a real pty and off one, are in ``tests/e2e/test_e2e_progress.py``."""

from __future__ import annotations

import io

import pytest

from antara_crawler.progress import Progress


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


def test_work_that_fails_logs_no_closing_line():
    stream = io.StringIO()
    with pytest.raises(RuntimeError), Progress(10, "export", interval=3600, stream=stream):
        raise RuntimeError("disk full")
    assert stream.getvalue() == ""
