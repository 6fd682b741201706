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
