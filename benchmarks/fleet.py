"""How long one fleet run takes against the number of portals (10, 30) and of audits at once (1 to 4).

Thirty sample portals on loopback (small synthetic sites of the vungtau-2022 scenario, 3 units and
6 directory rows each, so that the figure shows the fleet's overhead and parallelism rather than one
big crawl), audited by ``fleet_audit`` through a temporary local Prefect server: Chromium, Great
Expectations, the store and Prefect's concurrency limits all take part. Audits at once is the size
of the `portalwatch-audits` limit, each audit in its own worker process (up to 4 per fleet run).
An audit the Prefect API cut short runs again after a wait (`flows.fleet.retry_when_api_busy`),
which the wall time then includes: a figure then says how many audits did.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

TITLE = "Fleet"
HOW = __doc__.split("\n\n", 1)[1].strip().replace("\n", " ")
PORTALS = 30
#: (portals, audits at once) of each fleet run measured.
RUNS = ((10, 1), (10, 2), (30, 2), (30, 4))
PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "vungtau-2022" / "profile.yaml"


def _audit_runs(client: Any, flow_run_id: Any, page: int) -> list:
    """The audit-portal task runs of a fleet run, page by page (the API answers a page at a time)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, TaskRunFilter, TaskRunFilterName

    in_fleet = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    named = TaskRunFilter(name=TaskRunFilterName(like_="audit-portal"))  # "contains": refined below
    runs, offset = [], 0
    while True:
        batch = client.read_task_runs(flow_run_filter=in_fleet, task_run_filter=named, limit=page, offset=offset)
        runs += [run for run in batch if run.name.startswith("audit-portal")]
        if len(batch) < page:
            return runs
        offset += page


def _retried(flow_run_id: Any, audits: int, *, page: int = 200, wait_s: float = 60.0) -> int | None:
    """Audits of a fleet run that needed more than one attempt (`flows.fleet.retry_when_api_busy`):
    their waits are in the wall time, so the figure says how many there were.

    The server records task runs from the events the run sends, a moment after the run ends, so
    the count waits (up to ``wait_s``) until all ``audits`` audits are recorded as finished; None
    if they are not by then, rather than a count of some of them."""
    from prefect import get_client

    deadline = time.monotonic() + wait_s
    with get_client(sync_client=True) as client:
        while True:
            runs = _audit_runs(client, flow_run_id, page)
            if sum(1 for run in runs if run.state is not None and run.state.is_final()) >= audits:
                return sum(1 for run in runs if run.run_count > 1)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.5)


def _retries_said(retried: int | None) -> str:
    """What the benchmark line adds about audits run again: nothing when none was."""
    if retried is None:
        return "; audits run again: not known (the server had not recorded every audit a minute later)"
    if retried:
        return f"; {retried} audit(s) run again after the Prefect API cut them short, their waits included"
    return ""


def run() -> list[tuple[str, str]]:
    from flows.environment import prefect_defaults

    prefect_defaults()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.testing.utilities import prefect_test_harness

    from flows.fleet import fleet_audit
    from sample_portal import SamplePortal

    portals = [SamplePortal("vungtau-2022", night=1, scale_units=3, scale_rows=6) for _ in range(PORTALS)]
    night = portals[0].scenario.night_date(1).isoformat()
    results = []
    try:
        for portal in portals:
            portal.start()
        with prefect_test_harness(server_startup_timeout=180), tempfile.TemporaryDirectory() as tmp:
            for count, audits in RUNS:
                run_dir = Path(tmp) / f"n{count}-c{audits}"
                entries = [{"profile": str(PROFILE), "base_url": p.base_url, "now": night,
                            "out": str(run_dir / f"p{i:02d}"), "db": f"sqlite:///{run_dir / f'p{i:02d}.sqlite3'}"}
                           for i, p in enumerate(portals[:count])]
                run_dir.mkdir(parents=True)
                started = time.perf_counter()
                state = fleet_audit(entries, audits=audits, return_state=True)
                seconds = time.perf_counter() - started
                state.result()                  # a failed fleet run fails the benchmark
                retried = _retried(state.state_details.flow_run_id, count)
                results.append((f"fleet: {count} portals, {audits} audit(s) at once",
                                f"{seconds:.1f} s wall ({count / seconds * 60:.1f} portals/min)"
                                + _retries_said(retried)))
    finally:
        for portal in portals:
            portal.stop()
    return results


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
