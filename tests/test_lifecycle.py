"""The lifecycle of findings across nights, as pure logic (no database)."""

import datetime as dt

from portalwatch.findings.model import Finding
from portalwatch.store.lifecycle import Coverage, KeptFinding, plan

D1, D2, D3 = dt.date(2022, 6, 13), dt.date(2022, 6, 14), dt.date(2022, 6, 15)
ALL = Coverage(units_read=frozenset({"a", "b"}), index_ok=True, directory_ok=True)


def _f(key, unit="a", subject="unit", field="email", category="missing"):
    return Finding(key=key, portal="p", unit_id=unit, unit_name=unit, subject=subject, field=field, rule="r",
                   category=category, severity="high", value=None, expected="", suggestion=None, url="",
                   legal_basis="", message_vi="", message_en="")


def _kept(key, status="open", last=D1, unit="a", subject="unit", field="email", category="missing", resolved=None):
    return KeptFinding(key, unit, subject, field, category, status, D1, last, 1, 0, resolved)


def test_new_finding_opens():
    [change] = plan({}, [_f("k")], D1, ALL)
    assert change.event == "opened" and change.values["first_seen"] == D1 and change.values["status"] == "open"


def test_seen_again_counts_and_keeps_its_status():
    [change] = plan({"k": _kept("k", status="notified")}, [_f("k")], D2, ALL)
    assert change.event == "seen" and change.values == {"last_seen": D2, "times_seen": 2}


def test_gone_and_covered_is_resolved():
    [change] = plan({"k": _kept("k")}, [], D2, ALL)
    assert change.event == "resolved" and change.values == {"status": "resolved", "resolved_at": D2}


def test_gone_but_not_covered_stays_open():
    not_read = Coverage(units_read=frozenset({"b"}), index_ok=True, directory_ok=True)
    assert plan({"k": _kept("k")}, [], D2, not_read) == []
    person = _kept("p", subject="Trần Văn A", field="mobile")
    assert plan({"p": person}, [], D2, Coverage(units_read=frozenset({"a"}), index_ok=True)) == []
    missing_unit = _kept("u", field="page", category="unit_missing")
    assert plan({"u": missing_unit}, [], D2, Coverage()) == []


def test_a_stale_page_whose_date_was_not_read_stays_open():
    """The unit's page was read but its update date was not understood: unknown, not fixed. The
    unit's other findings are resolved as usual."""
    unknown = Coverage(units_read=frozenset({"a", "b"}), index_ok=True, directory_ok=True,
                       unknown=frozenset({("a", "updated_at")}))
    kept = {"s": _kept("s", field="updated_at", category="stale"), "e": _kept("e"),
            "t": _kept("t", unit="b", field="updated_at", category="stale")}
    assert [(c.key, c.event) for c in plan(kept, [], D2, unknown)] == [("e", "resolved"), ("t", "resolved")]


def test_resolved_finding_that_comes_back_reopens_the_same_key():
    [change] = plan({"k": _kept("k", status="resolved", resolved=D2)}, [_f("k")], D3, ALL)
    assert change.event == "reopened" and change.key == "k"
    assert change.values["status"] == "open" and change.values["reopened"] == 1 and change.values["resolved_at"] is None


def test_replaying_an_applied_night_changes_nothing():
    assert plan({"k": _kept("k", last=D2)}, [_f("k")], D2, ALL) == []
    assert plan({"k": _kept("k", last=D2)}, [], D2, ALL) == []
    assert plan({"k": _kept("k", status="resolved", resolved=D3)}, [_f("k")], D2, ALL) == []


def test_a_unit_not_yet_due_has_its_findings_withdrawn_not_resolved():
    """A unit whose registry ``since`` was set after its findings were raised (or that took findings
    over from a former id): while it still has time to publish it is neither checked nor chased, so
    its findings are withdrawn, not fixed; other units go on. Found again once due, they are raised
    afresh."""
    new = Coverage(units_read=frozenset({"a", "b"}), index_ok=True, directory_ok=True, units=frozenset({"a", "b"}),
                   not_due={"a": D3})
    kept = {"k": _kept("k"), "m": _kept("m", category="unit_missing", field="page"), "o": _kept("o", unit="b")}
    changes = {c.key: c for c in plan(kept, [], D2, new)}
    assert {k: c.event for k, c in changes.items()} == {"k": "withdrawn", "m": "withdrawn", "o": "resolved"}
    assert changes["k"].values == {"status": "withdrawn", "resolved_at": D2}
    later = {"k": _kept("k", status="withdrawn", last=D1, resolved=D2)}
    [back] = plan(later, [_f("k")], D3 + dt.timedelta(days=1), ALL)
    assert back.event == "opened" and back.values["opened_at"] == D3 + dt.timedelta(days=1)


def test_a_withdrawn_finding_found_again_is_raised_afresh_not_reopened():
    """Nobody was held to a withdrawn finding (its unit left the registry, or was not yet due): found
    again, it is new to its unit, first seen tonight, with nothing counted as a fix come undone. A
    finding that was fixed and comes back is still "reopened"."""
    withdrawn = KeptFinding("k", "a", "unit", "email", "missing", "withdrawn", D1, D1, 3, 1, D2)
    [back] = plan({"k": withdrawn}, [_f("k")], D3, ALL)
    assert back.event == "opened" and back.key == "k" and back.finding is not None
    assert back.values == {"status": "open", "first_seen": D3, "opened_at": D3, "last_seen": D3, "times_seen": 4,
                           "resolved_at": None, "notified_at": None, "escalated_at": None}, "its reopened count kept"
    assert plan({"k": withdrawn}, [_f("k")], D1, ALL) == [], "an older night replayed changes nothing"


def test_the_alert_policy_chases_exactly_the_active_statuses():
    """The policy writes the statuses out (importing the store would load SQLAlchemy): they must not drift."""
    from portalwatch.alerts.policy import _ACTIVE
    from portalwatch.store.lifecycle import ACTIVE

    assert _ACTIVE == ACTIVE
