"""Layout drift raises no false alarm: when the portal's markup changes under a required selector,
units are not told their fields are missing; ops get one notice naming the selectors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from portalwatch import night as stages

pytestmark = pytest.mark.browser


def _night(config, scenario, portal, night=1, previous=None):
    portal.set_night(night)
    try:
        result = stages.render_portal(config.profile)
    finally:
        portal.set_night(1)
    units, rows = stages.extract_pages(result, config.profile)
    frames = stages.normalise(units, rows, config, stages.extract_sections(result, config.profile))
    ctx = stages.night_context(result, frames, config, scenario.night_date(night),
                               previous(frames) if previous else None)
    findings = stages.make_findings(stages.validate(frames, config, ctx), config, ctx.night)
    return result, frames, ctx, findings, stages.run_notices(result, frames, config.profile, ctx)


def test_a_unit_page_selector_that_stops_matching_raises_no_unit_alarm(config, scenario, portal):
    page = config.profile.page("unit_page")
    fields = tuple(replace(f, xpath="//table[contains(@class,'bang-moi')]//tr[th[contains(., 'Điện thoại')]]/td")
                   if f.name == "phone" else f for f in page.fields)
    drifted = replace(config, profile=replace(config.profile, pages={**config.profile.pages,
                                                                    "unit_page": replace(page, fields=fields)}))
    _, frames, ctx, findings, notices = _night(drifted, scenario, portal)
    assert "unit_page" in ctx.drifted
    assert not [f for f in findings if f.subject == "unit"], "no unit is told its page or fields are wrong"
    assert [n["kind"] for n in notices].count("layout_drift") == 1
    drift = next(n for n in notices if n["kind"] == "layout_drift")
    assert any("unit_page.phone" in s and "bang-moi" in s for s in drift["selectors"])
    coverage = stages.coverage(ctx, frames)
    assert coverage.units_read == frozenset(), "nothing on unit pages is resolved on a drifted night"
    assert not coverage.index_ok, "nor is a unit missing from the index opened or resolved"
    score = stages.score_night(findings, drifted, scenario.night_date(1), ctx, frames)
    assert score.scored == [] and {u.not_read for u in score.units} == {"page"}


def test_a_unit_name_selector_that_stops_matching_tells_no_unit_it_is_missing(config, scenario, portal):
    """The selector that names a page's unit: without it no page can be tied to its unit."""
    page = config.profile.page("unit_page")
    fields = tuple(replace(f, css="h1.ten-don-vi-moi") if f.name == "unit_name" else f for f in page.fields)
    drifted = replace(config, profile=replace(config.profile, pages={**config.profile.pages,
                                                                    "unit_page": replace(page, fields=fields)}))
    _, frames, ctx, findings, notices = _night(drifted, scenario, portal)
    assert "unit_page" in ctx.drifted and not ctx.index_ok
    assert not [f for f in findings if f.subject == "unit"]
    assert not [f for f in findings if f.category == "unit_missing"]
    drift = next(n for n in notices if n["kind"] == "layout_drift")
    assert any("unit_page.unit_name" in s for s in drift["selectors"])
    score = stages.score_night(findings, drifted, scenario.night_date(1), ctx, frames)
    assert score.total is None or score.scored == []


def test_a_redesigned_portal_opens_and_resolves_nothing(config, scenario, portal):
    portal.faults.layout = "changed"
    quick = replace(config, profile=replace(config.profile, render=replace(config.profile.render, timeout_s=2)))
    try:
        _, frames, ctx, findings, notices = _night(quick, scenario, portal)
    finally:
        portal.faults.layout = "normal"
    assert findings == []
    assert not ctx.index_ok and not ctx.directory_ok
    coverage = stages.coverage(ctx, frames)
    assert not coverage.index_ok and not coverage.directory_ok and not coverage.units_read
    assert any(n["kind"] in ("layout_drift", "selector_timeout") for n in notices)
    score = stages.score_night(findings, quick, scenario.night_date(1), ctx, frames)
    assert score.total is None, "a night that read nothing gives no score, not full marks"


