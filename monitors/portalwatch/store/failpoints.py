"""Named points where a test may kill the process, to prove a night survives being killed anywhere.

``PORTALWATCH_FAILPOINT=after_snapshots`` makes the process SIGKILL itself when it reaches that
point: no cleanup, no exception handler, exactly what an out-of-memory kill or a power cut does.
Unset (always, in production), a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

__all__ = ["hit", "POINTS"]

#: Every point, in the order a night reaches them.
POINTS = (
    "before_run", "after_run_started", "after_render", "before_commit_night", "after_page_contents",
    "after_snapshots", "after_records", "mid_findings", "after_findings", "after_unit_state",
    "before_run_completed", "after_commit_night", "after_outputs",
)


def hit(point: str) -> None:
    """Die here if asked to."""
    if os.environ.get("PORTALWATCH_FAILPOINT") == point:
        os.kill(os.getpid(), signal.SIGKILL)
