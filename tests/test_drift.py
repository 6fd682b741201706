"""Layout drift raises no false alarm: when the portal's markup changes under a required selector,
units are not told their fields are missing; ops get one notice naming the selectors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from portalwatch import night as stages

pytestmark = pytest.mark.browser


def _night(config, scenario, portal, night=1):
    portal.set_night(night)
    try:
        result = stages.render_portal(config.profile)
    finally:
        portal.set_night(1)
    units, rows = stages.extract_pages(result, config.profile)
    frames = stages.normalise(units, rows, config, stages.extract_sections(result, config.profile))
    ctx = stages.night_context(result, frames, config, scenario.night_date(night))
    findings = stages.make_findings(stages.validate(frames, config, ctx), config)
    return result, frames, ctx, findings, stages.run_notices(result, frames, config.profile, ctx)


def test_a_unit_page_selector_that_stops_matching_raises_no_unit_alarm(config, scenario, portal):
    page = config.profile.page("unit_page")
    fields = tuple(replace(f, xpath="//table[contains(@class,'bang-moi')]//tr[th[contains(., 'Điện thoại')]]/td")
                   if f.name == "phone" else f for f in page.fields)
    drifted = replace(config, profile=replace(config.profile, pages={**config.profile.pages,
                                                                    "unit_page": replace(page, fields=fields)}))
    _, _, ctx, findings, notices = _night(drifted, scenario, portal)
    assert "unit_page" in ctx.drifted
    assert not [f for f in findings if f.subject == "unit" and f.field in ("phone", "fax", "email", "address")]
    assert [n["kind"] for n in notices].count("layout_drift") == 1
    drift = next(n for n in notices if n["kind"] == "layout_drift")
    assert any("unit_page.phone" in s and "bang-moi" in s for s in drift["selectors"])
    coverage = stages.coverage(ctx, _night(drifted, scenario, portal)[1])
    assert coverage.units_read == frozenset(), "nothing on unit pages is resolved on a drifted night"


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