def test_far_fewer_directory_rows_than_last_night_is_drift_not_units(tmp_path):
    """The CMS renames the directory's "next page" link: only its first page is read. Far fewer rows
    than the nights before is drift: one ops notice naming the selectors, no finding from the part
    read, nothing resolved, and it stays drift on the nights after until the profile is fixed."""
    import datetime as dt
    import json
    import shutil

    from portalwatch.store import open_store
    from sample_portal import SamplePortal

    from conftest import LAYOUTS

    profile_dir = tmp_path / "profile"
    shutil.copytree(LAYOUTS["phuong-vung-tau-2025"].parent, profile_dir)
    profile = profile_dir / "profile.yaml"
    assert 'next_page: "nav.pager a.pager-next"' in profile.read_text(encoding="utf-8")
    out = tmp_path / "out"
    with SamplePortal("phuong-vung-tau-2025") as portal:
        scenario = portal.scenario

        def night(n):
            portal.set_night(n)
            return stages.run_night(profile, out, now=scenario.night_date(n).isoformat(), base_url=portal.base_url)

        first = night(1).summary
        portal.faults.layout = "changed:pager-next"     # the CMS renames the link; the profile is unchanged
        nights = [night(2), night(3)]
    directory_findings = {(f["unit_id"], f["subject"], f["field"]) for f in map(json.loads, (
        out / first["portal"] / first["night"] / "findings.jsonl").read_text(encoding="utf-8").splitlines())
        if f["subject"] != "unit"}
    assert directory_findings, "night one has findings in the directory"
    truth_in_directory = {(g["unit_id"], g["subject"], g["field"]) for g in scenario.ground_truth(2)
                          if g["subject"] != "unit"} - directory_findings
    assert truth_in_directory, "night two brings new defects in the directory: they wait for a whole directory"
    for outputs in nights:
        summary = outputs.summary
        assert 0 < summary["directory_rows"] < first["directory_rows"] / 2
        [drop] = [n for n in summary["notices"] if n["kind"] == "rows_dropped"]
        assert drop == {**drop, "page_type": "directory", "previous": first["directory_rows"],
                        "tonight": summary["directory_rows"]}
        assert drop["selectors"] == ["directory.rows: table.contact-table tbody tr"]
        assert summary["store"]["resolved"] == 0
        tonight = [json.loads(line) for line in outputs.findings.read_text(encoding="utf-8").splitlines()]
        assert all(f["subject"] == "unit" for f in tonight), "no finding from a part of the directory"
        assert "rows_dropped" in (outputs.alerts / "ops.txt").read_text(encoding="utf-8")
        # Half a directory says nothing of the leaders: no unit is scored on it.
        assert summary["score"]["points"] is None
        assert set(summary["score"]["not_scored"].values()) == {"directory"}
    assert first["score"]["points"] is not None and first["score"]["not_scored"] == {}
    store = open_store(stages.store_url(out))
    kept = store.list_findings(first["portal"])
    store.dispose()
    still_open = {(f["unit_id"], f["subject"], f["field"]) for f in kept}
    assert directory_findings <= still_open, "nothing in the directory was resolved"
    assert not truth_in_directory & still_open


def test_shrunk_types_thresholds():
    from types import SimpleNamespace

    frames = SimpleNamespace(units=[0] * 40, directory=[0] * 9)
    assert stages.shrunk_types(frames, {"unit": 40, "directory": 30}, 0.5) == {"directory": (30, 9)}
    assert stages.shrunk_types(frames, {"unit": 81, "directory": 18}, 0.5) == {"unit_page": (81, 40)}
    assert stages.shrunk_types(frames, {"unit": 9, "directory": 9}, 0.5) == {}, "too few rows to tell"
    assert stages.shrunk_types(frames, {"directory": 30}, 0) == {}, "0 turns the check off"
    assert stages.shrunk_types(frames, {}, 0.5) == {}, "a first night has nothing to compare with"


