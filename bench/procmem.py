"""The peak memory of one child process, measured on that process alone.

A child's ``ru_maxrss`` (from ``wait4`` or ``RUSAGE_CHILDREN``) is no good here: Linux carries the high-water mark
of the process that forked it across ``exec``, so every crawl started by a benchmark process that had grown to 400 MB
reports 400 MB. ``VmHWM`` in ``/proc/<pid>/status`` belongs to the child's own address space (new at ``exec``);
:class:`PeakMemory` samples it until the process exits. It is a high-water mark, so a sample misses only what the
process gained in its last interval.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass


def vm_hwm_kb(pid: int) -> int | None:
    """``VmHWM`` (peak resident set, kB) of a live process; None once it has exited."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None  # a zombie: its memory is gone


class PeakMemory:
    """Samples a process's ``VmHWM`` every ``interval`` seconds in a thread; ``peak_mb`` is the last value seen."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name=f"vmhwm-{pid}", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            value = vm_hwm_kb(self.pid)
            if value is None:
                return
            self.peak_kb = max(self.peak_kb, value)
            self._done.wait(self.interval)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_mb

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


@dataclass
class Measured:
    returncode: int
    peak_mb: float  # the process's own peak resident set (VmHWM)
    cpu_seconds: float  # its user + system time (wait4: the child's own, not inherited)
    ru_maxrss_mb: float  # what wait4 says: at least the forking process's high-water mark (for comparison only)


def wait_measured(proc: subprocess.Popen, sampler: PeakMemory) -> Measured:
    """Wait for ``proc`` (reaping it with ``wait4``), then stop its sampler."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(proc.returncode, sampler.stop(), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
