"""The portal down all night: one notice for ops, no unit alert, no finding opened or resolved, and
no content score (nothing read is not "nothing wrong")."""

from __future__ import annotations

import pytest

from conftest import PROFILE_PATH, record
from portalwatch import night as stages
from portalwatch.store import open_store

pytestmark = pytest.mark.browser


def test_portal_down_all_night(tmp_path, portal, scenario, nights, config):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = open_store(url)
    changes = record(store, config, nights[1])
    stages.plan_and_queue(store, config, nights[1].date, changes, [], None, None)
    before = store.list_findings(status="all")
    store.dispose()

    portal.faults.down = True
    try:
        outputs = stages.run_night(PROFILE_PATH, tmp_path / "out", now=nights[2].date.isoformat(),
                                   base_url=portal.base_url, db=url)
    finally:
        portal.faults.down = False

    store = open_store(url)
    assert store.list_findings(status="all") == before, "nothing opened, nothing resolved"
    assert outputs.summary["findings"] == 0
    assert [n["kind"] for n in outputs.summary["notices"]] == ["portal_unreachable"]
    tonight = [m for m in store.messages() if m["night"] == nights[2].date]
    assert {m["recipient"] for m in tonight} == {"ops"}, "ops are told; no unit is"
    alerts = sorted(p.stem for p in (outputs.folder / "alerts").glob("*.txt"))
    assert "ops" in alerts and not any(name.startswith(("phuong", "phong")) for name in alerts)

    # Every unit was scored the night before; tonight none could be, and the portal has no score.
    score = outputs.summary["score"]
    assert score["points"] is None and score["percent"] is None and score["units_scored"] == 0
    assert score["not_scored"] == {unit: "page" for unit in config.registry.units}
    runs = {r["night"]: r for r in store.runs(config.profile.name)}
    assert runs[nights[2].date]["status"] == "completed" and runs[nights[2].date]["score"] is None
    report = (outputs.folder / "report.html").read_text(encoding="utf-8")
    assert 'id="portal-score">—</strong>' in report and "Đêm nay chưa chấm được" in report
    assert "12,00/12" not in report
    # Night 1's findings are still open (unknown, not fixed): the report counts and lists every one.
    still_open = [f for f in before if f["status"] != "resolved"]
    assert still_open and "Không có nội dung cần cập nhật" not in report
    assert f'id="finding-count">{len(still_open)}</strong>' in report
    assert report.count('data-unchecked="portal"') == len(still_open)
    pages = outputs.summary["pages"]
    assert outputs.summary["pages_failed"] == pages and f"(đọc được 0, không tải được {pages})" in report
    # The score's trend keeps the night in its place, unscored, instead of joining night 1 to nothing.
    down = f"{nights[2].date:%d/%m/%Y}: chưa chấm được"
    assert 'id="trend-gaps"' in report and f"<title>{down}" in report
    index = (outputs.folder.parent / "index.html").read_text(encoding="utf-8")
    assert 'id="trend-gaps"' in index and f"<title>{down}" in index
    assert f"<title>{nights[1].date:%d/%m/%Y}: " in index, "night 1 is drawn with its score"
    store.dispose()


def test_a_night_the_portal_did_not_answer_is_audited_when_run_again_once_it_is_back(tmp_path, portal, nights,
                                                                                     config):
    """Ops run the night again when the portal is back: it is audited and recorded, the units are told,
    and the VP office gets the night's real digest. A retry while the portal is still down changes
    nothing and tells nobody twice."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = open_store(url)
    changes = record(store, config, nights[1])
    stages.plan_and_queue(store, config, nights[1].date, changes, [], None, None)
    store.dispose()
    night = nights[2].date.isoformat()

    def run():
        return stages.run_night(PROFILE_PATH, tmp_path / "out", now=night, base_url=portal.base_url, db=url)

    portal.faults.down = True
    try:
        down = run()
        store = open_store(url)
        told = store.messages()
        store.dispose()
        still_down = run()
    finally:
        portal.faults.down = False
    assert down.summary["store"]["already_recorded"] is False and down.summary["score"]["points"] is None
    assert still_down.summary["store"] == {"already_recorded": True}
    store = open_store(url)
    assert store.messages() == told, "a retry while the portal is still down tells nobody again"
    assert {m["recipient"] for m in told if m["night"] == nights[2].date} == {"ops"}
    before = {m["idempotency_key"] for m in told}
    store.dispose()

    back = run()

    assert back.summary["store"]["already_recorded"] is False and back.summary["store"]["take"] == 2
    assert back.summary["score"]["points"] is not None and back.summary["score"]["units_scored"] == \
        len(config.registry.units)
    assert [n["kind"] for n in back.summary["notices"]] != ["portal_unreachable"]
    store = open_store(url)
    try:
        runs = [(r["status"], r["score"] is not None) for r in store.runs(config.profile.name)
                if r["night"] == nights[2].date]
        assert runs == [("superseded", False), ("failed", False), ("completed", True)]
        tonight = [m for m in store.messages() if m["night"] == nights[2].date]
        new = [m for m in tonight if m["idempotency_key"] not in before]
        digest = [m for m in new if m["recipient"] == "vp-office"]
        assert digest and all("/take2/" in m["idempotency_key"] for m in new)
        assert "chưa chấm được" not in digest[0]["body_text"], "the VP office gets the night's real figures"
        assert any(m["recipient"] not in ("ops", "vp-office") for m in new) == bool(back.summary["unit_messages"])
    finally:
        store.dispose()
    assert (back.folder / "alerts" / "ops.txt").exists() == bool(back.summary["notices"]), \
        "no stale message of the first take is left among the night's alert texts"
    assert (back.folder / "alerts" / "vp-office.txt").is_file()
    report = (back.folder / "report.html").read_text(encoding="utf-8")
    assert 'id="portal-score">—</strong>' not in report and 'id="trend-gaps"' not in report, \
        "the night's trend has its score now: the superseded run is not drawn"
    assert stages.run_night(PROFILE_PATH, tmp_path / "out", now=night, base_url=portal.base_url,
                            db=url).summary["store"]["already_recorded"] is True
