"""From rendered pages to findings, against the sample portal in real Chromium.

The sample portal's own source data is the reference: what the monitor extracts must be exactly
what the portal shows, and the required-field findings exactly the scenario's ground truth.
"""

from __future__ import annotations

import unicodedata

import pytest

from portalwatch import night as stages
from portalwatch.extract.processors import collapse_whitespace

pytestmark = pytest.mark.browser


def _shown(value):
    """A source value as a reader sees it: NFC, whitespace collapsed, blank = absent."""
    if value is None:
        return None
    text = collapse_whitespace(unicodedata.normalize("NFC", str(value)))
    return text or None


@pytest.mark.parametrize("night", [1, 5, 10, 14])
def test_units_extracted_equal_the_portals_source(scenario, nights, night):
    frames = nights[night].frames
    got = {row.unit_id: row for row in frames.units.itertuples()}
    source = [u for u in scenario.source_units(night) if u["listed"]]
    assert set(got) == {u["unit_id"] for u in source}, "every listed unit, and only those"
    for unit in source:
        row = got[unit["unit_id"]]
        assert row.http_status == unit["status"], unit["unit_id"]
        if unit["status"] != 200:
            continue
        assert row.unit_name == _shown(unit["unit_name"]), unit["unit_id"]
        assert row.intro == _shown(unit["intro"]), unit["unit_id"]
        assert row.address == _shown(unit["address"]), unit["unit_id"]
        assert row.phone_raw == _shown(unit["phone"]), unit["unit_id"]
        assert row.fax_raw == _shown(unit["fax"]), unit["unit_id"]
        assert row.email_raw == _shown(unit["email"]), unit["unit_id"]
        assert row.updated_raw == _shown(unit["updated"]), unit["unit_id"]
        assert row.leaders == [_shown(n) for n in unit["leaders"]], unit["unit_id"]


@pytest.mark.parametrize("night", [1, 5, 10, 14])
def test_directory_extracted_equals_the_portals_source(scenario, nights, night):
    frames = nights[night].frames
    got = sorted((r.unit_id, r.person_name, r.position, r.office_phone_raw, r.mobile_raw, r.email_raw)
                 for r in frames.directory.itertuples())
    expected = sorted((p["unit_id"], _shown(p["person_name"]), _shown(p["position"]), _shown(p["office_phone"]),
                       _shown(p["mobile"]), _shown(p["email"])) for p in scenario.source_directory(night))
    assert got == expected
    assert frames.unmatched == []


def test_phones_are_normalised_to_e164(nights):
    frames = nights[1].frames
    phones = [p for row in frames.units.itertuples() for p in row.phones]
    assert phones and all(p.startswith("+84") and p[1:].isdigit() for p in phones)
    mobiles = frames.directory["mobile"].dropna()
    assert len(mobiles) and all(m.startswith("+84") for m in mobiles)


def test_text_is_nfc_even_where_the_portal_serves_nfd(scenario, nights):
    nfd_defects = [d for d in scenario.defects if getattr(d, "nfd", None)]
    assert nfd_defects, "the scenario seeds NFD text"
    night = nfd_defects[0].first_night
    frames = nights[night].frames
    for column in ("unit_name", "intro", "address"):
        for value in frames.units[column].dropna():
            assert unicodedata.is_normalized("NFC", value)


def test_findings_equal_the_ground_truth_every_night(scenario, nights):
    """No false finding, none missed, on every night of the scenario."""
    for night, result in nights.items():
        findings = result.findings
        got = sorted((f.unit_id, f.subject, f.field, f.category) for f in findings)
        expected = sorted((g["unit_id"], g["subject"], g["field"], g["category"]) for g in scenario.ground_truth(night))
        assert got == expected, f"night {night}"


def test_every_category_of_the_scenario_is_found(scenario, nights):
    seeded = {g["category"] for n in nights for g in scenario.ground_truth(n)}
    found = {f.category for result in nights.values() for f in result.findings}
    assert seeded == found
    assert {"old_numbering", "unofficial_email", "stale", "leader_left", "leader_missing", "duplicate_contact",
            "unit_missing", "page_unreachable", "missing", "placeholder"} <= found


def test_old_numbers_come_with_the_new_number(nights):
    old = [f for result in nights.values() for f in result.findings if f.category == "old_numbering"]
    assert old
    for finding in old:
        assert finding.suggestion and any(ch.isdigit() for ch in finding.suggestion)
    phone = next(f for f in old if f.field == "phone")
    assert phone.value == "064.3900.107" and "0254 3900 107" in phone.suggestion


def test_a_defect_that_is_fixed_disappears(scenario, nights):
    defect = next(d for d in scenario.defects
                  if any(e["category"] == "missing" for e in d.expect) and d.last_night < scenario.nights)
    expect = next(e for e in defect.expect if e["category"] == "missing")
    def seen(night):
        return any((f.unit_id, f.field, f.category) == (expect["unit_id"], expect["field"], "missing")
                   for f in nights[night].findings)
    assert seen(defect.last_night)
    assert not seen(defect.last_night + 1)


def test_only_loopback_was_requested(nights, config):
    crawl = nights[1].crawl
    assert crawl.pages
    assert all(p.url.startswith(config.profile.base_url) for p in crawl.pages)
