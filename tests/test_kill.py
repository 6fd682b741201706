"""A night killed (SIGKILL) at any point leaves the store consistent, and the next run finishes the work.

The killed run is the real command line in a child process; the process kills itself at a named
point (``PORTALWATCH_FAILPOINT``), which is what an out-of-memory kill or a power cut does: no
handler, no cleanup.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest

from conftest import PROFILE_PATH, record
from portalwatch.store import open_store
from portalwatch.store.failpoints import POINTS

pytestmark = pytest.mark.browser

COMMITTED = {"after_commit_night", "after_outputs"}   # points reached after the night's transaction


def _active(store, config):
    return sorted((r["unit_id"], r["subject"], r["field"], r["category"])
                  for r in store.list_findings(config.profile.name, status="active"))


def _truth(scenario, n):
    return sorted((g["unit_id"], g["subject"], g["field"], g["category"]) for g in scenario.ground_truth(n))


@pytest.fixture(scope="module")
def night_one_store(tmp_path_factory, nights, config):
    """A SQLite store holding night 1, copied for each kill."""
    path = tmp_path_factory.mktemp("night1") / "store.sqlite3"
    store = open_store(f"sqlite:///{path}")
    record(store, config, nights[1])
    state = (store.counts(), store.list_findings(status="all"))
    store.dispose()
    return path, state


def test_there_are_at_least_ten_points():
    assert len(POINTS) >= 10


@pytest.mark.parametrize("point", POINTS)
def test_killed_night_leaves_the_store_consistent(point, tmp_path, night_one_store, nights, scenario, portal,
                                                  config):
    source, (counts_after_1, findings_after_1) = night_one_store
    db = tmp_path / "store.sqlite3"
    shutil.copy(source, db)
    url = f"sqlite:///{db}"

    portal.set_night(2)
    env = {**os.environ, "PORTALWATCH_FAILPOINT": point, "GX_ANALYTICS_ENABLED": "False"}
    try:
        child = subprocess.run(
            [sys.executable, "-m", "portalwatch.cli", "run", "--no-prefect", "--profile", str(PROFILE_PATH),
             "--base-url", portal.base_url, "--now", nights[2].date.isoformat(), "--out", str(tmp_path / "out"),
             "--db", url], env=env, capture_output=True, text=True, timeout=300)
    finally:
        portal.set_night(1)
    assert child.returncode == -signal.SIGKILL, f"the run did not reach {point}: {child.stderr[-2000:]}"

    store = open_store(url)
    runs = store.runs(config.profile.name)
    completed = [r["night"] for r in runs if r["status"] == "completed"]
    if point in COMMITTED:
        assert completed == [nights[1].date, nights[2].date]
        assert _active(store, config) == _truth(scenario, 2)
    else:
        # nothing of night 2 is half-written: the findings, records and snapshots are night 1's
        assert completed == [nights[1].date]
        assert store.list_findings(status="all") == findings_after_1
        counts = store.counts()
        for table in ("snapshots", "page_contents", "records", "findings", "finding_events", "unit_state"):
            assert counts[table] == counts_after_1[table], table

    # the next run finishes the work, and the following night is right
    changes = record(store, config, nights[2])
    assert (changes is None) == (point in COMMITTED)
    assert _active(store, config) == _truth(scenario, 2)
    record(store, config, nights[3])
    assert _active(store, config) == _truth(scenario, 3)
    assert [r["status"] for r in store.runs(config.profile.name)] == ["completed"] * 3
    store.dispose()


@pytest.mark.parametrize("point", ["mid_findings", "before_run_completed"])
def test_killed_night_on_postgresql(point, tmp_path, postgres_url, nights, scenario, portal, config):
    import psycopg

    name = f"kill_{point}"
    admin_url = postgres_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    try:
        store = open_store(url)
        record(store, config, nights[1])
        before = store.list_findings(status="all")
        store.dispose()
        portal.set_night(2)
        env = {**os.environ, "PORTALWATCH_FAILPOINT": point}
        try:
            child = subprocess.run(
                [sys.executable, "-m", "portalwatch.cli", "run", "--no-prefect", "--profile", str(PROFILE_PATH),
                 "--base-url", portal.base_url, "--now", nights[2].date.isoformat(), "--out",
                 str(tmp_path / "out"), "--db", url], env=env, capture_output=True, text=True, timeout=300)
        finally:
            portal.set_night(1)
        assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
        store = open_store(url)
        assert store.list_findings(status="all") == before
        record(store, config, nights[2])
        assert _active(store, config) == _truth(scenario, 2)
        store.dispose()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_ctrl_c_on_a_night_says_so_in_one_line(tmp_path, portal):
    """Ctrl-C while the portal is read: exit 130 with one line saying what became of the night, not
    silence (a night cut short looked like one that ended), and no traceback."""
    import time

    portal.set_night(1)
    portal.faults.slow_ms["/he-thong-chinh-tri/"] = 3000          # unit pages slow: still crawling at 4 s
    try:
        env = {**os.environ, "COLUMNS": "200"}
        child = subprocess.Popen([sys.executable, "-m", "portalwatch.cli", "run", "--no-prefect", "--profile",
                                  str(PROFILE_PATH), "--out", str(tmp_path), "--now", "2022-06-13", "--base-url",
                                  portal.base_url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(4)
        assert child.poll() is None, child.communicate()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        portal.faults.reset()
    assert child.returncode == 130, out + err
    assert "interrupted (Ctrl-C): nothing was half-written; run the command again to finish" in " ".join(err.split())
    assert "Traceback" not in err
