"""Some pages fail all night (a 5xx, a page that never answers): their units' checks are unknown,
not missing. Nothing is opened or resolved for those units, they are not told anything, and ops get
the pages, with the attempts made."""

from __future__ import annotations

import html
import json
import shutil
from urllib.parse import urlsplit

import pytest

from portalwatch import night as stages
from portalwatch.settings import Settings
from portalwatch.store import open_store
from portalwatch.timing import STAGES

from conftest import PROFILE_PATH

pytestmark = pytest.mark.browser


def _findings(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_failing_pages_leave_their_units_unknown(tmp_path, portal, scenario):
    profile_dir = tmp_path / "profile"
    shutil.copytree(PROFILE_PATH.parent, profile_dir)
    profile = profile_dir / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("  timeout_s: 20", "  timeout_s: 3"),
                       encoding="utf-8")
    settings = Settings(render_retries=2, retry_backoff_s=0.1)
    out = tmp_path / "out"

    portal.set_night(1)
    first = stages.run_night(profile, out, now=scenario.night_date(1).isoformat(), base_url=portal.base_url,
                             settings=settings)
    by_unit: dict[str, list[dict]] = {}
    for f in _findings(first.findings):
        if f["subject"] == "unit" and urlsplit(f["url"]).path.startswith("/he-thong-chinh-tri/"):
            by_unit.setdefault(f["unit_id"], []).append(f)
    down_unit, hung_unit = sorted(by_unit)[:2]
    down_path = urlsplit(by_unit[down_unit][0]["url"]).path
    hung_path = urlsplit(by_unit[hung_unit][0]["url"]).path

    portal.faults.status[down_path] = 503
    portal.faults.hang.add(hung_path)
    try:
        portal.set_night(2)
        second = stages.run_night(profile, out, now=scenario.night_date(2).isoformat(), base_url=portal.base_url,
                                  settings=settings)
    finally:
        portal.faults.reset()
        portal.set_night(1)

    failed = {urlsplit(n["url"]).path: n for n in second.summary["notices"] if n["kind"] == "page_failed"}
    assert set(failed) == {down_path, hung_path}
    assert failed[down_path]["error"] == "HTTP 503" and failed[down_path]["attempts"] == 3
    assert "timed out" in failed[hung_path]["error"] and failed[hung_path]["attempts"] == 3
    seconds = second.summary["seconds"]
    assert list(seconds) == [*STAGES, "total"]
    # Which stage the wait is charged to: three attempts at the hung page, 3 s each, are rendering.
    assert seconds["render"] >= 9.0
    assert sum(v for k, v in seconds.items() if k != "total") <= seconds["total"] + 0.01 * len(STAGES)
    ops = (second.alerts / "ops.txt").read_text(encoding="utf-8")
    assert down_path in ops and hung_path in ops

    tonight = [f for f in _findings(second.findings) if f["unit_id"] in (down_unit, hung_unit)
               and f["subject"] == "unit"]
    assert tonight == [], "a unit whose page did not answer is not reported missing"
    assert not (second.alerts / f"{down_unit}.txt").exists() and not (second.alerts / f"{hung_unit}.txt").exists()

    # Their units are not scored tonight (they were last night); the portal's score is the others' mean.
    assert first.summary["score"]["not_scored"] == {} and first.summary["score"]["units"][down_unit] is not None
    score = second.summary["score"]
    assert score["not_scored"] == {down_unit: "page", hung_unit: "page"}
    assert score["units"][down_unit] is None and score["units"][hung_unit] is None
    scored = [v for v in score["units"].values() if v is not None]
    assert score["units_scored"] == len(scored) == len(score["units"]) - 2
    assert score["points"] == round(sum(scored) / len(scored), 2)
    report = (second.folder / "report.html").read_text(encoding="utf-8")
    assert f"chấm trên {len(scored)} / {len(score['units'])} đơn vị" in report
    assert report.count("Chưa chấm: không đọc được trang của đơn vị trong đêm") == 2
    # The report tells, in Vietnamese, whose page failed and how many pages were read.
    down_name = by_unit[down_unit][0]["unit_name"]
    assert (f"Trang của {down_name} không tải được (HTTP 503, đã thử 3 lần): {failed[down_path]['url']}"
            in html.unescape(report))
    pages = second.summary["pages"]
    assert f"(đọc được {pages - 2}, không tải được 2)" in report
    # Their findings stay open in the store, so the report still lists them, marked as not checked again,
    # and the summary (the CLI's "open findings" line) counts them beside those found tonight.
    unchecked = len(by_unit[down_unit] + by_unit[hung_unit])
    assert second.summary["not_rechecked"] == unchecked
    assert second.summary["open_findings"] == second.summary["findings"] + unchecked
    for f in by_unit[down_unit] + by_unit[hung_unit]:
        assert f'data-key="{f["key"]}" data-unchecked="page">' in report
    english = html.unescape((second.folder / "report.en.html").read_text(encoding="utf-8"))
    assert english.count("Not scored: the unit's page could not be read tonight") == 2

    store = open_store(stages.store_url(out))
    kept = {f["key"]: f for f in store.list_findings(first.summary["portal"], status="all")}
    store.dispose()
    for f in by_unit[down_unit] + by_unit[hung_unit]:
        assert kept[f["key"]]["status"] not in ("resolved",), f"{f['key']} was resolved on an unread page"
    assert second.summary["store"]["resolved"] == 0 or all(
        k["unit_id"] not in (down_unit, hung_unit) for k in kept.values() if k["status"] == "resolved")
