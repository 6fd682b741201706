"""How long each stage of a night took.

A province runs hundreds of audits a night on small servers. When a portal's night starts to cost
more, ops need to see which stage grew (rendering, validation, the report) from the night's own
summary, not by profiling it again. The figures are wall-clock seconds of this process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["STAGES", "Stopwatch", "describe"]

#: The stages of a night, in the order they run; both `run_night` and the Prefect flow time these.
STAGES = ("setup", "render", "extract", "validate", "record", "alerts", "outputs")


class Stopwatch:
    """Seconds spent in each named stage, and in the whole night since the stopwatch started."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._started = clock()
        self._stages: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as ``name``; a stage entered twice adds up. A block that raises is timed too."""
        start = self._clock()
        try:
            yield
        finally:
            self._stages[name] = self._stages.get(name, 0.0) + (self._clock() - start)

    def seconds(self) -> dict[str, float]:
        """Each stage in the order first entered, then ``total`` (the whole night so far, glue included),
        rounded to hundredths."""
        figures = {name: round(value, 2) for name, value in self._stages.items()}
        figures["total"] = round(self._clock() - self._started, 2)
        return figures


def describe(seconds: dict[str, float]) -> str:
    """One line for ops: ``12.90 s (render 2.10 s, validate 4.10 s, ...)``."""
    stages = ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items() if name != "total")
    return f"{seconds['total']:.2f} s ({stages})" if stages else f"{seconds['total']:.2f} s"
