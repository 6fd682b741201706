"""A night whose files were lost after the store recorded it (a folder it could not write, a disk
that filled up) is run again: its report and its alert texts are written again, the alerts from
the outbox, since the night's messages are planned and queued once; texts already there are kept."""

from __future__ import annotations

import shutil

import pytest

from conftest import PROFILE_PATH
from portalwatch import night as stages

pytestmark = pytest.mark.browser


def test_running_a_recorded_night_again_writes_its_lost_alert_texts(tmp_path, portal, scenario):
    out, night = tmp_path / "out", scenario.night_date(1).isoformat()
    portal.set_night(1)
    first = stages.run_night(PROFILE_PATH, out, now=night, base_url=portal.base_url)
    written = {p.name: p.read_text(encoding="utf-8") for p in sorted(first.alerts.iterdir())}
    assert any(name.endswith(".txt") for name in written)
    shutil.rmtree(first.folder)                            # the night's files, lost

    again = stages.run_night(PROFILE_PATH, out, now=night, base_url=portal.base_url)
    assert again.summary["store"] == {"already_recorded": True}, "nothing planned or queued twice"
    assert first.summary["unit_messages"] > 0
    assert again.summary["unit_messages"] == first.summary["unit_messages"], \
        "the night's messages to units are those its first run planned, not the files written again"
    assert again.report.is_file()
    rebuilt = {p.name: p.read_text(encoding="utf-8") for p in sorted(again.alerts.iterdir())}
    routed = {name for name in written if name.split(".")[0] != "ops"}   # ops has no route in this registry
    assert {n for n in rebuilt if n.endswith(".txt")} >= {n for n in routed if n.endswith(".txt")}
    for name in rebuilt:
        if name.endswith(".txt"):
            subject = written[name].splitlines()[0]
            assert rebuilt[name].splitlines()[0] == subject
    unit = next(n for n in rebuilt if n.endswith(".html") and n not in ("vp-office.html", "ops.html"))
    assert rebuilt[unit] == written[unit], "the e-mail as queued, word for word"
    slack = [n for n in rebuilt if n.endswith(".slack.json")]
    assert slack and all(rebuilt[n] == written[n] for n in slack), "the Slack payload as queued"

    third = stages.run_night(PROFILE_PATH, out, now=night, base_url=portal.base_url)
    assert {p.name: p.read_text(encoding="utf-8") for p in sorted(third.alerts.iterdir())} == rebuilt, \
        "files that are there are left as they are"
    assert third.summary["delivery"]["written"] == 0
    assert third.summary["unit_messages"] == first.summary["unit_messages"]

    # a night cut short while writing its alert texts: one unit's files missing, the rest there
    unit_txt = unit.replace(".html", ".txt")
    lost = sorted(n for n in rebuilt if n.split(".")[0] == unit.split(".")[0])
    kept = {p.name: p.stat().st_mtime_ns for p in third.alerts.iterdir() if p.name not in lost}
    assert unit_txt in lost and kept
    for name in lost:
        (third.alerts / name).unlink()
    fourth = stages.run_night(PROFILE_PATH, out, now=night, base_url=portal.base_url)
    assert {p.name: p.read_text(encoding="utf-8") for p in sorted(fourth.alerts.iterdir())} == rebuilt, \
        "the missing unit's texts written again, as queued"
    assert {p.name: p.stat().st_mtime_ns for p in fourth.alerts.iterdir() if p.name not in lost} == kept, \
        "the others left as they were"
