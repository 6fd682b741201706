"""The fleet benchmark's count of audits run again, read from a real temporary Prefect server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmarks.fleet import _retries_said
from conftest import temporary_server_environment

ROOT = Path(__file__).resolve().parents[1]

FLEET = textwrap.dedent("""
    from flows.environment import prefect_defaults

    prefect_defaults()
    from prefect import flow, task
    from prefect.runtime import flow_run

    from benchmarks.fleet import _retried

    attempts = {}

    def once_then_fine(key):
        attempts[key] = attempts.get(key, 0) + 1
        if attempts[key] == 1 and key != "fine":
            raise RuntimeError("503 Service Unavailable")
        return key

    audit = task(name="audit-portal", retries=1, retry_delay_seconds=0)(once_then_fine)
    record = task(name="record-night", retries=1, retry_delay_seconds=0)(once_then_fine)

    @flow
    def fleet():
        for key in ("busy", "fine", "busy-again"):
            audit(key)
        record("not an audit")
        return flow_run.id

    run_id = fleet()
    print(_retried(run_id, 3), _retried(run_id, 3, page=1), _retried(run_id, 4, wait_s=2))
""")


@pytest.mark.prefect
def test_audits_run_again_are_counted_once_the_server_has_recorded_them_all(tmp_path):
    """Read straight after the run (the server records task runs from its events a moment later),
    page by page (one audit to a page as well), and "not known" when an audit is missing."""
    env = {**temporary_server_environment(tmp_path), "PREFECT_LOGGING_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-c", FLEET], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "2", "None"]


def test_the_benchmark_line_says_how_many_audits_ran_again_or_that_it_is_not_known():
    assert _retries_said(0) == ""
    assert "2 audit(s) run again" in _retries_said(2)
    assert "not known" in _retries_said(None)
