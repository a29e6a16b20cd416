"""``scrapy <command>`` run in this process, the way ``scrapy.cmdline.execute`` runs it in a subprocess.

For the archive commands (``export``, ``search``, ``gaps``, ``stories``, ``reparse``, ``savefixture`` argument
errors): no crawl, so no reactor and nothing the test process could not undo. ``execute`` itself does the work: the
project settings from ``scrapy.cfg``, the command class, its options parsed as on the command line (``-s NAME=value``
included), a ``UsageError`` turned into exit 2, and ``sys.exit(cmd.exitcode)``. What the command prints is captured
with ``capsys``. A log record at WARNING or above, which a subprocess's last-resort log handler would have printed on
stderr (these commands configure no logging), is added to ``stderr`` so a "one line on stderr" check stays as strict.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable

import pytest

from tests.helpers import ROOT


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def run_command(args: list[str], capsys: pytest.CaptureFixture[str]) -> subprocess.CompletedProcess:
    """``scrapy <args>`` in process; a ``CompletedProcess`` as ``run_scrapy`` gives (returncode, stdout, stderr)."""
    from scrapy.cmdline import execute

    crawl = {"crawl", "runspider", "shell", "fetch", "view", "check", "parse", "bench"}
    assert args and args[0] not in crawl, "a crawl command runs through run_scrapy: it would start a reactor here"
    environ, cwd = dict(os.environ), os.getcwd()
    handler = _Records()
    root = logging.getLogger()
    capsys.readouterr()  # what the test printed before is not the command's
    root.addHandler(handler)
    os.chdir(ROOT)
    try:
        try:
            execute(["scrapy", *args])
        except SystemExit as exc:
            code = exc.code
        else:  # execute always exits
            raise AssertionError(f"scrapy {args[0]} returned without exiting")
    finally:
        os.chdir(cwd)
        root.removeHandler(handler)
        os.environ.clear()
        os.environ.update(environ)  # execute sets SCRAPY_SETTINGS_MODULE and friends
    out, err = capsys.readouterr()
    err += "".join(f"{line}\n" for line in handler.lines)
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(["scrapy", *args], returncode, out, err)


@pytest.fixture
def scrapy_command(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], subprocess.CompletedProcess]:
    """``scrapy_command(["export", ...])``: ``run_command`` with this test's ``capsys``."""
    return lambda args: run_command(args, capsys)
