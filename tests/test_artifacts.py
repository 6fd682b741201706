"""What ops see in Prefect's UI after a night: the summary, each unit's score and open findings, and
links to the VP office's report and the Data Docs, read back from a real (temporary) Prefect server."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from conftest import PROFILE_PATH

pytestmark = pytest.mark.prefect

NIGHT = dt.date(2022, 6, 21)


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def _finding(config, unit_id: str, subject: str, field: str, rule: str, category: str, severity: str, value):
    from portalwatch.findings.model import Finding, finding_key

    unit = config.registry.units[unit_id]
    portal = config.profile.name
    return Finding(key=finding_key(portal, unit_id, subject, field, rule), portal=portal, unit_id=unit_id,
                   unit_name=unit.name, subject=subject, field=field, rule=rule, category=category, severity=severity,
                   value=value, expected="", suggestion=None, url=f"http://127.0.0.1:8000/don-vi/{unit_id}",
                   legal_basis="NĐ 42/2022/NĐ-CP, Điều 4 khoản 1 điểm e",
                   message_vi=f"{unit.name}: cần cập nhật {field}.", message_en=f"{unit.name}: update the {field}.")


@pytest.fixture
def night(tmp_path):
    """A night's summary as the flow returns it, with the files it points at written for real, and
    what the table must show for it (two units with findings, every unit's official name)."""
    from portalwatch.findings.model import write_findings
    from portalwatch.night import load_config
    from portalwatch.reports.score import score_portal
    from portalwatch.store.lifecycle import Coverage

    config = load_config(PROFILE_PATH)
    units = list(config.registry)
    first, second = units[1].id, units[2].id
    findings = [
        _finding(config, first, "unit", "email", "unit_field_present", "missing", "high", None),
        _finding(config, first, "unit", "phone", "unit_phone_current", "old_numbering", "medium", "064 3852 361"),
        _finding(config, second, "unit", "intro", "unit_field_not_placeholder", "placeholder", "high",
                 "Đang cập nhật"),
    ]
    unread = units[3].id              # its page answered 503 all night: not scored
    seen = Coverage(units_read=frozenset(u.id for u in units if u.id != unread), index_ok=True, directory_ok=True)
    score = score_portal(findings, config.registry, config.roster, NIGHT, seen=seen)
    out = tmp_path / "out (báo cáo)"
    folder = out / config.profile.name / NIGHT.isoformat()
    folder.mkdir(parents=True)
    write_findings(findings, folder / "findings.jsonl")
    with (folder / "units.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "unit_name", "http_status"])
        for unit in units:
            writer.writerow([unit.id, unit.name, 200])
    (folder / "report.html").write_text("<!DOCTYPE html><title>báo cáo</title>", encoding="utf-8")
    docs = out / config.profile.name / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    docs.parent.mkdir(parents=True)
    docs.write_text("<!DOCTYPE html>", encoding="utf-8")
    return {
        "portal": config.profile.name, "night": NIGHT.isoformat(), "base_url": config.profile.base_url,
        "pages": 33, "pages_failed": 1, "units_seen": len(units), "directory_rows": 75,
        "findings": len(findings), "by_category": {"missing": 1, "old_numbering": 1, "placeholder": 1},
        "units_with_findings": 2, "notices": [{"kind": "page_failed", "url": "http://127.0.0.1:8000/x",
                                               "status": 503, "error": "HTTP 503"}],
        "unit_messages": 2, "data_docs": str(docs), "suites_reused": ["directory_required", "units_contacts"],
        "score": {"points": score.total, "out_of": 12, "percent": score.percent,
                  "units": {u.unit_id: u.total for u in score.units}, "units_scored": len(score.scored),
                  "not_scored": {u.unit_id: u.not_read for u in score.not_scored}},
        "delivery": {"sent": 0, "waiting": 0, "failed": 0, "problems": [], "dry_run": True, "written": 3},
        "store": {"already_recorded": False, "run_id": 9, "opened": 3, "reopened": 0, "resolved": 0,
                  "still_open": 3},
        "folder": str(folder), "findings_file": str(folder / "findings.jsonl"),
        "report": str(folder / "report.html"), "alerts_dir": str(folder / "alerts"),
        "seconds": {"setup": 0.05, "render": 2.5, "extract": 0.1, "validate": 3.25, "record": 0.08, "alerts": 0.2,
                    "outputs": 1.75, "total": 8.02},
    }, {"first": first, "second": second, "unread": unread, "names": {u.id: u.name for u in units}}


def _in_a_flow(publish, *args) -> str:
    """Call ``publish(*args)`` inside a flow run, as the flows do; the run's id."""
    from prefect import flow
    from prefect.context import get_run_context

    @flow(name="publish-artifacts")
    def publishing() -> str:
        publish(*args)
        return str(get_run_context().flow_run.id)

    return publishing()


def _publish_in_a_flow(summary: dict) -> str:
    """Publish the artifacts of ``summary``, whose output folder holds the portal's folder."""
    from flows.nightly import _publish_artifacts

    return _in_a_flow(_publish_artifacts, summary, str(Path(summary["folder"]).parents[1]))


def _artifacts_of(flow_run_id: str) -> dict[str, object]:
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(flow_run_id)])))
    return {a.key: a for a in artifacts}