def test_dates_the_profiles_formats_do_not_read_are_told_to_ops_and_resolve_nothing(config, scenario, portal):
    """A `dates.formats` that does not match how the site writes its dates: the dates are shown but
    not read. Ops get a `date_unreadable` notice per field with the texts and the formats tried; no
    freshness finding is opened, and none the right formats find is resolved on such a night."""
    import re

    wrong = replace(config, profile=replace(config.profile, date_formats=("%Y-%m-%d",)))
    _, frames, ctx, findings, notices = _night(wrong, scenario, portal, night=9)
    dates = {(n["page_type"], n["field"]): n for n in notices if n["kind"] == "date_unreadable"}
    assert set(dates) == {("unit_page", "updated"), ("schedule", "date"), ("drafts", "date"), ("drafts", "deadline")}
    updated = dates[("unit_page", "updated")]
    assert updated["unreadable"] == updated["shown"] > len(frames.units) / 2, "every date shown, none read"
    assert updated["formats"] == ["%Y-%m-%d"]
    assert 0 < len(updated["values"]) <= 3 and all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", v) for v in updated["values"])
    assert not [f for f in findings if f.category == "stale"]

    _, right_frames, right_ctx, right_findings, right_notices = _night(config, scenario, portal, night=9)
    assert not [n for n in right_notices if n["kind"] == "date_unreadable"]
    stale = [f for f in right_findings if f.category == "stale"]
    assert {f.field for f in stale} == {"updated_at", "schedule", "draft"}
    right = stages.coverage(right_ctx, right_frames)
    assert all(right.covers(f.unit_id, f.subject, f.field, f.category) for f in stale)
    unknown = stages.coverage(ctx, frames)
    assert not [f for f in stale if unknown.covers(f.unit_id, f.subject, f.field, f.category)], \
        "a date not read is unknown, not fresh: what was stale stays open"
    # and a unit whose update date was not read is not scored, rather than given full points for it
    undated = {item.unit_id for item in frames.unreadable_dates if item.page_type == "unit_page" and item.unit_id}
    score = stages.score_night(findings, wrong, scenario.night_date(9), ctx, frames)
    assert undated and {u.unit_id for u in score.units if u.not_read == "date"} == undated
    right_score = stages.score_night(right_findings, config, scenario.night_date(9), right_ctx, right_frames)
    assert not [u for u in right_score.units if u.not_read == "date"]


def test_far_fewer_unit_pages_than_the_last_nights_tells_no_unit_anything(config, scenario, portal):
    """The index is read in part (a second list of units no longer matched): the units it did reach
    are neither told nor cleared that night, as README says of any drift; ops get the counts."""
    _, frames, ctx, findings, notices = _night(
        config, scenario, portal, previous=lambda f: {"unit": 3 * len(f.units), "directory": len(f.directory)})
    assert "unit_page" in ctx.shrunk and not ctx.index_ok
    assert scenario.ground_truth(1) and not [f for f in findings if f.subject == "unit"]
    assert stages.coverage(ctx, frames).units_read == frozenset(), "nothing on unit pages is resolved"
    [drop] = [n for n in notices if n["kind"] == "rows_dropped"]
    assert (drop["page_type"], drop["previous"], drop["tonight"]) == ("unit_page", 3 * len(frames.units),
                                                                      len(frames.units))
    problem = stages.night_problem({"notices": notices, "folder": "out/p/n"})
    assert f"unit_page {3 * len(frames.units)} → {len(frames.units)}" in str(problem)
    assert "far fewer rows than on the last nights read with this profile" in str(problem)


def test_nights_read_with_another_profile_are_no_baseline_for_drift(tmp_path, config, nights):
    """A portal reorganised onto a new layout, its profile rewritten: the new profile's first nights
    are not compared with the rows the old profile read."""
    from conftest import record
    from portalwatch.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        record(store, config, nights[1])
        later = nights[2].date
        same = stages.previous_counts(store, config, later)
        assert same == {"unit": len(nights[1].units), "directory": len(nights[1].rows)}
        page = config.profile.page("unit_page")
        rewritten = replace(config, profile=replace(config.profile, pages={
            **config.profile.pages, "unit_page": replace(page, wait_for="main")}))
        assert stages.previous_counts(store, rewritten, later) == {}
    finally:
        store.dispose()
