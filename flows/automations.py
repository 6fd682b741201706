"""The Prefect automation that marks a run Crashed when its worker died under it.

A worker killed mid-night (the machine rebooted, the OOM killer, ``kill -9``) leaves its flow run
``Running`` for ever: no Failed event ever comes, so the automation that pages ops on Failed never
fires, and the night looks in progress. The workers' runs send a heartbeat every
``HEARTBEAT_S`` seconds (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``, set for the pool in
deployments/prefect.yaml); this automation, created once per Prefect server by ``make deploy``,
turns a run whose heartbeats stop for ``SILENCE_S`` into ``Crashed``, which ops can page on too.

    .venv/bin/python -m flows.automations       # create or replace it (PREFECT_API_URL)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["NAME", "HEARTBEAT_S", "SILENCE_S", "crash_unresponsive_runs"]

NAME = "portalwatch: crash unresponsive runs"
#: Seconds between heartbeats (Prefect wants more than 30).
HEARTBEAT_S = 60
#: No heartbeat for this long: the run's process is gone (three heartbeats missed).
SILENCE_S = 3 * HEARTBEAT_S


def crash_unresponsive_runs(silence_s: int = SILENCE_S) -> Any:
    """Create the automation, replacing one of the same name (so deploying again keeps one)."""
    from prefect.automations import Automation
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    with get_client(sync_client=True) as client:
        for old in client.read_automations_by_name(name=NAME):
            client.delete_automation(old.id)
    return Automation(
        name=NAME,
        description=f"A flow run with no heartbeat for {silence_s} s is marked Crashed: its worker died under it.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", "prefect.flow-run.Completed", "prefect.flow-run.Failed",
                    "prefect.flow-run.Cancelled", "prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=dt.timedelta(seconds=silence_s),
        ),
        actions=[ChangeFlowRunState(state=StateType.CRASHED,
                                    message=f"no heartbeat for {silence_s} s: the worker running it stopped")],
    ).create()


if __name__ == "__main__":
    created = crash_unresponsive_runs()
    print(f"automation '{created.name}' ({created.id}): a run silent for {SILENCE_S} s is marked Crashed")
