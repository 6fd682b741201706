"""Resident memory of this process and of the processes it started (Chromium), sampled in the
background, read from /proc (Linux): the proportional set size (PSS), so pages that Chromium's
processes share are counted once, not once per process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

__all__ = ["tree_pss_mib", "PeakSampler"]


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").glob("*"))
    except OSError:                      # the process ended while it was being read
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def tree_pss_mib(root: int | None = None) -> float:
    """PSS of ``root`` (default: this process) and all its descendants, in MiB."""
    total, todo, seen = 0, [root or os.getpid()], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _pss_kib(pid)
        todo += _children(pid)
    return total / 1024


class PeakSampler:
    """``with PeakSampler() as s: ...``; then ``s.peak`` (MiB) and ``s.last`` (the latest sample)."""

    def __init__(self, every_s: float = 0.25) -> None:
        self.every_s = every_s
        self.peak = 0.0
        self.last = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="pss-sampler")

    def sample(self) -> float:
        self.last = tree_pss_mib()
        self.peak = max(self.peak, self.last)
        return self.last

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self.sample()

    def __enter__(self) -> "PeakSampler":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
