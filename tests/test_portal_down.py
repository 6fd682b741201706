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
    # The score's trend keeps the night in its place, unscored, instead of joining night 1 to nothing.
    down = f"{nights[2].date:%d/%m/%Y}: chưa chấm được"
    assert 'id="trend-gaps"' in report and f"<title>{down}" in report
    index = (outputs.folder.parent / "index.html").read_text(encoding="utf-8")
    assert 'id="trend-gaps"' in index and f"<title>{down}" in index
    assert f"<title>{nights[1].date:%d/%m/%Y}: " in index, "night 1 is drawn with its score"
    store.dispose()
