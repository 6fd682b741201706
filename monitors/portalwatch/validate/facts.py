"""Facts the suites check, derived from the night's DataFrames: one column per question.

Great Expectations is good at "every value of this column is in this set / below this bound"; the
domain knowledge (is this a current Vietnamese number, which number replaced it, is this person
still in office, how many working days since the update) is computed here in plain, tested Python,
and written as columns beside the data. The suites in expectations/ then state the rules and their
thresholds on those columns, and every failure still points at the row that caused it.

Frames produced:
    units       unit pages + phone/fax/email status, fax = phone, age in working days, leaders mismatch
    directory   directory rows + phone/email status, shared contacts, roster status, the row as shown
    registry    one row per registry unit: listed on the index, what its page answered
    roster      one row per person in office per the roster: listed in the directory or not
    schedules   one row per leaders' weekly schedule: does it show the current week
    drafts      one row per draft for comment: still listed as open after its deadline or not
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import phonenumbers

from ..findings.build import named_people
from ..normalise.emails import on_domain, parse_emails
from ..normalise.phones import parse_phones, suggest_new_number
from ..normalise.text import is_placeholder
from ..profile.matching import name_key
from ..workdays import working_days_between

__all__ = ["NightContext", "phone_status", "email_status", "derive_facts"]


@dataclass(frozen=True, slots=True)
class NightContext:
    """What the facts need to know besides the frames."""

    night: dt.date
    region: str = "VN"
    area_codes: tuple[str, ...] = ()
    old_area_codes: dict[str, str] | None = None
    email_domains: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    index_ok: bool = True               # the unit index answered and listed units
    directory_ok: bool = True           # the directory answered and had rows
    index_url: str = ""
    directory_url: str = ""
    drifted: frozenset[str] = frozenset()    # page types whose required selectors matched nothing
    # page type -> (rows last night, rows tonight) where far fewer rows were read than the night before
    shrunk: dict[str, tuple[int, int]] = field(default_factory=dict)
    broken_selectors: tuple[str, ...] = ()   # "page_type.name: selector" of each that matched nothing
    #: units too new to be held to the portal tonight, each with its last day to publish
    #: (:meth:`Registry.not_due`): their findings are left out and they are not scored
    not_due: dict[str, dt.date] = field(default_factory=dict)


def _national(e164: str, region: str) -> str:
    number = phonenumbers.parse(e164, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_status(raw: str | None, ctx: NightContext) -> tuple[str | None, str | None]:
    """(status, suggested new number) of a phone field.

    status: None (absent or placeholder: other rules speak), "ok", "old_numbering" (a number of the
    pre-2017/2018 plan, with the number that replaced it), "invalid", or "other_area" (a landline
    outside the portal's area codes).
    """
    if raw is None or is_placeholder(raw, ctx.placeholders):
        return None, None
    field = parse_phones(raw, ctx.region)
    suggestions = [s for s in (suggest_new_number(i, ctx.old_area_codes, ctx.region) for i in field.invalid) if s]
    if suggestions:
        return "old_numbering", ", ".join(_national(s, ctx.region) for s in suggestions)
    if field.invalid or not (field.numbers or field.fax):
        return "invalid", None
    if ctx.area_codes and any(not nsn.startswith(ctx.area_codes) for nsn in field.landlines):
        return "other_area", None
    return "ok", None


def email_status(raw: str | None, ctx: NightContext) -> str | None:
    """None (absent or placeholder), "ok", "invalid" (no address in it) or "unofficial" (not on the
    portal's official domains, e.g. a free mail provider)."""
    if raw is None or is_placeholder(raw, ctx.placeholders):
        return None
    addresses = parse_emails(raw)
    if not addresses:
        return "invalid"
    if ctx.email_domains and not all(on_domain(a, ctx.email_domains) for a in addresses):
        return "unofficial"
    return "ok"


def _phone_columns(frame: pd.DataFrame, fields: dict[str, str], ctx: NightContext) -> pd.DataFrame:
    for field, raw_column in fields.items():
        pairs = [phone_status(v, ctx) for v in frame[raw_column]] if len(frame) else []
        frame[f"{field}_status"] = [p[0] for p in pairs]
        frame[f"{field}_suggestion"] = [p[1] for p in pairs]
    return frame


def _day(value: object) -> str | None:
    """A date as messages give it (dd/mm/yyyy), whatever way the site wrote it: the site's own text
    stays the finding's evidence."""
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else None


def _units(units: pd.DataFrame, directory: pd.DataFrame, ctx: NightContext) -> pd.DataFrame:
    """The unit pages' facts; ``directory`` is the directory's facts (:func:`_directory`), whose
    ``roster_status`` says who has left."""
    frame = units.copy()
    _phone_columns(frame, {"phone": "phone_raw", "fax": "fax_raw"}, ctx)
    frame["email_status"] = [email_status(v, ctx) for v in frame["email_raw"]]
    frame["fax_same_as_phone"] = [bool(fax and phones and fax in phones)
                                  for fax, phones in zip(frame["fax"], frame["phones"])]
    frame["updated_age_wd"] = pd.Series([working_days_between(d, ctx.night) if isinstance(d, dt.date) else None
                                         for d in frame["updated_at"]], index=frame.index, dtype=object)
    frame["updated_on"] = pd.Series([_day(d) for d in frame["updated_at"]], index=frame.index, dtype=object)
    listed: dict[str, dict[str, str]] = defaultdict(dict)       # unit -> name key -> name, directory order
    gone: set[tuple[str, str]] = set()
    for unit_id, person, status in zip(directory["unit_id"], directory["person_name"], directory["roster_status"]):
        if not (unit_id and person):
            continue
        # A leader the roster says has left, still in the directory, is told once, by the directory's
        # own finding (leader_left), not again as a difference between the page and the directory:
        # left out of both sides. One who left and is on the page only is told by this one.
        if status == "left":
            gone.add((unit_id, name_key(person)))
        else:
            listed[unit_id].setdefault(name_key(person), person)
    frame["leaders_mismatch"] = [
        None if not ctx.directory_ok or not unit_id or not leaders or unit_id not in listed
        else _leaders_mismatch({name_key(n): n for n in leaders if (unit_id, name_key(n)) not in gone},
                               listed[unit_id])
        for unit_id, leaders in zip(frame["unit_id"], frame["leaders"])]
    return frame


def _named(names: list[str]) -> str:
    """The first :data:`SHARED_NAMED` names, then how many more, as findings name people
    (:func:`~portalwatch.findings.build.named_people`)."""
    return named_people(names[:SHARED_NAMED], len(names))


def _leaders_mismatch(page: dict[str, str], directory: dict[str, str]) -> str | None:
    """Who the unit's page and the directory disagree on, by name on each side (None when they
    agree): the unit must know whom to add or remove, not only that the lists differ."""
    only_page = [n for k, n in page.items() if k not in directory]
    only_directory = [n for k, n in directory.items() if k not in page]
    parts = ([f"trên trang, không có trong danh bạ: {_named(only_page)}"] if only_page else []) + \
            ([f"trong danh bạ, không có trên trang: {_named(only_directory)}"] if only_directory else [])
    return "; ".join(parts) or None


#: How many of the others listing the same contact a row names (``{field}_shared_with``); the
#: rest are only counted, so a number copied onto many rows does not make every message a list.
SHARED_NAMED = 3


def _own_contacts(roster: Any, field: str, ctx: NightContext) -> dict[tuple[str, str], set[str]]:
    """(unit, name key) -> the person's own ``field`` (mobile or e-mail) per the roster, normalised as
    the directory's columns are (E.164 numbers, lower-case addresses), so "0912 000 107" in the roster
    is the "0912.000.107" on the site. It is what says, of two people listing one number, whose it is."""
    own: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in (roster.entries if roster else ()):
        raw = getattr(entry, field, "")
        if not raw:
            continue
        values = parse_phones(raw, ctx.region).numbers if field == "mobile" else parse_emails(raw)
        own[(entry.unit_id, entry.key)].update(values)
    return own


def _shared(values: pd.Series, keys: list[str | None], names: pd.Series, units: pd.Series,
            own: dict[tuple[str, str], set[str]],
            unit_names: dict[str, str] | None = None) -> tuple[list[int], list[tuple[str, ...] | None]]:
    """For each row, how many *other* people (by ``keys``, their name keys) show the same value, and
    the first :data:`SHARED_NAMED` of them by name (None when the row is not at fault). Another
    unit's person is named with their unit ("Vũ Kim Yến (Ủy ban nhân dân thành phố)", from
    ``unit_names``, unit id to name): a ward's clerk told of a number shared with someone of the city
    must know where to look.

    A row whose person the roster gives this very value (``own``) is not at fault: the number is
    theirs, and only the others who copied it are counted (so the owner's leaders score is not
    docked). Without that knowledge every row listing the value counts the others, as each may be
    the wrong one. One pass builds, per value, its people (names kept for the first few only); a
    second reads each row's count and names from it."""
    unit_names = unit_names or {}
    owners: dict[str, set[str]] = defaultdict(set)
    first: dict[str, list[tuple[str, str, str]]] = defaultdict(list)   # value -> (key, name, unit), in order
    for value, key, name, unit in zip(values, keys, names, units):
        if value and key is not None and key not in owners[value]:
            owners[value].add(key)
            if len(first[value]) <= SHARED_NAMED:                 # one may be the row's own person
                first[value].append((key, name, unit))
    counts: list[int] = []
    named: list[tuple[str, ...] | None] = []
    for value, key, unit in zip(values, keys, units):
        # the row's own key is among the value's owners
        others = len(owners[value]) - 1 if value and key is not None else 0
        if others and value in own.get((unit, key), ()):
            others = 0
        counts.append(others)
        named.append(tuple(n if u == unit or not unit_names.get(u) else f"{n} ({unit_names[u]})"
                           for k, n, u in first[value] if k != key)[:SHARED_NAMED] if others else None)
    return counts, named


def _roster_status(unit_ids: pd.Series, keys: list[str | None], roster: Any, night: dt.date) -> list[str]:
    """Each row's person against the roster: "active", "left", "not_yet" or "unknown".

    The roster is indexed by (unit, name key) once: scanning the roster's entries for each row was
    some 15-20% of deriving the facts of a directory of 100,000 rows."""
    entries: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for entry in (roster.entries if roster else ()):
        entries[(entry.unit_id, entry.key)].append(entry)
    status = []
    for unit_id, key in zip(unit_ids, keys):
        found = entries.get((unit_id, key), ()) if unit_id and key is not None else ()
        if not found:
            status.append("unknown")
        elif any(e.active_on(night) for e in found):
            status.append("active")
        elif all(e.effective_to is not None and e.effective_to < night for e in found):
            status.append("left")
        else:
            status.append("not_yet")
    return status


def _shown(names: pd.Series, positions: pd.Series) -> list[str | None]:
    """Each directory row as a reader sees it, "Bùi Hữu Quang – Phó Chủ tịch UBND phường": the
    evidence of a finding about the person listed (one who left office), rather than the position
    alone, which is not what is wrong."""
    return [" – ".join(part for part in (name, position) if part) or None for name, position in zip(names, positions)]


def _directory(directory: pd.DataFrame, roster: Any, ctx: NightContext, registry: Any = None) -> pd.DataFrame:
    frame = directory.copy()
    _phone_columns(frame, {"office_phone": "office_phone_raw", "mobile": "mobile_raw"}, ctx)
    frame["email_status"] = [email_status(v, ctx) for v in frame["email_raw"]]
    keys = [name_key(person) if person else None for person in frame["person_name"]]
    unit_names = {unit_id: unit.name for unit_id, unit in getattr(registry, "units", {}).items()}
    for field in ("mobile", "email"):
        counts, named = _shared(frame[field], keys, frame["person_name"], frame["unit_id"],
                                _own_contacts(roster, field, ctx), unit_names)
        frame[f"{field}_shared"] = counts
        frame[f"{field}_shared_with"] = pd.Series(named, index=frame.index, dtype=object)
    frame["roster_status"] = _roster_status(frame["unit_id"], keys, roster, ctx.night)
    frame["person_shown"] = pd.Series(_shown(frame["person_name"], frame["position"]), index=frame.index,
                                      dtype=object)
    return frame


def _registry(units: pd.DataFrame, registry: Any, ctx: NightContext) -> pd.DataFrame:
    columns = ["unit_id", "on_index", "page_state", "page_status_text", "page_url"]
    if not ctx.index_ok:
        return pd.DataFrame(columns=columns)
    pages = {u: (s, url) for u, s, url in zip(units["unit_id"], units["http_status"], units["page_url"]) if u}
    rows = []
    for unit in registry:
        status, url = pages.get(unit.id, (None, ctx.index_url))
        state = None if status is None else ("ok" if 200 <= status < 300 else "gone" if 400 <= status < 500
                                             else "error")
        rows.append({"unit_id": unit.id, "on_index": unit.id in pages, "page_state": state,
                     "page_status_text": f"HTTP {status}" if status else None, "page_url": url})
    return pd.DataFrame(rows, columns=columns).astype(object)


def _roster(directory: pd.DataFrame, roster: Any, ctx: NightContext) -> pd.DataFrame:
    columns = ["unit_id", "person_name", "position", "listed", "page_url"]
    if roster is None or not ctx.directory_ok:
        return pd.DataFrame(columns=columns)
    listed = {(u, name_key(p)) for u, p in zip(directory["unit_id"], directory["person_name"]) if u and p}
    rows = [{"unit_id": e.unit_id, "person_name": e.person_name, "position": e.position,
             "listed": (e.unit_id, e.key) in listed, "page_url": ctx.directory_url}
            for e in roster.active(ctx.night)]
    return pd.DataFrame(rows, columns=columns).astype(object)


def _schedules(sections: pd.DataFrame, ctx: NightContext) -> pd.DataFrame:
    """One row per weekly schedule read tonight: does its newest item reach this week?"""
    columns = ["unit_id", "newest_raw", "newest_on", "current", "page_url"]
    rows = []
    monday = ctx.night - dt.timedelta(days=ctx.night.weekday())
    for _, items in sections[sections["duty"] == "current_week"].groupby("section"):
        dated = [(d, raw) for d, raw in zip(items["date"], items["date_raw"]) if isinstance(d, dt.date)]
        if not dated:
            continue                                   # nothing readable: a layout problem, told to ops
        newest, raw = max(dated)
        rows.append({"unit_id": items["unit_id"].iloc[0], "newest_raw": raw, "newest_on": _day(newest),
                     "current": newest >= monday,
                     "page_url": items["page_url"].iloc[0]})
    return pd.DataFrame(rows, columns=columns).astype(object)


def _draft_named(title: str | None) -> str:
    """How a message names a draft: Dự thảo "…", unless its title already begins with "Dự thảo"."""
    title = title or ""
    return f"\"{title}\"" if name_key(title).startswith(name_key("Dự thảo")) else f"Dự thảo \"{title}\""


def _drafts(sections: pd.DataFrame, rules: dict[str, tuple[str, ...]], ctx: NightContext) -> pd.DataFrame:
    """One row per draft for comment: is it still listed as open after its deadline?"""
    columns = ["unit_id", "title", "named_vi", "deadline_raw", "deadline_on", "status_raw", "open_past_deadline",
               "page_url"]
    rows = []
    for item in sections[sections["duty"] == "open_until_deadline"].itertuples():
        open_words = [name_key(w) for w in rules.get(item.section, ("Đang lấy ý kiến",))]
        is_open = bool(item.status_raw) and any(w in name_key(item.status_raw) for w in open_words)
        past = isinstance(item.deadline, dt.date) and item.deadline < ctx.night
        rows.append({"unit_id": item.unit_id, "title": item.title, "named_vi": _draft_named(item.title),
                     "deadline_raw": item.deadline_raw,
                     "deadline_on": _day(item.deadline),
                     "status_raw": item.status_raw, "open_past_deadline": is_open and past,
                     "page_url": item.page_url})
    return pd.DataFrame(rows, columns=columns).astype(object)


def derive_facts(units: pd.DataFrame, directory: pd.DataFrame, registry: Any, roster: Any,
                 ctx: NightContext, sections: pd.DataFrame | None = None,
                 open_status: dict[str, tuple[str, ...]] | None = None) -> dict[str, pd.DataFrame]:
    """The frames the suites validate. A page type whose layout drifted (selectors that match
    nothing, or far fewer rows than the night before) gives no rows: its checks stand aside (ops are
    told) rather than report every unit's fields as missing."""
    if "unit_page" in ctx.drifted or "unit_page" in ctx.shrunk:
        # Far fewer unit pages than on the last nights: the index is read in part, so the night
        # neither tells the units it did reach nor clears them, as with part of the directory.
        units = units.iloc[0:0]
    if "directory" in ctx.shrunk:  # part of the directory is no proof of anything: wait for a whole one
        directory = directory.iloc[0:0]
    if sections is None:
        from ..normalise.frames import SECTION_COLUMNS
        sections = pd.DataFrame(columns=SECTION_COLUMNS)
    people = _directory(directory, roster, ctx, registry)
    return {
        "units": _units(units, people, ctx),
        "directory": people,
        "registry": _registry(units, registry, ctx),
        "roster": _roster(directory, roster, ctx),
        "schedules": _schedules(sections, ctx),
        "drafts": _drafts(sections, open_status or {}, ctx),
    }
