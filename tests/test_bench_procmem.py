"""bench/procmem.py measures a child's own peak memory, not the high-water mark inherited from its parent."""

from __future__ import annotations

import subprocess
import sys

from bench.procmem import PeakMemory, wait_measured

#: a child that holds 60 MB for a moment, then exits
GROW = "import time; block = bytearray(60 * 1024 * 1024); time.sleep(0.5)"
SMALL = "import time; time.sleep(0.3)"


def _measure(code: str):
    proc = subprocess.Popen([sys.executable, "-c", code])
    return wait_measured(proc, PeakMemory(proc.pid))


def test_a_childs_own_growth_is_measured():
    measured = _measure(GROW)
    assert measured.returncode == 0
    assert measured.peak_mb >= 60


def test_a_small_child_of_a_big_parent_is_measured_small():
    ballast = bytearray(300 * 1024 * 1024)  # this process now holds 300 MB more
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page: resident, not only reserved
    measured = _measure(SMALL)
    assert measured.ru_maxrss_mb >= 300  # inherited across fork + exec: the parent's high-water mark
    assert 0 < measured.peak_mb < 100  # the child's own: a bare interpreter
    del ballast
