"""The fleet flow audits several portals at once, and never two audits of the same portal at once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import PROFILE_PATH

pytestmark = [pytest.mark.browser, pytest.mark.prefect]


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def three_portals():
    """Three sample portals (small synthetic sites, to keep the test short): one host each, as the
    port is part of the politeness key."""
    from sample_portal import SamplePortal

    portals = [SamplePortal("vungtau-2022", night=1, scale_units=3, scale_rows=6) for _ in range(3)]
    try:
        for portal in portals:
            portal.start()
        yield portals
    finally:
        for portal in portals:
            portal.stop()


def test_host_limit_name_keeps_the_port():
    from flows.fleet import portal_host

    assert portal_host({"profile": "x", "base_url": "http://127.0.0.1:8001/"}) == "portalwatch-host-127.0.0.1:8001"
    assert portal_host({"profile": str(PROFILE_PATH)}) == "portalwatch-host-vungtau.baria-vungtau.gov.vn"


def test_an_audit_error_that_cannot_be_unpickled_comes_back_as_its_text():
    """One portal's failure must reach the fleet as that portal's failure: an error the worker
    process cannot send back (httpx's, when the Prefect API answers 503) is sent as its text."""
    import cloudpickle
    import httpx

    from flows.fleet import AuditFailed, portable
    from portalwatch.errors import ConfigError

    request = httpx.Request("POST", "http://127.0.0.1:4200/api/flow_runs/")
    unavailable = httpx.HTTPStatusError("Server error '503 Service Unavailable'", request=request,
                                        response=httpx.Response(503, request=request))
    with pytest.raises(TypeError):
        cloudpickle.loads(cloudpickle.dumps(unavailable))
    sent = cloudpickle.loads(cloudpickle.dumps(portable(unavailable)))
    assert isinstance(sent, AuditFailed) and str(sent) == "HTTPStatusError: Server error '503 Service Unavailable'"
    config = ConfigError("portals[2]: no such profile")
    assert portable(config) is config, "an error that travels keeps its type"


def _api_error(status: int):
    import httpx
    from prefect.exceptions import PrefectHTTPStatusError

    request = httpx.Request("POST", "http://127.0.0.1:4200/api/task_runs/")
    return PrefectHTTPStatusError(f"Server error '{status}'", request=request,
                                  response=httpx.Response(status, request=request))


def test_only_the_prefect_api_being_busy_or_gone_counts_as_a_reason_to_run_an_audit_again():
    import httpx

    from flows.fleet import PrefectApiBusy, api_busy, portable
    from portalwatch.errors import ConfigError, PortalUnreachable

    assert api_busy(_api_error(503)) and api_busy(_api_error(429)) and api_busy(_api_error(502))
    assert api_busy(httpx.ConnectError("connection refused"))
    assert not api_busy(_api_error(404)), "a request the API refuses would be refused again"
    assert not api_busy(_api_error(422))
    request = httpx.Request("GET", "http://127.0.0.1:8000/")
    assert not api_busy(httpx.HTTPStatusError("503", request=request, response=httpx.Response(503, request=request))), \
        "only Prefect's own client errors are the API's"
    assert not api_busy(ConfigError("portals[0]: no such profile"))
    assert not api_busy(PortalUnreachable("no page answered", None))
    busy = portable(_api_error(503))
    assert isinstance(busy, PrefectApiBusy) and "503" in str(busy)
    assert not isinstance(portable(_api_error(404)), PrefectApiBusy)


@pytest.mark.prefect
def test_an_audit_the_prefect_api_cut_short_runs_again_and_a_failing_portal_does_not(prefect_server, monkeypatch):
    """A real Prefect task run with the fleet's retry policy (its waits set to 0): the audit whose
    first attempt met a 503 from the Prefect API completes on its second; a broken profile fails
    once and is not tried again."""
    from prefect import flow

    import flows.fleet as fleet
    from flows.limits import AUDITS_LIMIT, ensure_limit
    from portalwatch.errors import ConfigError

    attempts: list[str] = []

    def audit(profile: str, **_: object) -> dict:
        attempts.append(profile)
        if profile == "busy" and attempts.count("busy") == 1:
            raise _api_error(503)
        if profile == "broken":
            raise ConfigError("profiles/broken/profile.yaml: no such file")
        return {"profile": profile, "findings": 0}

    monkeypatch.setattr(fleet, "nightly_audit", audit)
    ensure_limit(AUDITS_LIMIT, 4)
    audit_portal = fleet.audit_portal.with_options(retry_delay_seconds=0)

    @flow
    def two_audits():
        return (audit_portal({"profile": "busy"}, return_state=True),
                audit_portal({"profile": "broken"}, return_state=True))

    busy, broken = two_audits()
    assert busy.is_completed() and busy.result() == {"profile": "busy", "findings": 0}
    assert broken.is_failed() and "no such file" in broken.message
    assert attempts == ["busy", "busy", "broken"]


def test_a_mistyped_portal_key_is_refused_before_anything_runs():
    from flows.fleet import check_portals
    from portalwatch.errors import ConfigError

    with pytest.raises(ConfigError, match="base_ulr"):
        check_portals([{"profile": str(PROFILE_PATH), "base_ulr": "http://127.0.0.1:1/"}])
    with pytest.raises(ConfigError, match="at least one"):
        check_portals([])


def test_the_fleet_table_puts_failed_audits_first_then_the_lowest_scores():
    from flows.fleet import fleet_rows

    def summary(url: str, points: float | None, findings: int) -> dict:
        # a page failed: two findings of its unit, open in the store, were not checked again tonight
        return {"base_url": url, "night": "2022-06-13", "pages": 34, "pages_failed": 1, "findings": findings,
                "open_findings": findings + 2, "score": {"points": points}}

    portals = [{"profile": f"profiles/p{i}/profile.yaml", "base_url": f"http://127.0.0.1:800{i}/",
                "now": "2022-06-13"} for i in range(4)]
    rows = fleet_rows(portals, [summary("http://127.0.0.1:8000/", 11.5, 2), "no page answered (HTTP 503)",
                                summary("http://127.0.0.1:8002/", 7.25, 9), summary("http://127.0.0.1:8003/", None, 0)])
    assert [row["Hồ sơ (profile)"] for row in rows] == [
        "profiles/p1/profile.yaml", "profiles/p3/profile.yaml", "profiles/p2/profile.yaml", "profiles/p0/profile.yaml"]
    assert rows[0] == {"Hồ sơ (profile)": "profiles/p1/profile.yaml", "Địa chỉ (base URL)": "http://127.0.0.1:8001/",
                       "Đêm (night)": "2022-06-13", "Kết quả (outcome)": "lỗi / failed: no page answered (HTTP 503)",
                       "Trang lỗi (pages failed)": "—", "Nội dung cần cập nhật (open findings)": "—",
                       "Điểm /12 (score)": "—"}
    assert rows[1]["Điểm /12 (score)"] == "—" and rows[1]["Kết quả (outcome)"] == "xong / completed"
    assert rows[2]["Điểm /12 (score)"] == 7.25 and rows[2]["Nội dung cần cập nhật (open findings)"] == 11
    assert rows[2]["Trang lỗi (pages failed)"] == "1/34"


def test_fleet_audits_every_portal_and_one_portal_at_a_time(prefect_server, three_portals, tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import ArtifactSort, FlowRunSort

    from flows.fleet import fleet_audit
    from flows.limits import AUDITS_LIMIT, host_limit_name
    from portalwatch.store import open_store

    first = three_portals[0].scenario.night_date(1)
    second = first + dt.timedelta(days=1)
    portals = [{"profile": str(PROFILE_PATH), "base_url": p.base_url, "out": str(tmp_path / f"p{i}"),
                "db": f"sqlite:///{tmp_path / f'p{i}.sqlite3'}", "now": first.isoformat()}
               for i, p in enumerate(three_portals)]
    # The first portal twice (the next night, same store): the two audits must not overlap.
    portals.append({**portals[0], "now": second.isoformat()})

    summaries = fleet_audit(portals)

    with get_client(sync_client=True) as client:
        tables = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["fleet-audit"])),
                                       sort=ArtifactSort.CREATED_DESC, limit=1)
    assert tables, "the fleet run publishes its table"
    rows = json.loads(tables[0].data)
    assert len(rows) == len(portals) and all(row["Kết quả (outcome)"] == "xong / completed" for row in rows)
    assert sorted((row["Địa chỉ (base URL)"], row["Đêm (night)"], row["Nội dung cần cập nhật (open findings)"])
                  for row in rows) == sorted((s["base_url"], s["night"], s["open_findings"]) for s in summaries)

    assert [(s["base_url"], s["night"]) for s in summaries] == [(p["base_url"], p["now"]) for p in portals]
    for portal in portals:
        folder = Path(portal["out"]) / "vungtau-2022" / portal["now"]
        assert (folder / "findings.jsonl").is_file()
        assert json.loads((folder / "summary.json").read_text(encoding="utf-8"))["base_url"] == portal["base_url"]

    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(AUDITS_LIMIT).limit == 4
        for portal in three_portals:
            assert client.read_global_concurrency_limit_by_name(host_limit_name(portal.base_url)).limit == 1
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["nightly-audit"])),
                                     sort=FlowRunSort.START_TIME_ASC)
    same_host = [r for r in runs if r.parameters.get("base_url") == portals[0]["base_url"]]
    assert len(same_host) == 2 and all(r.state.is_completed() for r in same_host)
    # The store of the first portal holds both nights: the second began after the first was committed.
    store = open_store(portals[0]["db"])
    try:
        recorded = sorted(store.runs("vungtau-2022"), key=lambda r: r["started_at"])
    finally:
        store.dispose()
    assert [r["status"] for r in recorded] == ["completed", "completed"], recorded
    assert recorded[0]["finished_at"] <= recorded[1]["started_at"], "two audits of one portal overlapped"


def test_no_module_of_flows_hides_one_of_pythons_own():
    """A worker loads ``flows/fleet.py`` with ``flows/`` first on ``sys.path``, and the fleet's task
    processes inherit it: a ``flows/secrets.py`` once stood in for Python's ``secrets`` there, numpy's
    ``from secrets import randbits`` failed, and every fleet run died before its first audit."""
    import subprocess
    import sys

    from conftest import ROOT

    names = {path.stem for path in (ROOT / "flows").glob("*.py")} - {"__init__"}
    assert names and not names & sys.stdlib_module_names, names & sys.stdlib_module_names
    child = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, 'flows'); import pandas, numpy; "
                            "import flows.fleet, flows.nightly, flows.alerts; print('ok')"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert child.returncode == 0 and child.stdout.strip() == "ok", child.stderr[-2000:]
