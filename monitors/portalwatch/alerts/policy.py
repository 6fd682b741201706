"""Who is told what tonight, by the policy in the profile. Pure: it reads the store's rows only.

- A unit gets at most one message a night. It is sent when the unit has findings it was never told
  about (new or reopened); it then lists those and every other finding still open.
- Otherwise a reminder goes out when the last message about an open finding is
  ``reminder_every_working_days`` working days old (not nightly: noise gets monitors muted).
- A finding fixed since the unit was told gets a short "resolved" note, the night the fix is seen;
  it says how many findings are still open (and the nearest deadline), so it never reads as "all done".
- A finding past its deadline (``deadline_working_days`` after it was opened) is escalated once to
  the VP office, which also gets a digest every night.
- Ops get the run notices (crawler and layout problems); units never do. On a night the portal
  did not answer at all, only ops are told. Notices of one kind beyond the first few are counted,
  not listed (the night's summary.json lists them all).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..findings.model import finding_from_row
from ..profile.registry import Registry
from ..profile.schema import PolicyRules
from ..workdays import add_working_days
from .digest import FOLLOW_UP, DigestItem, OpsNotice, UnitDigest, VpDigest, VpRow

__all__ = ["AlertPlan", "plan_alerts"]

#: The store's ``lifecycle.ACTIVE``, written out: importing it loads the store package, and with it
#: SQLAlchemy, which rendering a digest does not need.
_ACTIVE = ("open", "notified", "escalated")


@dataclass(slots=True)
class AlertPlan:
    units: list[UnitDigest] = field(default_factory=list)
    vp: VpDigest | None = None
    ops: OpsNotice | None = None
    notified: list[str] = field(default_factory=list)     # keys whose unit is told tonight
    escalated: list[str] = field(default_factory=list)    # keys escalated to the VP office tonight


def _item(row: dict[str, Any], policy: PolicyRules, night: dt.date) -> DigestItem:
    due = add_working_days(row["opened_at"], policy.deadline_working_days)
    return DigestItem(finding_from_row(row), row["first_seen"], due, overdue=due < night,
                      reopened=row["opened_at"] != row["first_seen"])


def _score_units(score: Any) -> tuple[int, int] | None:
    """(units scored, units in all) when tonight's score (a PortalScore) leaves units out; else None."""
    if score is None or not score.not_scored:
        return None
    return len(score.scored), len(score.units)


def plan_alerts(rows: list[dict[str, Any]], night: dt.date, policy: PolicyRules, registry: Registry,
                portal_title: str, *, notices: list[dict[str, Any]] | None = None, portal: str = "",
                score: Any = None, report_url: str | None = None) -> AlertPlan:
    plan = AlertPlan()
    office = registry.units.get(registry.vp_office) if registry.vp_office else None
    follow_up = office.name if office is not None else FOLLOW_UP
    if notices and any(n["kind"] == "portal_unreachable" for n in notices):
        # Nothing was seen tonight: units are not chased on the strength of an outage.
        rows = []
    active = [r for r in rows if r["status"] in _ACTIVE]
    fixed_tonight = [r for r in rows if r["status"] == "resolved" and r["resolved_at"] == night]
    vp_rows = []
    for unit in registry:
        mine = sorted((r for r in active if r["unit_id"] == unit.id), key=lambda r: (r["opened_at"], r["key"]))
        new = [r for r in mine if r["notified_at"] is None]
        due = [r for r in mine if r["notified_at"] is not None
               and add_working_days(r["notified_at"], policy.reminder_every_working_days) <= night]
        resolved = [finding_from_row(r) for r in fixed_tonight if r["unit_id"] == unit.id and r["notified_at"]]
        if new or due:
            digest = UnitDigest(unit=unit, night=night, portal_title=portal_title, follow_up=follow_up,
                                new=tuple(_item(r, policy, night) for r in new),
                                still_open=tuple(_item(r, policy, night) for r in mine if r not in new),
                                resolved=tuple(resolved), report_url=report_url)
            plan.notified += [r["key"] for r in mine]
        elif resolved:
            digest = UnitDigest(unit=unit, night=night, portal_title=portal_title, resolved=tuple(resolved),
                                unlisted_open=tuple(_item(r, policy, night) for r in mine),
                                report_url=report_url, follow_up=follow_up)
        else:
            digest = None
        if digest is not None:
            plan.units.append(digest)
        if policy.escalate_after_deadline:
            plan.escalated += [r["key"] for r in mine if r["escalated_at"] is None
                               and add_working_days(r["opened_at"], policy.deadline_working_days) < night]
        # New means found for the first time tonight, as in the report; a finding back after a fix is not.
        opened_tonight = sum(r["first_seen"] == night for r in mine)
        reopened_tonight = sum(r["opened_at"] == night and r["first_seen"] != night for r in mine)
        fixed = sum(r["unit_id"] == unit.id for r in fixed_tonight)
        if mine or fixed:
            vp_rows.append(VpRow(unit.name, opened_tonight, len(mine), fixed,
                                 sum(r["status"] == "escalated" or r["key"] in plan.escalated for r in mine),
                                 reopened=reopened_tonight))
    escalations = tuple(_item(r, policy, night) for r in active if r["key"] in set(plan.escalated))
    place = {unit_id: i for i, unit_id in enumerate(registry.units)}
    reopened = tuple(_item(r, policy, night) for r in sorted(
        (r for r in active if r["opened_at"] == night and r["first_seen"] != night),
        key=lambda r: (place.get(r["unit_id"], len(place)), r["key"])))
    closed = [r for r in rows if r["status"] == "withdrawn" and r["resolved_at"] == night]
    withdrawn = Counter(r["unit_name"] or r["unit_id"] for r in closed if r["unit_id"] not in registry.units)
    withdrawn_new = Counter(registry.units[r["unit_id"]].name for r in closed if r["unit_id"] in registry.units)
    plan.vp = VpDigest(night=night, portal_title=portal_title, rows=tuple(vp_rows), escalations=escalations,
                       reopened=reopened, withdrawn=tuple(sorted(withdrawn.items())),
                       withdrawn_new=tuple(sorted(withdrawn_new.items())),
                       follow_up=follow_up,
                       score_points=getattr(score, "total", None), score_percent=getattr(score, "percent", None),
                       score_units=_score_units(score),
                       not_scored=tuple(u.unit_name for u in getattr(score, "not_scored", ()) or ()
                                        if u.not_read != "new"),
                       new_units=tuple((u.unit_name, u.due) for u in getattr(score, "not_scored", ()) or ()
                                       if u.not_read == "new"),
                       report_url=report_url)
    if notices:
        from ..reports.notices import group_notices, notice_detail

        lines = []
        for group in group_notices(notices):
            lines += [f"{group.kind}: {notice_detail(notice)}" for notice in group.examples]
            if group.more:
                lines.append(f"{group.kind}: … và {group.more} ghi chú khác cùng loại / and {group.more} more "
                             "(summary.json)")
        plan.ops = OpsNotice(night=night, portal=portal, title=f"{len(notices)} ghi chú vận hành / run notices",
                             lines=tuple(lines))
    return plan
