"""How long one fleet run of 30 portals takes with 1, 2 and 4 audits at once.

Thirty sample portals on loopback (small synthetic sites of the vungtau-2022 scenario, 3 units and
6 directory rows each, so that the figure shows the fleet's overhead and parallelism rather than one
big crawl), audited by ``fleet_audit`` through a temporary local Prefect server: Chromium, Great
Expectations, the store and Prefect's concurrency limits all take part.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

TITLE = "Fleet"
HOW = __doc__.split("\n\n", 1)[1].strip().replace("\n", " ")
PORTALS = 30
CONCURRENCY = (1, 2, 4)
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
            for audits in CONCURRENCY:
                entries = [{"profile": str(PROFILE), "base_url": p.base_url, "now": night,
                            "out": str(Path(tmp) / f"c{audits}" / f"p{i:02d}"),
                            "db": f"sqlite:///{Path(tmp) / f'c{audits}-p{i:02d}.sqlite3'}"}
                           for i, p in enumerate(portals)]
                started = time.perf_counter()
                fleet_audit(entries, audits=audits)
                seconds = time.perf_counter() - started
                results.append((f"fleet: {PORTALS} portals, {audits} concurrent",
                                f"{seconds:.1f} s wall ({seconds / PORTALS:.1f} s per portal)"))
    finally:
        for portal in portals:
            portal.stop()
    return results


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
