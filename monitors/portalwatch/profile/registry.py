"""The unit registry: who is responsible for what on the portal, and where to tell them.

Kept apart from the profile (what the site looks like) because it changes for other reasons: a
merger of wards renames units and moves alert routes without touching a selector.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RegistryError
from .matching import name_key, strip_unit_prefix, unit_keys
from .reader import Reader
from .yamlio import line_of, load_yaml

__all__ = ["Unit", "Routes", "Registry", "load_registry", "UNIT_KINDS", "slack_problem", "email_problem"]

UNIT_KINDS = ("city", "office", "ward", "commune")


@dataclass(frozen=True, slots=True)
class Routes:
    """Where alerts for a unit go."""

    slack: str | None = None
    email: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    responsible: str | None = None
    routes: Routes = field(default_factory=Routes)
    #: Ids the unit had before (a new id after a reorganisation): its findings, history and scores
    #: under them are carried over to this id, deadlines and all.
    formerly: tuple[str, ...] = ()
    #: The day the unit was established (or first had to be on the portal). Like anything new it
    #: has the policy's deadline to be published (Law on Access to Information 2016, Art. 18(4)):
    #: until then it is not held to the portal (:meth:`Registry.not_due`).
    since: dt.date | None = None


@dataclass(slots=True)
class Registry:
    units: dict[str, Unit]
    vp_office: str | None = None
    ops: Routes = field(default_factory=Routes)
    path: Path | None = None
    #: Where each unit is written in ``path`` (its entry's line, or its row in a sheet), for errors.
    lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _index: dict[str, str] = field(default_factory=dict, repr=False)
    _former: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._former = {old: unit.id for unit in self.units.values() for old in unit.formerly}
        for unit in self.units.values():
            for name in (unit.name, *unit.aliases):
                for key in unit_keys(name):
                    owner = self._index.setdefault(key, unit.id)
                    if owner != unit.id:
                        raise RegistryError(f"the name {name!r} of unit '{unit.id}' is also a name of unit "
                                            f"'{owner}': names must identify one unit",
                                            path=str(self.path) if self.path else None, key=f"units.{unit.id}",
                                            line=self.lines.get(unit.id))

    @property
    def former(self) -> dict[str, str]:
        """Each former id (``formerly``) and the unit id that now holds it."""
        return self._former

    def not_due(self, night: dt.date, working_days: int) -> dict[str, dt.date]:
        """Units too new to be held to the portal on ``night``, each with the last day it has to
        publish (``working_days`` working days after its ``since``): none of their findings is
        raised, confirmed or resolved, and they are not scored, until the night after that day. A
        unit established yesterday would otherwise be told at once that its page is missing, and
        score 0 in the VP office's report and Home Affairs' year."""
        from ..workdays import add_working_days

        due = {unit.id: add_working_days(unit.since, working_days) for unit in self.units.values()
               if unit.since is not None}
        return {unit_id: day for unit_id, day in due.items() if night <= day}

    def match(self, name: str) -> Unit | None:
        """The unit a name on the site refers to, or None (which the caller must report)."""
        key = name_key(name)
        unit_id = self._index.get(key) or self._index.get(strip_unit_prefix(key))
        return self.units.get(unit_id) if unit_id else None

    def __iter__(self):
        return iter(self.units.values())

    def __len__(self) -> int:
        return len(self.units)


#: A Slack channel ID (C..., G... private, D... direct) or user ID (U..., W...), as Slack gives them.
_SLACK_ID = re.compile(r"[CGDUW][A-Z0-9]{8,}")
#: A channel name as Slack allows it: lower-case letters (of any script, Vietnamese included),
#: digits, hyphens and underscores; no space or period; at most 80 characters.
_SLACK_NAME = re.compile(r"#[\w-]{1,80}")


#: A unit id: it names the unit's alert files and its rows in the store, so it is a plain slug
#: (letters, digits, "-", "_", not starting with a separator): never a path such as "../x" or "a/b".
_UNIT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


def id_problem(unit_id: str) -> str | None:
    """What is wrong with a unit id, or None."""
    if _UNIT_ID.fullmatch(unit_id):
        return None
    return (f"{unit_id!r} is not a unit id: expected letters, digits, '-' or '_' (at most 100, not starting "
            "with '-' or '_'), such as 'phuong-thang-nhat'")


def slack_problem(target: str) -> str | None:
    """What is wrong with a Slack route, or None. A typo here would otherwise be found by Slack, at
    delivery, the morning after the unit should have been told."""
    name = unicodedata.normalize("NFC", target)
    if _SLACK_ID.fullmatch(name) or (_SLACK_NAME.fullmatch(name) and name == name.lower()):
        return None
    return (f"{target!r} is not a Slack channel: expected '#' and a channel name of at most 80 lower-case "
            "letters, digits, '-' or '_' (no space or period), such as '#pw-phuong-7', or a channel or "
            "user ID such as 'C024BE91L'")


def email_problem(address: str) -> str | None:
    """What is wrong with an e-mail route, or None: one whole address, checked without DNS."""
    from ..normalise.emails import is_address

    return None if is_address(address) else (f"{address!r} is not an e-mail address: expected one address such as "
                                             "'vp@vungtau.baria-vungtau.gov.vn'")


def _routes(reader: Reader) -> Routes:
    reader.check_keys(("slack", "email"))
    slack, email = reader.get("slack", str, None), tuple(reader.str_list("email", []))
    problem = slack_problem(slack) if slack is not None else None
    if problem:
        raise reader.fail(problem, "slack")
    problem = next((p for p in map(email_problem, email) if p), None)
    if problem:
        raise reader.fail(problem, "email")
    return Routes(slack=slack, email=email)


def _table_routes(path: Path, line: int, record: dict[str, str]) -> Routes:
    """A sheet row's routes, checked as the YAML's are (the row and the column named)."""
    slack, email = record.get("slack") or None, tuple(_split(record.get("email")))
    for column, problem in (("slack", slack_problem(slack) if slack else None),
                            ("email", next((p for p in map(email_problem, email) if p), None))):
        if problem:
            raise RegistryError(problem, path=str(path), line=line, key=column)
    return Routes(slack=slack, email=email)


#: Columns of a registry kept as a spreadsheet (CSV or XLSX); lists are separated by ";".
TABLE_COLUMNS = ("id", "name", "aliases", "kind", "responsible", "slack", "email", "role", "formerly", "since")


def _split(value: object) -> list[str]:
    return [v.strip() for v in str(value or "").split(";") if v.strip()]


def _since_of(value: object) -> dt.date | None:
    """The day a unit was established, or None; :class:`ValueError` says what is wrong. A year
    outside 1900-2099 is a slip of the keyboard (and no calendar of days off reaches it)."""
    from .roster import parse_day

    day = parse_day(value)
    if day is not None and not 1900 <= day.year <= 2099:
        raise ValueError(f"expected the day the unit was established, between 1900 and 2099, found {day.isoformat()}")
    return day


def _since(value: object, path: Path, line: int) -> dt.date | None:
    """A sheet row's ``since`` (a date cell, YYYY-MM-DD or DD/MM/YYYY), or None when empty."""
    try:
        return _since_of(value)
    except ValueError as exc:
        raise RegistryError(str(exc), path=str(path), line=line, key="since") from None


