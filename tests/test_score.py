"""The content score: 4 criteria of 3 points per unit, the portal's the mean."""

import datetime as dt

from portalwatch.findings.model import Finding
from portalwatch.profile.registry import Registry, Unit
from portalwatch.profile.roster import Roster, RosterEntry
from portalwatch.reports.score import score_portal

NIGHT = dt.date(2022, 6, 13)
REGISTRY = Registry(units={u: Unit(u, f"Đơn vị {u}", "office") for u in ("a", "b", "c", "d")})
ROSTER = Roster([RosterEntry("b", n, "Phó", None, None) for n in ("An", "Bình", "Chi", "Dũng")]
                + [RosterEntry("b", "Cũ", "Phó", None, dt.date(2022, 1, 1))])


def _f(unit, field, category, subject="unit"):
    return Finding(key=f"{unit}{field}{category}{subject}", portal="p", unit_id=unit, unit_name=unit,
                   subject=subject, field=field, rule="r", category=category, severity="high", value=None,
                   expected="", suggestion=None, url="", legal_basis="", message_vi="", message_en="")


def test_perfect_unit_scores_12_and_problems_take_their_share():
    findings = [
        _f("a", "email", "unofficial_email"), _f("a", "fax", "missing"),          # 2 of 4 contacts wrong
        _f("b", "mobile", "old_numbering", "An"),                                  # 1 of 4 leaders wrong
        _f("b", "person", "leader_left", "Cũ"),                                    # stale, and one more expected
        _f("c", "page", "page_unreachable"),
        _f("d", "intro", "placeholder"), _f("d", "updated_at", "stale"),
    ]
    score = score_portal(findings, REGISTRY, ROSTER, NIGHT)
    units = {u.unit_id: u for u in score.units}
    assert (units["a"].intro, units["a"].contacts, units["a"].leaders, units["a"].timeliness) == (3, 1.5, 3, 3)
    assert units["b"].leaders == 3 * 3 / 5 and units["b"].timeliness == 2
    assert units["c"].total == 0
    assert (units["d"].intro, units["d"].timeliness, units["d"].total) == (0, 2, 8)
    assert score.total == round((units["a"].total + units["b"].total + 0 + 8) / 4, 2)
    assert 0 < score.percent < 100


def test_no_findings_is_full_marks():
    score = score_portal([], REGISTRY, ROSTER, NIGHT)
    assert score.total == 12 and score.percent == 100.0


def _seen(units_read, directory_ok=True):
    from portalwatch.store.lifecycle import Coverage

    return Coverage(units_read=frozenset(units_read), index_ok=True, directory_ok=directory_ok)


def test_a_unit_whose_page_was_not_read_is_not_scored_and_left_out_of_the_mean():
    findings = [_f("a", "email", "unofficial_email"), _f("c", "page", "page_unreachable")]
    score = score_portal(findings, REGISTRY, ROSTER, NIGHT, seen=_seen({"a", "c"}))
    units = {u.unit_id: u for u in score.units}
    # b and d timed out tonight: no finding about them is no proof they are right.
    assert {u.unit_id for u in score.not_scored} == {"b", "d"}
    assert units["b"].not_read == "page" and units["b"].total is None and units["b"].percent is None
    assert (units["b"].intro, units["b"].contacts, units["b"].leaders, units["b"].timeliness) == (None,) * 4
    assert units["c"].total == 0, "a page that is gone is known: it scores 0"
    assert units["a"].total == 12 - 0.75
    assert score.total == round((12 - 0.75 + 0) / 2, 2)
    # Without what was read, every unit is scored, as before.
    assert score_portal(findings, REGISTRY, ROSTER, NIGHT).total == round((12 - 0.75 + 12 + 0 + 12) / 4, 2)


def test_nothing_read_is_no_score_rather_than_full_marks():
    score = score_portal([], REGISTRY, ROSTER, NIGHT, seen=_seen(set(), directory_ok=False))
    assert score.total is None and score.percent is None and score.scored == []
    assert {u.not_read for u in score.units} == {"page"}


def test_a_directory_not_read_leaves_the_leaders_unknown():
    seen = _seen({"a", "b", "c", "d"}, directory_ok=False)
    score = score_portal([], REGISTRY, ROSTER, NIGHT, seen=seen)
    assert score.total is None and {u.not_read for u in score.units} == {"directory"}
    # A portal whose profile has no directory scores its units from their pages.
    assert score_portal([], REGISTRY, ROSTER, NIGHT, seen=seen, directory_expected=False).total == 12


def test_a_unit_whose_update_date_was_not_read_is_not_scored():
    """d's page was read, but its update date is in a format the profile does not read: whether it is
    kept up to date is unknown, so it is left out rather than given full points for timeliness."""
    from portalwatch.store.lifecycle import Coverage

    seen = Coverage(units_read=frozenset("abcd"), index_ok=True, directory_ok=True,
                    unknown=frozenset({("d", "updated_at")}))
    score = score_portal([_f("a", "email", "unofficial_email")], REGISTRY, ROSTER, NIGHT, seen=seen)
    units = {u.unit_id: u for u in score.units}
    assert [u.unit_id for u in score.not_scored] == ["d"]
    assert units["d"].not_read == "date" and units["d"].total is None and units["d"].timeliness is None
    assert score.total == round((12 - 0.75 + 12 + 12) / 3, 2)


