"""How a night's findings change the findings kept in the store. Pure: no database here.

    new key                    -> opened (status open, first seen tonight)
    known, open/notified/...   -> seen again (last seen, times seen + 1)
    known, resolved            -> reopened (status open again; the same row, never a duplicate)
    known, withdrawn           -> opened afresh (the same row): first seen tonight, not "reopened",
                                  which says a fix came undone; nobody was held to it while withdrawn
    known, not seen tonight    -> resolved, but only if tonight's crawl could have seen it
                                  (the unit's page answered, the index or the directory was read);
                                  otherwise it stays as it was: "unknown" is not "fixed"
    known, its unit no longer  -> withdrawn: closed, but not fixed. A unit removed from the registry
      in the registry             (or given a new id) is checked no more, so its findings would
                                  otherwise stay open, overdue and counted for ever
    seen again on a night already applied -> nothing (a night replayed twice changes nothing)
    known, its unit not yet    -> withdrawn too: a unit too new to be held to the portal (its
      due (``since``)             registry ``since`` plus the deadline) is neither checked nor chased
                                  yet; what it had (raised before ``since`` was written, or carried
                                  over from a former id) is opened afresh if still there once it is due

A withdrawn finding seen again (its unit put back in the registry, or due at last) is raised as new:
its unit was not chased for it meanwhile, so telling it "back after a fix" would be untrue. Its row
keeps its key and counters; its earlier spell stays in its events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..findings.model import Finding

__all__ = ["Coverage", "KeptFinding", "Change", "plan", "ACTIVE", "CLOSED"]

ACTIVE = ("open", "notified", "escalated")
#: A finding no longer active: fixed on the portal, or withdrawn with its unit from the registry.
CLOSED = ("resolved", "withdrawn")


@dataclass(frozen=True, slots=True)
class Coverage:
    """What tonight's crawl could see: a finding outside it is neither confirmed nor resolved."""

    units_read: frozenset[str] = frozenset()    # units whose page answered 2xx
    index_ok: bool = False
    directory_ok: bool = False
    sections_read: frozenset[str] = frozenset()  # "schedule", "draft": sections whose items were read
    #: (unit id, field) read tonight but not understood (a date the profile's formats do not read)
    unknown: frozenset[tuple[str, str]] = frozenset()
    #: The registry's unit ids tonight; None when not known (then no finding is withdrawn).
    units: frozenset[str] | None = None
    #: Units too new to be held to the portal tonight, each with the last day it has to publish
    #: (:meth:`Registry.not_due`): their findings are withdrawn, neither confirmed nor resolved.
    not_due: dict[str, dt.date] = field(default_factory=dict)

    def covers(self, unit_id: str, subject: str, field_name: str, category: str) -> bool:
        if (unit_id, field_name) in self.unknown:
            return False
        if field_name in ("schedule", "draft"):
            return field_name in self.sections_read
        if category in ("unit_missing", "page_unreachable"):
            return self.index_ok
        if subject == "unit":
            page = unit_id in self.units_read
            return page and self.directory_ok if field_name == "leaders" else page
        return self.directory_ok


@dataclass(frozen=True, slots=True)
class KeptFinding:
    """The lifecycle columns of a finding already in the store."""

    key: str
    unit_id: str
    subject: str
    field: str
    category: str
    status: str
    first_seen: dt.date
    last_seen: dt.date
    times_seen: int
    reopened: int
    resolved_at: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Change:
    key: str
    event: str                                   # opened, seen, reopened, resolved, withdrawn
    values: dict = field(default_factory=dict)   # lifecycle columns to write
    finding: Finding | None = None               # tonight's record (for opened/seen/reopened)


def plan(kept: dict[str, KeptFinding], tonight: list[Finding], night: dt.date, coverage: Coverage) -> list[Change]:
    """The changes tonight brings, in a stable order."""
    changes: list[Change] = []
    seen_keys = set()
    for finding in sorted(tonight, key=lambda f: f.key):
        seen_keys.add(finding.key)
        old = kept.get(finding.key)
        if old is None:
            changes.append(Change(finding.key, "opened", {"status": "open", "first_seen": night, "opened_at": night,
                                                          "last_seen": night,
                                                          "times_seen": 1, "reopened": 0, "resolved_at": None},
                                  finding))
        elif night <= old.last_seen and old.status in ACTIVE:
            continue                                          # this night (or a later one) is already applied
        elif old.status in CLOSED:
            if old.resolved_at is not None and night < old.resolved_at:
                continue                                      # an older night replayed: history is not rewritten
            if old.status == "withdrawn":
                changes.append(Change(finding.key, "opened", {"status": "open", "first_seen": night,
                                                              "opened_at": night, "last_seen": night,
                                                              "times_seen": old.times_seen + 1, "resolved_at": None,
                                                              "notified_at": None, "escalated_at": None}, finding))
                continue
            changes.append(Change(finding.key, "reopened", {"status": "open", "last_seen": night, "opened_at": night,
                                                            "times_seen": old.times_seen + 1,
                                                            "reopened": old.reopened + 1, "resolved_at": None,
                                                            "notified_at": None, "escalated_at": None}, finding))
        else:
            changes.append(Change(finding.key, "seen", {"last_seen": night, "times_seen": old.times_seen + 1},
                                  finding))
    for key, old in sorted(kept.items()):
        if key in seen_keys or old.status not in ACTIVE or night <= old.last_seen:
            continue
        if (coverage.units is not None and old.unit_id not in coverage.units) or old.unit_id in coverage.not_due:
            changes.append(Change(key, "withdrawn", {"status": "withdrawn", "resolved_at": night}))
        elif coverage.covers(old.unit_id, old.subject, old.field, old.category):
            changes.append(Change(key, "resolved", {"status": "resolved", "resolved_at": night}))
    return changes