def _yaml_since(item: Reader) -> dt.date | None:
    """A unit's ``since`` in YAML: a date (``2025-07-01``, unquoted) or a text DD/MM/YYYY."""
    try:
        return _since_of(item.get("since", (str, dt.date), None))
    except ValueError as exc:
        raise item.fail(str(exc), "since") from None


def _load_table(path: Path) -> Registry:
    """A registry as offices keep it: one row per unit; ``role`` = vp_office marks the VP office."""
    from .roster import check_header, read_table, record_of

    header, rows = read_table(path)
    check_header(path, header, TABLE_COLUMNS, ("id", "name", "kind"))
    units: dict[str, Unit] = {}
    lines: dict[str, int] = {}
    vp_office = None
    vp_line = None
    for line, row in rows:
        record = {h: str(v).strip() for h, v in record_of(path, header, line, row).items()}
        for column in ("id", "name", "kind"):
            if not record.get(column):
                raise RegistryError("empty required cell", path=str(path), line=line, key=column)
        if id_problem(record["id"]):
            raise RegistryError(id_problem(record["id"]), path=str(path), line=line, key="id")
        if record["id"] in units:
            raise RegistryError(f"duplicate unit id '{record['id']}'", path=str(path), line=line, key="id")
        if record["kind"] not in UNIT_KINDS:
            raise RegistryError(f"expected one of {', '.join(UNIT_KINDS)}, found {record['kind']!r}",
                                path=str(path), line=line, key="kind")
        if record.get("role") == "vp_office":
            if vp_office is not None:
                raise RegistryError(f"role 'vp_office' is on row {vp_line} ('{vp_office}') and on row {line} "
                                    f"('{record['id']}'): one unit only is the VP office", path=str(path),
                                    line=line, key="role")
            vp_office, vp_line = record["id"], line
        elif record.get("role"):
            raise RegistryError(f"expected 'vp_office' or nothing, found {record['role']!r}", path=str(path),
                                line=line, key="role")
        units[record["id"]] = Unit(id=record["id"], name=record["name"], kind=record["kind"],
                                   aliases=tuple(_split(record.get("aliases"))),
                                   responsible=record.get("responsible") or None,
                                   routes=_table_routes(path, line, record),
                                   formerly=tuple(_split(record.get("formerly"))),
                                   since=_since(record.get("since"), path, line))
        lines[record["id"]] = line
    if not units:
        raise RegistryError("the registry lists no unit", path=str(path))
    return _checked(Registry(units=units, vp_office=vp_office, path=path, lines=lines), path)


