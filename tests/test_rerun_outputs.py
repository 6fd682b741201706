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
    assert again.summary["store"]["already_recorded"] is True, "nothing planned or queued twice"
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


def test_a_recorded_night_run_again_writes_what_the_store_recorded_not_the_portal_of_today(tmp_path, portal,
                                                                                          scenario):
    """The files of a night run again are those of the night as recorded: the portal has changed
    since (another scenario night) and a later night is recorded, yet its findings, score, report and
    CSVs are the night's own, and the portal is not asked for anything."""
    import json

    from portalwatch.store import open_store

    out = tmp_path / "out"
    night, later = scenario.night_date(9).isoformat(), scenario.night_date(10).isoformat()
    portal.set_night(8)                                     # a night before: history the report shows
    stages.run_night(PROFILE_PATH, out, now=scenario.night_date(8).isoformat(), base_url=portal.base_url)
    portal.set_night(9)
    first = stages.run_night(PROFILE_PATH, out, now=night, base_url=portal.base_url)
    names = ("findings.jsonl", "report.html", "report.en.html", "units.csv", "directory.csv")
    recorded = {name: (first.folder / name).read_text(encoding="utf-8") for name in names}
    portal.set_night(10)
    stages.run_night(PROFILE_PATH, out, now=later, base_url=portal.base_url)
    for name in ("findings.jsonl", "report.html"):
        (first.folder / name).unlink()                      # some of the night's files, lost
    store = open_store(stages.store_url(out))
    kept = store.counts()
    portal.set_night(11)                                    # the portal as it is today: not night 9's
    portal.request_log.clear()

    again = stages.run_night(PROFILE_PATH, out, now=night, base_url=portal.base_url)
    assert again.summary["store"]["already_recorded"] is True
    for name in names:
        assert (again.folder / name).read_text(encoding="utf-8") == recorded[name], f"{name} is the night's own"
    assert not portal.request_log, "a recorded night is written from the store: the portal is not crawled"
    assert store.counts() == kept, "the store is not changed"
    store.dispose()
    summary = json.loads((again.folder / "summary.json").read_text(encoding="utf-8"))
    for field in ("findings", "by_category", "units_with_findings", "score", "pages", "pages_failed", "notices",
                  "units_seen", "directory_rows", "unit_messages", "base_url", "open_findings", "not_rechecked"):
        assert summary[field] == first.summary[field], field
    for count in ("opened", "reopened", "resolved", "still_open"):   # the night's lifecycle, from its events
        assert summary["store"][count] == first.summary["store"][count], count
    assert summary["seconds"] == first.summary["seconds"], "the night's own timings are kept"
    assert {"findings.jsonl", "report.html", "units.csv"} <= set(summary["rebuilt"]["written"])
    assert not summary["rebuilt"]["not_written"], summary["rebuilt"]["not_written"]
    assert (again.folder / "report.pdf").is_file()


def test_a_night_recorded_before_the_store_kept_its_findings_is_written_again_only_where_it_can_be(
        tmp_path, portal, scenario):
    """A store that kept no night's findings (recorded before revision 0007): the latest night's
    findings are their rows, whose texts are still that night's, so its files are written again; an
    earlier night's rows were rewritten by the nights after it, so its findings and report are not
    written again, the file there is left as it is, and the summary says why."""
    from sqlalchemy import delete

    from portalwatch.store import open_store
    from portalwatch.store.schema import night_findings

    out = tmp_path / "out"
    first = {}
    for n in (8, 9):
        portal.set_night(n)
        first[n] = stages.run_night(PROFILE_PATH, out, now=scenario.night_date(n).isoformat(),
                                    base_url=portal.base_url)
    written = {n: {name: (first[n].folder / name).read_text(encoding="utf-8")
                   for name in ("findings.jsonl", "report.html", "units.csv")} for n in first}
    store = open_store(stages.store_url(out))
    with store.engine.begin() as conn:
        conn.execute(delete(night_findings))                 # as a store of before revision 0007
    store.dispose()
    for n in first:
        (first[n].folder / "findings.jsonl").unlink()
        (first[n].folder / "units.csv").unlink()
    portal.set_night(11)

    latest = stages.run_night(PROFILE_PATH, out, now=scenario.night_date(9).isoformat(), base_url=portal.base_url)
    for name, text in written[9].items():
        assert (latest.folder / name).read_text(encoding="utf-8") == text, name
    assert not latest.summary["rebuilt"]["not_written"].keys() - {
        "summary.json: pages_unchanged, auto_throttle, suites_reused, seconds"}

    earlier = stages.run_night(PROFILE_PATH, out, now=scenario.night_date(8).isoformat(), base_url=portal.base_url)
    assert not (earlier.folder / "findings.jsonl").exists(), "no findings of another night written under its date"
    assert (earlier.folder / "report.html").read_text(encoding="utf-8") == written[8]["report.html"], \
        "the report there is left as it is"
    assert (earlier.folder / "units.csv").read_text(encoding="utf-8") == written[8]["units.csv"]
    why = earlier.summary["rebuilt"]["not_written"]
    assert {"findings.jsonl", "report.html", "report.pdf"} <= why.keys()
    assert "seen again on later nights" in why["findings.jsonl"]
    assert earlier.summary["findings"] == first[8].summary["findings"]
    assert earlier.summary["score"] == first[8].summary["score"]