def test_artifacts_show_the_summary_unit_scores_and_links(prefect_server, night):
    summary, expected = night
    artifacts = _artifacts_of(_publish_in_a_flow(summary))
    portal = summary["portal"]

    assert set(artifacts) == {f"{portal}-nightly-summary", f"{portal}-unit-scores", f"{portal}-report",
                              f"{portal}-data-docs"}
    assert all(re.fullmatch(r"[a-z0-9-]+", key) for key in artifacts)

    markdown = artifacts[f"{portal}-nightly-summary"]
    assert markdown.type == "markdown"
    assert "- findings: 3 in 2 units" in markdown.data and "- run notices for ops: 1" in markdown.data
    assert "- alerts: dry run: 3 messages written, none sent" in markdown.data
    assert ("- time: 8.02 s (setup 0.05 s, render 2.50 s, extract 0.10 s, validate 3.25 s, record 0.08 s, "
            "alerts 0.20 s, outputs 1.75 s)") in markdown.data
    assert ("(suites not run again, their columns unchanged since the last run, show that run: "
            "directory_required, units_contacts)") in markdown.data

    table = artifacts[f"{portal}-unit-scores"]
    assert table.type == "table"
    rows = json.loads(table.data)
    units = summary["score"]["units"]
    assert len(rows) == len(units) == len(expected["names"])
    by_id = {row["Mã đơn vị (unit id)"]: row for row in rows}
    assert set(by_id) == set(units)
    assert f"- content score: {summary['score']['points']}/12 ({summary['score']['percent']}%)" in markdown.data
    assert "1 units not scored" in markdown.data
    for unit_id, row in by_id.items():
        assert row["Đơn vị (unit)"] == expected["names"][unit_id]
        assert row["Điểm /12 (score)"] == ("—" if unit_id == expected["unread"] else units[unit_id])
    assert by_id[expected["first"]]["Nội dung cần cập nhật (open findings)"] == 2
    assert by_id[expected["second"]]["Nội dung cần cập nhật (open findings)"] == 1
    assert sum(row["Nội dung cần cập nhật (open findings)"] for row in rows) == summary["findings"]
    assert units[expected["first"]] < 12 and units[expected["second"]] < 12
    scores = [row["Điểm /12 (score)"] for row in rows]
    assert scores[-1] == "—", "a unit not scored tonight comes last"
    assert scores[:-1] == sorted(scores[:-1]), "the units to chase come first"

    report = artifacts[f"{portal}-report"]
    link = re.fullmatch(r"\[(.+)\]\((\S+)\)", report.data)
    assert link, report.data
    assert link.group(1).startswith("Báo cáo") and summary["night"] in link.group(1)
    assert link.group(2) == Path(summary["report"]).resolve().as_uri()
    assert link.group(2).startswith("file:///") and " " not in link.group(2)

    docs = re.fullmatch(r"\[(.+)\]\((\S+)\)", artifacts[f"{portal}-data-docs"].data)
    assert docs and docs.group(2) == Path(summary["data_docs"]).as_uri()
    assert docs.group(2).endswith("/data_docs/local_site/index.html")


def test_links_point_at_the_published_output_folder_when_there_is_one(prefect_server, night, monkeypatch):
    summary, _ = night
    monkeypatch.setenv("PORTALWATCH_REPORTS_URL", "https://intranet.example.gov.vn/portalwatch")
    artifacts = _artifacts_of(_publish_in_a_flow(summary))
    portal = summary["portal"]
    report = re.fullmatch(r"\[(.+)\]\((\S+)\)", artifacts[f"{portal}-report"].data)
    assert report and report.group(2) == (f"https://intranet.example.gov.vn/portalwatch/{portal}/"
                                          f"{summary['night']}/report.html")
    docs = re.fullmatch(r"\[(.+)\]\((\S+)\)", artifacts[f"{portal}-data-docs"].data)
    assert docs and docs.group(2) == (f"https://intranet.example.gov.vn/portalwatch/{portal}/"
                                      "gx/uncommitted/data_docs/local_site/index.html")


def test_the_run_table_counts_the_suites_not_run_again(night, capsys, monkeypatch):
    from portalwatch.cli import _print_summary

    summary, _ = night
    monkeypatch.setenv("COLUMNS", "200")
    _print_summary(summary)
    row = next(line for line in capsys.readouterr().out.splitlines() if "suites not run again" in line)
    assert "Bộ kiểm tra dùng lại kết quả lần chạy trước" in row and row.rstrip(" │|").endswith("2")
    _print_summary({**summary, "suites_reused": []})
    assert "suites not run again" not in capsys.readouterr().out