def _checked(registry: Registry, path: Path, lines: dict[str, int] | None = None) -> Registry:
    """Every unit's ``responsible`` names a unit of the registry; ``lines`` gives where each unit's
    ``responsible`` is written (else its entry's line), so the mistake is named at its line. A former
    id is one no unit has now, and belongs to one unit only."""
    for unit in registry.units.values():
        if unit.responsible and unit.responsible not in registry.units:
            raise RegistryError(f"responsible office '{unit.responsible}' is not a unit of the registry",
                                path=str(path), key=f"units.{unit.id}.responsible",
                                line=(lines or {}).get(unit.id) or registry.lines.get(unit.id))
    claimed: dict[str, str] = {}
    for unit in registry.units.values():
        for old in unit.formerly:
            problem = id_problem(old)
            if problem is None and old in registry.units:
                problem = f"'{old}' is the id of a unit of the registry: a former id is one no unit has now"
            elif problem is None and old in claimed:
                problem = f"'{old}' is also a former id of unit '{claimed[old]}': a former id belongs to one unit"
            if problem:
                raise RegistryError(problem, path=str(path), key=f"units.{unit.id}.formerly",
                                    line=registry.lines.get(unit.id))
            claimed[old] = unit.id
    return registry


def load_registry(path: str | Path) -> Registry:
    """Read a registry (YAML, or a CSV/XLSX sheet); :class:`RegistryError` names file, line and key."""
    path = Path(path)
    if not path.exists():
        raise RegistryError("file not found", path=str(path))
    if path.suffix.lower() in (".csv", ".xlsx"):
        return _load_table(path)
    top = Reader(load_yaml(path, RegistryError), path, "", RegistryError)
    top.check_keys(("vp_office", "ops", "units"))
    raw_units = top.get("units", list)
    if not raw_units:
        raise top.fail("the registry lists no unit", "units")
    units: dict[str, Unit] = {}
    lines: dict[str, int] = {}
    responsible_lines: dict[str, int] = {}
    for index, raw in enumerate(raw_units):
        item = Reader(raw, path, f"units[{index}]", RegistryError, top.line)
        item.check_keys(("id", "name", "aliases", "kind", "responsible", "alerts", "formerly", "since"))
        unit_id = item.get("id", str)
        if id_problem(unit_id):
            raise item.fail(id_problem(unit_id), "id")
        name = item.get("name", str)
        if not name.strip():
            raise item.fail("the unit's name is empty: messages and reports name the unit by it", "name")
        if unit_id in units:
            raise item.fail(f"duplicate unit id '{unit_id}'", "id")
        kind = item.get("kind", str)
        if kind not in UNIT_KINDS:
            raise item.fail(f"expected one of {', '.join(UNIT_KINDS)}, found {kind!r}", "kind")
        units[unit_id] = Unit(id=unit_id, name=name, kind=kind,
                              aliases=tuple(item.str_list("aliases", [])),
                              responsible=item.get("responsible", str, None),
                              routes=_routes(item.sub("alerts", {})),
                              formerly=tuple(item.str_list("formerly", [])),
                              since=_yaml_since(item))
        for where, key in ((lines, "id"), (responsible_lines, "responsible")):
            line = line_of(raw, key)
            if line:
                where[unit_id] = line
    if isinstance(top.data.get("vp_office"), (dict, list)):
        raise top.fail("expected the id of the VP office's unit (a unit listed under units, which gives its "
                       "alerts), found " + ("a mapping" if isinstance(top.data["vp_office"], dict) else "a list"),
                       "vp_office")
    vp_office = top.get("vp_office", str, None)
    if vp_office and vp_office not in units:
        raise top.fail(f"'{vp_office}' is not a unit of the registry: the VP office is one of the units, "
                       f"named here by its id", "vp_office")
    return _checked(Registry(units=units, vp_office=vp_office, ops=_routes(top.sub("ops", {})), path=path,
                             lines=lines), path, responsible_lines)
