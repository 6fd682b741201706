"""From rendered pages to findings, against both sample portal layouts in real Chromium.

The same tests run on the Vũng Tàu City portal of 2022 (directory drawn by JavaScript) and on the
ward portal of 2025 (server-rendered, paginated directory): no code knows which layout it reads,
only the profiles differ. The sample portal's own source data is the reference: what the monitor
extracts must be exactly what the portal shows, and its findings exactly the scenario's ground truth.
"""

from __future__ import annotations

import unicodedata

import pytest

from conftest import LAYOUTS
from portalwatch.extract.processors import collapse_whitespace

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=list(LAYOUTS))
def site(request, sites):
    return sites(request.param)


def _shown(value):
    """A source value as a reader sees it: NFC, whitespace collapsed, blank = absent."""
    if value is None:
        return None
    text = collapse_whitespace(unicodedata.normalize("NFC", str(value)))
    return text or None


def _nights_to_compare(site):
    last = site.scenario.nights
    return sorted({1, 5, 10, last})


def test_units_extracted_equal_the_portals_source(site):
    for night in _nights_to_compare(site):
        frames = site.nights[night].frames
        got = {row.unit_id: row for row in frames.units.itertuples()}
        source = [u for u in site.scenario.source_units(night) if u["listed"]]
        assert set(got) == {u["unit_id"] for u in source}, f"night {night}: every listed unit, and only those"
        for unit in source:
            row = got[unit["unit_id"]]
            where = f"night {night}, {unit['unit_id']}"
            assert row.http_status == unit["status"], where
            if unit["status"] != 200:
                continue
            assert row.unit_name == _shown(unit["unit_name"]), where
            assert row.intro == _shown(unit["intro"]), where
            assert row.address == _shown(unit["address"]), where
            assert row.phone_raw == _shown(unit["phone"]), where
            assert row.fax_raw == _shown(unit["fax"]), where
            assert row.email_raw == _shown(unit["email"]), where
            assert row.updated_raw == _shown(unit["updated"]), where
            assert row.leaders == [_shown(n) for n in unit["leaders"]], where


def test_directory_extracted_equals_the_portals_source(site):
    for night in _nights_to_compare(site):
        frames = site.nights[night].frames
        got = sorted((r.unit_id, r.person_name, r.position, r.office_phone_raw, r.mobile_raw, r.email_raw)
                     for r in frames.directory.itertuples())
        expected = sorted((p["unit_id"], _shown(p["person_name"]), _shown(p["position"]), _shown(p["office_phone"]),
                           _shown(p["mobile"]), _shown(p["email"])) for p in site.scenario.source_directory(night))
        assert got == expected, f"night {night}"
        assert frames.unmatched == []


def test_phones_are_normalised_to_e164(site):
    frames = site.nights[1].frames
    phones = [p for row in frames.units.itertuples() for p in row.phones]
    assert phones and all(p.startswith("+84") and p[1:].isdigit() for p in phones)
    mobiles = frames.directory["mobile"].dropna()
    assert len(mobiles) and all(m.startswith("+84") for m in mobiles)


def test_text_is_nfc_even_where_the_portal_serves_nfd(site):
    nfd_defects = [d for d in site.scenario.defects if getattr(d, "nfd", None)]
    assert nfd_defects, "the scenario seeds NFD text"
    frames = site.nights[nfd_defects[0].first_night].frames
    for column in ("unit_name", "intro", "address"):
        for value in frames.units[column].dropna():
            assert unicodedata.is_normalized("NFC", value)


def test_findings_equal_the_ground_truth_every_night(site):
    """No false finding, none missed, on every night of the scenario."""
    for night, result in site.nights.items():
        got = sorted((f.unit_id, f.subject, f.field, f.category) for f in result.findings)
        expected = sorted((g["unit_id"], g["subject"], g["field"], g["category"])
                          for g in site.scenario.ground_truth(night))
        assert got == expected, f"night {night}"


def test_every_category_of_the_scenario_is_found(site):
    seeded = {g["category"] for n in site.nights for g in site.scenario.ground_truth(n)}
    found = {f.category for result in site.nights.values() for f in result.findings}
    assert seeded == found
    assert {"old_numbering", "unofficial_email", "stale", "leader_left", "leader_missing", "duplicate_contact",
            "unit_missing", "page_unreachable", "placeholder", "missing"} <= found


def test_old_numbers_come_with_the_new_number(site):
    old = [f for result in site.nights.values() for f in result.findings if f.category == "old_numbering"]
    assert old
    for finding in old:
        assert finding.suggestion and any(ch.isdigit() for ch in finding.suggestion)


def test_a_defect_that_is_fixed_disappears(site):
    defect = next(d for d in site.scenario.defects if d.expect and d.last_night < site.scenario.nights)
    expect = defect.expect[0]

    def seen(night):
        return any((f.unit_id, f.subject, f.field, f.category)
                   == (expect["unit_id"], expect["subject"], expect["field"], expect["category"])
                   for f in site.nights[night].findings)
    assert seen(defect.last_night)
    assert not seen(defect.last_night + 1)


def test_only_the_portal_was_requested(site):
    crawl = site.nights[1].crawl
    assert crawl.pages
    assert all(p.url.startswith(site.config.profile.base_url) for p in crawl.pages)


def test_old_area_code_suggestion_on_the_2022_portal(sites):
    site = sites("vungtau-2022")
    phone = next(f for r in site.nights.values() for f in r.findings if f.category == "old_numbering"
                 and f.field == "phone")
    assert phone.value == "064.3900.107" and "0254 3900 107" in phone.suggestion
