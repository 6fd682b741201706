"""The nightly flow runs through a real (temporary) Prefect server and writes the night's folder."""

from __future__ import annotations

import json
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


def test_flow_reports_a_bad_profile_as_a_config_error(prefect_server, tmp_path):
    from flows.nightly import nightly_audit
    from portalwatch.errors import ProfileError

    bad = tmp_path / "profile.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="base_url"):
        nightly_audit(profile=str(bad), out=str(tmp_path))
