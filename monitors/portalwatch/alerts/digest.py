"""What one night's messages say, before any wording: the digests that renderers turn into text.

A unit gets at most one message a night, so everything about it (new findings, reminders of open
ones, fixes since the last message) is gathered in one :class:`UnitDigest`. Which findings are new,
which reminders are due and what the deadlines are is decided by the caller from the history
store; these records only carry the decision, so rendering stays a pure function of them.
Ops notices are a separate record on purpose: crawler and layout trouble is never a unit's fault
and must never reach a unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from ..findings.model import Finding
from ..profile.registry import Unit

__all__ = ["DigestItem", "UnitDigest", "VpRow", "VpDigest", "OpsNotice", "DigestKind", "FOLLOW_UP"]

#: The office that chases the units, when the registry names no VP office.
FOLLOW_UP = "Văn phòng HĐND và UBND"

DigestKind = Literal["new", "reminder", "resolved"]


@dataclass(frozen=True)
class DigestItem:
    """A finding as a unit is told about it: since when it is known and by when it must be fixed."""

    finding: Finding
    first_seen: dt.date
    deadline: dt.date | None
    overdue: bool = False
    #: found again after it was fixed: the unit is told it came back, not that it is new
    reopened: bool = False


@dataclass(frozen=True)
class UnitDigest:
    """Everything one unit is told tonight, in one message."""

    unit: Unit
    night: dt.date
    portal_title: str
    new: tuple[DigestItem, ...] = ()
    still_open: tuple[DigestItem, ...] = ()
    resolved: tuple[Finding, ...] = ()
    #: Findings still open that tonight's note of fixes does not list (told before, no reminder due
    #: yet): counted in it, so a unit is not thanked as if nothing were left.
    unlisted_open: tuple[DigestItem, ...] = ()
    report_url: str | None = None
    #: The office that chases the units (the registry's VP office), named in every message.
    follow_up: str = FOLLOW_UP

    @property
    def kind(self) -> DigestKind:
        """new if anything is new, else a reminder if anything is still open, else a note of fixes."""
        if self.new:
            return "new"
        if self.still_open:
            return "reminder"
        return "resolved"

    @property
    def open_count(self) -> int:
        """How many findings the unit still has to fix (new ones included)."""
        return len(self.new) + len(self.still_open)

    @property
    def next_deadline(self) -> dt.date | None:
        """The nearest deadline of the findings still open but not listed tonight."""
        return min((i.deadline for i in self.unlisted_open if i.deadline is not None), default=None)

    @property
    def is_empty(self) -> bool:
        """Nothing to say: the caller sends nothing."""
        return not (self.new or self.still_open or self.resolved)


@dataclass(frozen=True)
class VpRow:
    """One unit's line in the VP office's digest."""

    unit_name: str
    new: int
    open: int
    resolved: int
    escalated: int
    #: found again tonight after a fix: open, not new (so that open = yesterday's - fixed + new + reopened)
    reopened: int = 0


@dataclass(frozen=True)
class VpDigest:
    """The VP office's nightly digest: every unit's counts, and what is past its deadline."""

    night: dt.date
    portal_title: str
    rows: tuple[VpRow, ...] = ()
    escalations: tuple[DigestItem, ...] = ()
    #: findings back tonight after a fix, named (the counts alone do not say whose or which)
    reopened: tuple[DigestItem, ...] = ()
    score_points: float | None = None
    score_percent: float | None = None
    #: (units scored, units in all) when tonight's score left units out, or could score none.
    score_units: tuple[int, int] | None = None
    #: the units not scored tonight (their page or the directory not read), named for the VP office
    not_scored: tuple[str, ...] = ()
    #: (unit name, last day to publish) of the units too new to be held to the portal tonight: not
    #: scored either, but for want of time, not of a page read
    new_units: tuple[tuple[str, dt.date], ...] = ()
    report_url: str | None = None
    follow_up: str = FOLLOW_UP    # the registry's VP office: the digest's addressee
    #: (unit name, count) of findings withdrawn tonight, their unit no longer in the registry: why the
    #: open total fell without a fix
    withdrawn: tuple[tuple[str, int], ...] = ()
    #: the same for findings withdrawn because their unit is new and not yet due (registry ``since``)
    withdrawn_new: tuple[tuple[str, int], ...] = ()

    @property
    def totals(self) -> VpRow:
        """The sum of all rows, for the digest's first line."""
        return VpRow("", sum(r.new for r in self.rows), sum(r.open for r in self.rows),
                     sum(r.resolved for r in self.rows), sum(r.escalated for r in self.rows),
                     sum(r.reopened for r in self.rows))


@dataclass(frozen=True)
class OpsNotice:
    """A crawler or layout problem for the ops team (never sent to a unit)."""

    night: dt.date
    portal: str
    title: str
    lines: tuple[str, ...] = ()
