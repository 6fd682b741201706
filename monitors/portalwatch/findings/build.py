"""Failures of the suites -> findings a unit can act on.

Messages are templates of the suite files, filled with the unit's official name (from the
registry, not from the page), the field's name in Vietnamese and English, and the value seen.
When one field fails several rules, only the most specific finding is kept (a placeholder is not
also reported as an invalid phone): one problem, one message.
"""

from __future__ import annotations

import datetime as dt
import numbers
import string
import unicodedata
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..profile.registry import Registry
from ..profile.schema import Profile
from .labels import label
from .model import CATEGORIES, Finding, finding_key

if TYPE_CHECKING:  # validate/ comes before findings/; only its type is needed here
    from ..validate.gx import Failure

__all__ = ["build_findings", "message_hints", "named_people", "FINDING_FIELD", "GENERIC_HINTS"]

#: Profile field names that findings spell differently (DESIGN.md: "updated_at").
FINDING_FIELD = {"updated": "updated_at"}

#: When a field fails several rules, the first category in this order wins.
PRECEDENCE = ("page_unreachable", "unit_missing", "missing", "placeholder", "old_numbering", "invalid_phone",
              "invalid_email", "unofficial_email", "leader_left", "leader_missing", "duplicate_contact",
              "inconsistent", "stale")
assert set(PRECEDENCE) == set(CATEGORIES)


#: What a suite's texts may say of the portal's own rules (``{local_numbers_vi}``, ...), worded
#: without them when no profile is given: the profile's values come from :func:`message_hints`.
GENERIC_HINTS = {
    "local_numbers_vi": "số cố định có mã vùng của địa phương hoặc số di động 10 chữ số",
    "local_numbers_en": "a landline with the local area code or a 10-digit mobile number",
    "official_domains_vi": "tên miền chính thức của cơ quan nhà nước",
    "official_domains_en": "the government's official domain",
    "max_age_working_days": "120",
    "placeholder_example": "Đang cập nhật",
}


def message_hints(profile: Profile) -> dict[str, str]:
    """The portal's rules in words, for the "Yêu cầu" (expected) line of a finding.

    A unit told its number is "not valid" needs to know what a valid one looks like here: the area
    code(s), the official mail domain(s) and the page age limit all come from the profile."""
    hints = dict(GENERIC_HINTS)
    codes = [f"0{code}" for code in profile.contacts.area_codes]
    if codes:
        hints["local_numbers_vi"] = f"số cố định mã vùng {' hoặc '.join(codes)} hoặc số di động 10 chữ số"
        hints["local_numbers_en"] = f"a landline with area code {' or '.join(codes)} or a 10-digit mobile number"
    domains = list(profile.contacts.email_domains)
    if domains:
        hints["official_domains_vi"] = f"tên miền {' hoặc '.join(domains)}"
        hints["official_domains_en"] = f"the domain {' or '.join(domains)}"
    hints["max_age_working_days"] = str(profile.checks.unit_page_max_age_working_days)
    if profile.checks.placeholders:
        hints["placeholder_example"] = profile.checks.placeholders[0]
    return hints


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: dict[str, Any]) -> str:
    """The template with values filled in; a sentence that starts with a field name gets its capital."""
    text = string.Formatter().vformat(template, (), _Defaulting(values))
    text = text[:1].upper() + text[1:]
    return unicodedata.normalize("NFC", text)


def _as_text(value: Any) -> str | None:
    """The value seen as text; nothing seen (None, or a frame's NaN / NA / NaT) is None, never "nan"."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if value is None or pd.isna(value):
        return None
    return str(value)


def named_people(names: Any, total: Any, lang: str = "vi") -> str:
    """Who else lists a shared contact, for a message: "Đặng Ngọc Hoa", "A, B và C", or the first
    names and a count of the rest ("A, B, C và 2 người khác"), so the unit knows which rows to
    compare. ``names`` is the facts' ``{field}_shared_with`` (the first few others), ``total`` their
    ``{field}_shared`` (how many others in all)."""
    shown = [str(n) for n in names] if isinstance(names, (list, tuple)) else []
    if not shown:
        return ""
    rest = int(total) - len(shown) if isinstance(total, numbers.Real) and not pd.isna(total) else 0
    word = " và " if lang == "vi" else " and "
    if rest > 0:
        more = f"{rest} người khác" if lang == "vi" else f"{rest} other{'s' if rest > 1 else ''}"
        return ", ".join(shown) + word + more
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + word + shown[-1]


def build_findings(failures: "list[Failure]", portal: str, registry: Registry,
                   portal_title: str = "Trang thông tin điện tử", *, night: dt.date,
                   hints: dict[str, str] | None = None) -> list[Finding]:
    """One finding per (unit, subject, field), the most specific when several rules failed.

    ``portal_title`` (the profile's title) names the portal in messages: a city's "Trang thông tin
    điện tử" is a ward's "Cổng thông tin điện tử". Each finding cites the law as it stood on
    ``night`` (see validate/legal.py). ``hints`` (:func:`message_hints`) word the portal's own rules."""
    hints = {**GENERIC_HINTS, **(hints or {})}
    best: dict[tuple[str, str, str], Finding] = {}
    for failure in failures:
        rule, row = failure.rule, failure.row
        unit = registry.units[row["unit_id"]]
        subject = failure.subject
        field = FINDING_FIELD.get(failure.field, failure.field)
        values = {k: _as_text(v) or "" for k, v in row.items()}
        values.update({"unit_name": unit.name, "subject": subject, "value": _as_text(failure.value) or "",
                       "suggested": _as_text(row.get(f"{failure.field}_suggestion")) or "",
                       "shared_with": named_people(row.get(f"{failure.field}_shared_with"),
                                                   row.get(f"{failure.field}_shared"), "vi"),
                       "shared_with_en": named_people(row.get(f"{failure.field}_shared_with"),
                                                      row.get(f"{failure.field}_shared"), "en"),
                       "field_vi": label(failure.field, "vi"), "field_en": label(failure.field, "en"),
                       "portal_title": portal_title, **hints})
        finding = Finding(
            key=finding_key(portal, unit.id, subject, field, rule.rule), portal=portal, unit_id=unit.id,
            unit_name=unit.name, subject=subject, field=field, rule=rule.rule, category=rule.category,
            severity=rule.severity, value=_as_text(failure.value), expected=_fill(rule.expected, values),
            suggestion=_fill(rule.suggestion, values) if rule.suggestion else None,
            url=row.get("page_url") or "", legal_basis=rule.legal_basis.on(night),
            message_vi=_fill(rule.message_vi, values), message_en=_fill(rule.message_en, values))
        slot = (unit.id, subject, field)
        current = best.get(slot)
        if current is None or PRECEDENCE.index(finding.category) < PRECEDENCE.index(current.category):
            best[slot] = finding
    return sorted(best.values(), key=lambda f: (f.unit_id, f.subject, f.field, f.rule))
