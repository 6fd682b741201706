"""How long one fleet run takes against the number of portals (10, 30) and of audits at once (1 to 4).

Thirty sample portals on loopback (small synthetic sites of the vungtau-2022 scenario, 3 units and
6 directory rows each, so that the figure shows the fleet's overhead and parallelism rather than one
big crawl), audited by ``fleet_audit`` through a temporary local Prefect server: Chromium, Great
Expectations, the store and Prefect's concurrency limits all take part. Audits at once is the size
of the `portalwatch-audits` limit, each audit in its own worker process (up to 4 per fleet run).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

TITLE = "Fleet"
HOW = __doc__.split("\n\n", 1)[1].strip().replace("\n", " ")
PORTALS = 30
#: (portals, audits at once) of each fleet run measured.
RUNS = ((10, 1), (10, 2), (30, 2), (30, 4))
PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "vungtau-2022" / "profile.yaml"


def run() -> list[tuple[str, str]]:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
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
                fleet_audit(entries, audits=audits)
                seconds = time.perf_counter() - started
                results.append((f"fleet: {count} portals, {audits} audit(s) at once",
                                f"{seconds:.1f} s wall ({count / seconds * 60:.1f} portals/min)"))
    finally:
        for portal in portals:
            portal.stop()
    return results


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