def test_the_run_summary_says_what_became_of_the_alerts_and_that_a_rerun_planned_none(night, capsys, monkeypatch):
    from portalwatch.cli import _print_summary

    summary, _ = night
    monkeypatch.setenv("COLUMNS", "200")
    dry = {"sent": 0, "waiting": 0, "failed": 0, "problems": [], "dry_run": True}
    _print_summary({**summary, "delivery": {**dry, "written": 3}})
    assert "Alerts:      dry run: 3 messages written, none sent" in capsys.readouterr().out
    _print_summary({**summary, "store": {"already_recorded": True}, "delivery": {**dry, "written": 0}})
    line = next(row for row in capsys.readouterr().out.splitlines() if row.startswith("Alerts:"))
    assert "night recorded before, its messages not planned again (2 to units, in alerts/)" in line
    assert "0 messages" not in line
    _print_summary({**summary, "store": {"already_recorded": True}, "delivery": {**dry, "written": 1}})
    assert "(2 to units, in alerts/; 1 missing written again)" in capsys.readouterr().out
    _print_summary({**summary, "delivery": {**dry, "dry_run": False, "sent": 4, "waiting": 1, "failed": 0}})
    assert "Alerts:      4 delivered, 1 waiting, 0 refused" in capsys.readouterr().out
    _print_summary({**summary, "delivery": None})
    assert "Alerts:" not in capsys.readouterr().out


def test_the_morning_delivery_publishes_a_table_of_each_portals_outbox(prefect_server):
    from flows.alerts import _publish_delivery

    run_id = _in_a_flow(_publish_delivery, [
        {"portal": "vungtau-2022", "sent": 5, "waiting": 2, "failed": 1, "dropped": 2, "held": None,
         "problems": ["slack #phuong-7: channel_not_found", "smtp: 421 try later"]},
        {"portal": "phuong-vung-tau-2025", "sent": 0, "waiting": 3, "failed": 0,
         "held": "06/06/2022 is not a working day", "problems": []}])
    table = _artifacts_of(run_id)["deliver-alerts"]
    assert table.type == "table"
    rows = {row["Cổng (portal)"]: row for row in json.loads(table.data)}
    assert rows["vungtau-2022"] == {
        "Cổng (portal)": "vungtau-2022", "Đã gửi (delivered)": 5, "Đang chờ (waiting)": 2, "Bị từ chối (refused)": 1,
        "Không gửi: không còn nơi nhận, hoặc đơn vị mới chưa đến hạn (dropped)": 2, "Giữ lại vì (held)": "—", "Sự cố (problems)": "slack #phuong-7: channel_not_found; smtp: 421 try later"}
    assert rows["phuong-vung-tau-2025"]["Giữ lại vì (held)"] == "06/06/2022 is not a working day"
    assert rows["phuong-vung-tau-2025"]["Sự cố (problems)"] == "—"


def test_a_morning_whose_messages_did_not_go_is_a_problem_and_one_held_is_not():
    from flows.alerts import delivery_problem

    held = {"portal": "p", "sent": 0, "waiting": 9, "failed": 0, "problems": [], "held": "quiet hours"}
    assert delivery_problem([held, {**held, "sent": 4, "waiting": 0, "held": None}]) is None
    down = {**held, "held": None, "waiting": 3, "problems": ["slack #a: down", "slack #b: down", "slack #c: down",
                                                             "slack #d: down"]}
    refused = {**held, "portal": "q", "held": None, "waiting": 0, "failed": 1, "problems": ["e-mail x: 550"]}
    assert delivery_problem([held, down, refused]) == (
        "messages not delivered: p: 0 refused, 3 waiting (slack #a: down; slack #b: down; slack #c: down …) | "
        "q: 1 refused, 0 waiting (e-mail x: 550)")


def test_the_summary_lists_the_run_notices_and_the_table_names_units_no_page_named(prefect_server, night):
    """A night the portal did not answer: ops read its notices in the artifact, not only a count, and
    the units table names each unit from the registry, though no page or finding of theirs was read."""
    from flows.nightly import _publish_artifacts

    summary, expected = night
    folder = Path(summary["folder"])
    (folder / "units.csv").unlink()
    (folder / "findings.jsonl").write_text("", encoding="utf-8")
    failed = [{"kind": "page_failed", "url": f"http://127.0.0.1:8000/p{i}", "status": 0, "error": "timed out"}
              for i in range(7)]
    run = _in_a_flow(_publish_artifacts, {**summary, "notices": [*failed, {"kind": "layout_drift",
                                                                            "selectors": ["directory.rows: tr"]}]},
                     str(folder.parents[1]), expected["names"])
    artifacts = _artifacts_of(run)
    markdown = artifacts[f"{summary['portal']}-nightly-summary"].data
    assert "## Ghi chú vận hành / run notices" in markdown
    assert "- **page_failed** (7): `url=http://127.0.0.1:8000/p0, status=0, error=timed out`" in markdown
    assert "; … 2 more in summary.json" in markdown and "p5" not in markdown
    assert "- **layout_drift** (1): `selectors=directory.rows: tr`" in markdown
    rows = json.loads(artifacts[f"{summary['portal']}-unit-scores"].data)
    assert {row["Mã đơn vị (unit id)"]: row["Đơn vị (unit)"] for row in rows} == expected["names"]
