"""The nightly flow runs through a real (temporary) Prefect server and writes the night's folder."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from portalwatch.timing import STAGES

from conftest import PROFILE_PATH

pytestmark = [pytest.mark.browser, pytest.mark.prefect]


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def test_nightly_flow_writes_findings_report_and_alerts(prefect_server, portal, scenario, tmp_path):
    from flows.nightly import nightly_audit
    from portalwatch.findings.model import read_findings

    portal.set_night(1)
    night = scenario.night_date(1).isoformat()
    summary = nightly_audit(profile=str(PROFILE_PATH), out=str(tmp_path), now=night, base_url=portal.base_url)

    folder = tmp_path / "vungtau-2022" / night
    assert Path(summary["folder"]) == folder
    findings = read_findings(folder / "findings.jsonl")
    assert len(findings) == summary["findings"] > 0
    expected = {(g["unit_id"], g["subject"], g["field"], g["category"]) for g in scenario.ground_truth(1)}
    assert {(f.unit_id, f.subject, f.field, f.category) for f in findings} == expected

    report = (folder / "report.html").read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>") and 'lang="vi"' in report
    assert all(f.message_vi.replace('"', "&#34;") in report for f in findings)
    assert "default-src 'none'" in report and " src=" not in report, "self-contained: nothing is fetched"
    # The score rests on the law of 13/06/2022: Decree 43/2011, not the Decree 42/2022 of two months later.
    assert "căn cứ khoản 1 Điều 10, Điều 17 Nghị định số 43/2011/NĐ-CP" in report
    assert "42/2022" not in report
    assert (folder / "report.en.html").read_text(encoding="utf-8").startswith('<!DOCTYPE html>\n<html lang="en">')
    assert (tmp_path / "vungtau-2022" / "index.html").is_file()
    assert (tmp_path / "vungtau-2022" / "noi-vu-2022.xlsx").is_file()

    alerts = sorted(p.name for p in (folder / "alerts").glob("*.txt"))
    assert alerts == sorted({f"{f.unit_id}.txt" for f in findings} | {"vp-office.txt"})
    one = next(f for f in findings)
    text = (folder / "alerts" / f"{one.unit_id}.txt").read_text(encoding="utf-8")
    assert text.startswith("Tiêu đề: ") and one.message_vi in text and "Kính gửi: " in text

    docs = Path(summary["data_docs"])
    assert docs.is_file() and "units_contacts" in docs.read_text(encoding="utf-8")
    gx_config = (tmp_path / "vungtau-2022" / "gx" / "great_expectations.yml").read_text(encoding="utf-8")
    assert "analytics_enabled: false" in gx_config

    saved = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert saved["findings"] == len(findings) and saved["pages"] == summary["pages"]
    # every task's stage is timed, as `run --no-prefect` times it, and kept with the night
    assert list(saved["seconds"]) == [*STAGES, "total"] and saved["seconds"] == summary["seconds"]
    assert all(seconds > 0 for seconds in saved["seconds"].values())
    assert sum(v for k, v in saved["seconds"].items() if k != "total") <= saved["seconds"]["total"] + 0.1

    # the next night of the unchanged portal: no suite is run again, not even the freshness suite,
    # since no page crossed its limit overnight
    following = (scenario.night_date(1) + dt.timedelta(days=1)).isoformat()
    again = nightly_audit(profile=str(PROFILE_PATH), out=str(tmp_path), now=following, base_url=portal.base_url)
    assert {"directory_required", "units_freshness"} <= set(again["suites_reused"])
    kept = json.loads((tmp_path / "vungtau-2022" / following / "summary.json").read_text(encoding="utf-8"))
    assert kept["suites_reused"] == again["suites_reused"] and saved["suites_reused"] == []

    # the first night run again, its findings lost and the portal changed since: the files are written
    # again from the store, not from the portal of today, which is not asked for anything
    recorded = (folder / "findings.jsonl").read_text(encoding="utf-8")
    (folder / "findings.jsonl").unlink()
    portal.set_night(2)
    portal.request_log.clear()
    try:
        rerun = nightly_audit(profile=str(PROFILE_PATH), out=str(tmp_path), now=night, base_url=portal.base_url)
        assert not portal.request_log
    finally:
        portal.set_night(1)
    assert rerun["store"]["already_recorded"] is True and "findings.jsonl" in rerun["rebuilt"]["written"]
    assert (folder / "findings.jsonl").read_text(encoding="utf-8") == recorded
    assert rerun["score"] == summary["score"] and rerun["seconds"] == summary["seconds"]


def test_flow_reports_a_bad_profile_as_a_config_error(prefect_server, tmp_path):
    from flows.nightly import nightly_audit
    from portalwatch.errors import ProfileError

    bad = tmp_path / "profile.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="base_url"):
        nightly_audit(profile=str(bad), out=str(tmp_path))


def test_a_night_of_layout_drift_ends_the_flow_run_failed_after_recording_it(prefect_server, portal, scenario,
                                                                             tmp_path):
    """Ops watching Prefect see what the CLI's exit 4 tells a scheduler: the night is recorded and its
    artifacts published, then the flow run ends Failed, saying why. Called as a subflow (as the fleet
    calls it) it raises LayoutDrift carrying the night's summary; `portalwatch run` through Prefect
    prints the night and exits 4."""
    import shutil

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort
    from typer.testing import CliRunner

    from flows.nightly import nightly_audit
    from portalwatch.cli import app
    from portalwatch.errors import LayoutDrift
    from portalwatch.store import open_store

    profiles = tmp_path / "profiles"
    shutil.copytree(PROFILE_PATH.parent, profiles)
    drifted = profiles / "profile.yaml"
    text = drifted.read_text(encoding="utf-8")
    assert "//table[contains(@class,'thong-tin')]//tr[th[contains(., 'Điện thoại')]]/td" in text
    drifted.write_text(text.replace("contains(@class,'thong-tin')]//tr[th[contains(., 'Điện thoại')]]",
                                    "contains(@class,'bang-moi')]//tr[th[contains(., 'Điện thoại')]]"),
                       encoding="utf-8")
    portal.set_night(1)
    first, second = scenario.night_date(1).isoformat(), scenario.night_date(2).isoformat()
    out = tmp_path / "out"

    with pytest.raises(LayoutDrift, match=r"layout drift: 1 selector\(s\).*bang-moi") as raised:
        nightly_audit(profile=str(drifted), out=str(out), now=first, base_url=portal.base_url)
    assert raised.value.summary["night"] == first
    assert "layout_drift" in [n["kind"] for n in raised.value.summary["notices"]]
    assert (out / "vungtau-2022" / first / "report.html").is_file(), "the night's files are written all the same"

    result = CliRunner().invoke(app, ["run", "--profile", str(drifted), "--out", str(out), "--now", second,
                                      "--base-url", portal.base_url], env={"COLUMNS": "200"})
    assert result.exit_code == 4, result.output
    assert "layout drift: 1 selector(s)" in result.output and "bang-moi" in result.output
    assert "Điểm nội dung" in result.output, "the night's summary is printed before the error"
    summary = json.loads((out / "vungtau-2022" / second / "summary.json").read_text(encoding="utf-8"))
    assert "layout_drift" in [n["kind"] for n in summary["notices"]]
    store = open_store(f"sqlite:///{out / 'portalwatch.sqlite3'}")
    try:
        assert [r["status"] for r in store.runs("vungtau-2022")] == ["completed", "completed"], "both recorded"
    finally:
        store.dispose()

    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs(sort=FlowRunSort.START_TIME_ASC)
                if r.parameters.get("out") == str(out)]
        assert [r.parameters["now"] for r in runs] == [first, second]
        for run in runs:
            assert run.state.is_failed() and run.state.message.startswith("layout drift: 1 selector(s)")
            artifacts = client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
            assert {"vungtau-2022-nightly-summary", "vungtau-2022-unit-scores"} <= {a.key for a in artifacts}


def test_a_portal_that_does_not_answer_is_tried_again_then_recorded_and_the_run_fails(prefect_server, tmp_path,
                                                                                     monkeypatch):
    """The render task's retries try the portal again; after the last, the crawl is kept (no task
    failure, so no traceback in the log), the night recorded without a score, and the flow run ends
    Failed saying the portal did not answer."""
    import flows.nightly as nightly
    from portalwatch.errors import PortalUnreachable
    from portalwatch.store import open_store

    attempts = []
    crawl = nightly.stages.render_portal

    def counted(*args, **kwargs):
        attempts.append(1)
        return crawl(*args, **kwargs)

    class Kept(logging.Handler):
        def __init__(self):
            super().__init__(logging.DEBUG)
            self.records = []

        def emit(self, record):
            self.records.append(record)

    task_log = Kept()
    logging.getLogger("prefect.task_runs").addHandler(task_log)
    monkeypatch.setattr(nightly.stages, "render_portal", counted)
    monkeypatch.setattr(nightly, "render_portal", nightly.render_portal.with_options(retry_delay_seconds=0))
    try:
        state = nightly.nightly_audit(profile=str(PROFILE_PATH), out=str(tmp_path), now="2022-06-13",
                                      base_url="http://127.0.0.1:9/", return_state=True)
    finally:
        logging.getLogger("prefect.task_runs").removeHandler(task_log)

    assert len(attempts) == 3, "tried three times: once and the render task's two retries"
    retried = [r for r in task_log.records if "Retry" in r.getMessage()]
    assert len(retried) == 2 and not [r for r in task_log.records if r.exc_info or r.levelno >= logging.ERROR], \
        "the last attempt keeps the crawl: no task failed, no traceback in the log"
    assert state.is_failed() and state.message.startswith("no page of http://127.0.0.1:9/ answered")
    problem = state.result(raise_on_failure=False)
    assert isinstance(problem, PortalUnreachable), "the run ends on the night's problem, not on the task's"
    assert [n["kind"] for n in problem.summary["notices"]] == ["portal_unreachable"]
    assert problem.summary["score"]["points"] is None and not problem.summary["store"]["already_recorded"]
    store = open_store(f"sqlite:///{tmp_path / 'portalwatch.sqlite3'}")
    try:
        assert [(r["status"], r["score"]) for r in store.runs("vungtau-2022")] == [("completed", None)]
    finally:
        store.dispose()