def test_score_line_says_what_was_scored():
    from portalwatch.reports.score import score_line

    assert score_line({"points": 10.5, "percent": 87.5, "units_scored": 4, "not_scored": {}}) == "10.5/12 (87.5%)"
    partial = score_line({"points": 10.5, "percent": 87.5, "units_scored": 2, "not_scored": {"b": "page", "d": "page"}})
    assert partial.startswith("10.5/12 (87.5%), chấm 2 đơn vị, 2 đơn vị chưa chấm được") and "2 units not scored" in partial
    assert score_line({"points": None, "percent": None, "units_scored": 0, "not_scored": {"a": "page"}}).startswith(
        "chưa chấm được")


def test_a_unit_too_new_to_be_held_to_the_portal_is_not_scored():
    """d was established days ago (its registry ``since``): it still has time to publish, so it is
    left out of the mean rather than given 0, even with its page read and a finding about it."""
    from portalwatch.reports.score import score_line
    from portalwatch.store.lifecycle import Coverage

    due = dt.date(2022, 6, 17)
    seen = Coverage(units_read=frozenset("abcd"), index_ok=True, directory_ok=True, not_due={"d": due})
    score = score_portal([_f("d", "page", "unit_missing")], REGISTRY, ROSTER, NIGHT, seen=seen)
    units = {u.unit_id: u for u in score.units}
    assert [u.unit_id for u in score.not_scored] == ["d"]
    assert units["d"].not_read == "new" and units["d"].due == due and units["d"].total is None
    assert score.total == 12
    line = score_line({"points": 12.0, "percent": 100.0, "units_scored": 3, "not_scored": {"d": "new"}})
    assert line == "12.0/12 (100.0%), 1 đơn vị mới chưa đến hạn chấm / 1 new units not yet due"
    both = score_line({"points": 12.0, "percent": 100.0, "units_scored": 2, "not_scored": {"c": "page", "d": "new"}})
    assert "1 đơn vị chưa chấm được" in both and "1 đơn vị mới chưa đến hạn chấm" in both
    assert score_line({"points": None, "percent": None, "units_scored": 0, "not_scored": {"a": "new"}}).startswith(
        "chưa chấm: mọi đơn vị đều là đơn vị mới")


def test_a_leader_whose_own_mobile_was_copied_onto_another_row_keeps_her_leaders_share():
    """The head's own mobile (per the roster) copied onto her deputy's row: only the deputy's row is
    wrong, so the unit's leaders criterion counts her as listed with valid contacts (1 of 2, 1.5),
    not both of them as wrong (0), through the checks as a night runs them."""
    from pathlib import Path

    from portalwatch.findings.build import build_findings
    from portalwatch.normalise.frames import build_frames
    from portalwatch.profile import load_profile
    from portalwatch.validate.facts import NightContext, derive_facts
    from portalwatch.validate.gx import run_suites
    from portalwatch.validate.suites import load_suites

    profile = load_profile(Path(__file__).resolve().parents[1] / "profiles" / "vungtau-2022" / "profile.yaml")
    registry = Registry(units={"phong-noi-vu": Unit("phong-noi-vu", "Phòng Nội vụ", "office")})
    roster = Roster([
        RosterEntry("phong-noi-vu", "Đặng Ngọc Hoa", "Trưởng phòng", dt.date(2021, 7, 1), None,
                    "0254 3 901 107", "0912 000 107", "hoadn.pnv@vungtau.baria-vungtau.gov.vn"),
        RosterEntry("phong-noi-vu", "Đinh Đức Phong", "Phó Trưởng phòng", dt.date(2021, 8, 16), None,
                    "0254 3 901 108", "0912 000 108", "phongdd.pnv@vungtau.baria-vungtau.gov.vn")])
    rows = [{"unit_name": "Phòng Nội vụ", "person_name": e.person_name, "position": e.position,
             "office_phone": e.office_phone, "mobile": "0912.000.107", "email": e.email,
             "page_url": "http://portal.test/danh-ba"} for e in roster.entries]
    frames = build_frames([], rows, profile, registry)
    ctx = NightContext(night=NIGHT, area_codes=("254",), old_area_codes={"64": "254"},
                       email_domains=("baria-vungtau.gov.vn",), placeholders=profile.checks.placeholders,
                       index_ok=False)
    failures = run_suites(load_suites(profile), derive_facts(frames.units, frames.directory, registry, roster, ctx))
    findings = build_findings(failures, profile.name, registry, night=NIGHT)
    assert [(f.subject, f.field, f.category) for f in findings] == [("Đinh Đức Phong", "mobile", "duplicate_contact")]
    unit, = score_portal(findings, registry, roster, NIGHT).units
    assert unit.leaders == 1.5
