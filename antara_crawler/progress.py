"""Progress of long commands: a tqdm bar (rate, time left) on a terminal, plain log lines every few seconds elsewhere.

    with Progress(total, "export", unit="articles", interval=30) as progress:
        for record in records:
            ...
            progress.update()

On a terminal (``stream.isatty()``) the bar is tqdm's, on stderr. Not on a terminal (cron, a pipe, a log file)
nothing is drawn: a line ``2026-12-01 03:00:30 [antara_crawler.progress] INFO: export: 20000/200000 articles
(10%), 7854/s, 23 s left`` is logged every ``interval`` seconds (``ANTARA_PROGRESS_INTERVAL``) and once at the end,
to ``stream`` through a handler of its own (so a command's quiet ``LOG_LEVEL`` does not hide it). Without tqdm (the ``analysis`` extra) the log lines are
used on a terminal too.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import IO, Any

logger = logging.getLogger("antara_crawler.progress")


class Progress:
    def __init__(
        self,
        total: int | None,
        desc: str,
        *,
        unit: str = "articles",
        interval: float = 30.0,
        stream: IO[str] | None = None,
    ):
        self.total = total
        self.desc = desc
        self.unit = unit
        self.interval = interval
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self._last_log = self.started
        self.bar: Any = None
        self._handler: logging.Handler | None = None
        if _is_tty(self.stream):
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, desc=desc, unit=f" {unit}", file=self.stream, dynamic_ncols=True)
        if self.bar is None:
            self._handler = logging.StreamHandler(self.stream)
            self._handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
            logger.addHandler(self._handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if now - self._last_log >= self.interval:
            self._last_log = now
            self._log(now)

    def set_done(self, done: int) -> None:
        """Set the count done so far (for work that reports absolute progress)."""
        self.update(done - self.done)

    def close(self, *, completed: bool = True) -> None:
        """End the bar, or log the closing line (not when the work did not complete: its error says why)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
            return
        if self._handler is not None:
            if completed:
                self._log(time.monotonic(), final=True)
            logger.removeHandler(self._handler)
            self._handler = None
            logger.propagate = True

    def _log(self, now: float, *, final: bool = False) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        if self.total:
            line = (
                f"{self.desc}: {self.done}/{self.total} {self.unit} ({100 * self.done / self.total:.0f}%), {rate:.0f}/s"
            )
            if not final and rate > 0:
                line += f", {(self.total - self.done) / rate:.0f} s left"
        else:
            line = f"{self.desc}: {self.done} {self.unit}, {rate:.0f}/s"
        if final:
            line += f", done in {elapsed:.1f} s"
        logger.info(line)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(completed=exc_type is None)


def _is_tty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
