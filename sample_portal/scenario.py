"""Load and validate a sample-portal scenario, and apply its defects night by night.

A scenario is the single source of truth for what the sample portal shows: the correct unit data,
the defects that alter it on given nights, and the findings each defect must cause. Everything the
server displays and everything the ground truth claims is derived from it here, so the two cannot
drift apart. Validation errors name the file and the key, because scenario files are edited by hand.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .layouts import DEFAULT_LAYOUT, LAYOUTS
from .site import GROUPS, source_directory_rows, source_unit_dict

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"

#: unit fields a defect may override with `set` (the displayed names)
UNIT_FIELDS = ("unit_name", "intro", "address", "phone", "fax", "email", "updated")
#: person fields of a directory row in the scenario file
PERSON_FIELDS = ("name", "position", "office_phone", "mobile", "email")
_EXPECT_KEYS = ("unit", "subject", "field", "category")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ScenarioError(ValueError):
    """A scenario file is unreadable or invalid; the message names the file and the key."""


@dataclass
class Defect:
    """One seeded defect: what it changes on the page, on which nights, and what it must cause."""

    id: str
    nights: tuple[tuple[int, int], ...]          # inclusive ranges of nights
    unit: str | None = None
    person: str | None = None
    set_fields: dict[str, str] = field(default_factory=dict)
    set_person: dict[str, str] = field(default_factory=dict)
    replace_person: dict[str, Any] | None = None  # {"name": current name, "with": person dict}
    hide_from_index: bool = False
    status: int | None = None
    nfd: tuple[str, ...] = ()
    schedule_week: dt.date | None = None          # keep the schedule on the week of this Monday
    draft_open: str | None = None                 # a draft (slug) still listed as open after its deadline
    expect: tuple[dict[str, str], ...] = ()
    note: str = ""

    def active(self, night: int) -> bool:
        """True when the defect is shown on `night`."""
        return any(a <= night <= b for a, b in self.nights)

    @property
    def first_night(self) -> int:
        return min(a for a, _ in self.nights)

    @property
    def last_night(self) -> int:
        return max(b for _, b in self.nights)


class _Checker:
    """Small helpers that raise ScenarioError naming the file and the dotted key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> None:
        raise ScenarioError(f"{self.path}: key '{key}': {problem}")

    def mapping(self, value: Any, key: str) -> dict:
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping, got {type(value).__name__}")
        return value

    def seq(self, value: Any, key: str) -> list:
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {type(value).__name__}")
        return value

    def req(self, m: dict, name: str, where: str) -> Any:
        key = f"{where}.{name}" if where else name
        if name not in m or m[name] is None:
            self.fail(key, "missing required key")
        return m[name]

    def text(self, value: Any, key: str, allow_empty: bool = False) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail(key, f"expected text, got {type(value).__name__}")
        if not allow_empty and not value.strip():
            self.fail(key, "must not be empty")
        return unicodedata.normalize("NFC", value)

    def integer(self, value: Any, key: str, lo: int, hi: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            self.fail(key, f"expected an integer in {lo}..{hi}, got {value!r}")
        return value

    def no_extra(self, m: dict, allowed: tuple[str, ...] | set[str], where: str) -> None:
        for k in m:
            if k not in allowed:
                self.fail(f"{where}.{k}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


class Scenario:
    """A validated scenario; every query is per night and returns fresh copies."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        c = _Checker(path)
        d = c.mapping(data, "(top level)")
        self.name: str = c.text(c.req(d, "name", ""), "name")
        self.layout: str = c.text(d.get("layout", DEFAULT_LAYOUT), "layout")
        if self.layout not in LAYOUTS:
            c.fail("layout", f"expected one of {', '.join(LAYOUTS)}, got {self.layout!r}")
        self.nights: int = c.integer(c.req(d, "nights", ""), "nights", 1, 366)
        start = c.req(d, "start_date", "")
        if isinstance(start, str):
            try:
                start = dt.date.fromisoformat(start)
            except ValueError:
                c.fail("start_date", f"expected a date YYYY-MM-DD, got {start!r}")
        if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
            c.fail("start_date", f"expected a date YYYY-MM-DD, got {start!r}")
        self.start_date: dt.date = start
        self.portal: dict[str, Any] = self._portal(c, c.mapping(c.req(d, "portal", ""), "portal"))
        self.units: list[dict[str, Any]] = self._units(c, c.seq(c.req(d, "units", ""), "units"))
        self._unit_by_id = {u["id"]: u for u in self.units}
        self.content: dict[str, Any] = self._content(c, c.mapping(d.get("content") or {}, "content"))
        self.defects: list[Defect] = self._defects(c, c.seq(d.get("defects") or [], "defects"))
        self._nights_cache: dict[int, list[dict[str, Any]]] = {}

    # ---------------------------------------------------------------- validation
    @staticmethod
    def _portal(c: _Checker, p: dict) -> dict[str, Any]:
        footer = c.mapping(c.req(p, "footer", "portal"), "portal.footer")
        keys = ("owner", "responsible", "responsible_title", "address", "phone", "email")
        return {
            "title": c.text(c.req(p, "title", "portal"), "portal.title"),
            "footer": {k: c.text(c.req(footer, k, "portal.footer"), f"portal.footer.{k}") for k in keys},
        }

    @staticmethod
    def _person(c: _Checker, p: Any, where: str) -> dict[str, str]:
        p = c.mapping(p, where)
        c.no_extra(p, PERSON_FIELDS, where)
        out = {}
        for k in PERSON_FIELDS:
            out[k] = c.text(c.req(p, k, where), f"{where}.{k}", allow_empty=k not in ("name", "position"))
        return out

    def _units(self, c: _Checker, raw: list) -> list[dict[str, Any]]:
        units, seen_ids, seen_slugs = [], set(), set()
        allowed = ("id", "slug", "name", "group", "intro", "address", "phone", "fax", "email", "updated", "people")
        for i, u in enumerate(raw):
            w = f"units[{i}]"
            u = c.mapping(u, w)
            c.no_extra(u, allowed, w)
            uid = c.text(c.req(u, "id", w), f"{w}.id")
            w = f"units[{i}]({uid})"
            slug = c.text(u.get("slug", uid), f"{w}.slug")
            if not _SLUG.match(slug):
                c.fail(f"{w}.slug", f"not a lowercase slug: {slug!r}")
            if uid in seen_ids:
                c.fail(f"{w}.id", f"duplicate unit id {uid!r}")
            if slug in seen_slugs:
                c.fail(f"{w}.slug", f"duplicate slug {slug!r}")
            seen_ids.add(uid)
            seen_slugs.add(slug)
            group = c.text(c.req(u, "group", w), f"{w}.group")
            if group not in GROUPS:
                c.fail(f"{w}.group", f"expected one of {', '.join(GROUPS)}, got {group!r}")
            unit = {"id": uid, "slug": slug, "group": group,
                    "name": c.text(c.req(u, "name", w), f"{w}.name")}
            for k in ("intro", "address", "phone", "fax", "email"):
                unit[k] = c.text(c.req(u, k, w), f"{w}.{k}", allow_empty=True)
            unit["updated"] = c.text(c.req(u, "updated", w), f"{w}.updated")
            layout = LAYOUTS[self.layout]
            if not layout.is_date_text(unit["updated"]):
                shown = layout.date_format.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy")
                c.fail(f"{w}.updated", f"expected a date shown as {shown} (layout {layout.name}), "
                                       f"got {unit['updated']!r}")
            people = c.seq(c.req(u, "people", w), f"{w}.people")
            unit["people"] = [self._person(c, p, f"{w}.people[{j}]") for j, p in enumerate(people)]
            names = [p["name"] for p in unit["people"]]
            if len(set(names)) != len(names):
                c.fail(f"{w}.people", "two people with the same name in one unit")
            units.append(unit)
        if not units:
            c.fail("units", "must list at least one unit")
        return units

    def _nights(self, c: _Checker, v: Any, where: str) -> tuple[tuple[int, int], ...]:
        v = c.seq(v, where)
        pairs = v if v and all(isinstance(x, list) for x in v) else [v]
        out = []
        for j, pr in enumerate(pairs):
            if not isinstance(pr, list) or len(pr) != 2:
                c.fail(where, f"expected [first, last] or a list of such ranges, got {v!r}")
            a = c.integer(pr[0], f"{where}[{j}]", 1, self.nights)
            b = c.integer(pr[1], f"{where}[{j}]", a, self.nights)
            out.append((a, b))
        out.sort()
        for (a1, b1), (a2, _) in zip(out, out[1:]):
            if a2 <= b1:
                c.fail(where, f"night ranges overlap: {v!r}")
        return tuple(out)

    def _defects(self, c: _Checker, raw: list) -> list[Defect]:
        allowed = ("id", "nights", "unit", "person", "set", "set_person", "replace_person",
                   "hide_from_index", "status", "nfd", "schedule_week", "draft_open", "expect", "note")
        out, seen = [], set()
        for i, d in enumerate(raw):
            w = f"defects[{i}]"
            d = c.mapping(d, w)
            did = c.text(c.req(d, "id", w), f"{w}.id")
            w = f"defects[{i}]({did})"
            c.no_extra(d, allowed, w)
            if did in seen:
                c.fail(f"{w}.id", f"duplicate defect id {did!r}")
            seen.add(did)
            nights = self._nights(c, c.req(d, "nights", w), f"{w}.nights")
            unit_id = d.get("unit")
            unit = None
            if unit_id is not None:
                unit_id = c.text(unit_id, f"{w}.unit")
                unit = self._unit_by_id.get(unit_id)
                if unit is None:
                    c.fail(f"{w}.unit", f"unknown unit id {unit_id!r}")
            defect = Defect(id=did, nights=nights, unit=unit_id,
                            note=c.text(d.get("note", ""), f"{w}.note", allow_empty=True))
            if "set" in d:
                s = c.mapping(d["set"], f"{w}.set")
                c.no_extra(s, UNIT_FIELDS, f"{w}.set")
                defect.set_fields = {k: c.text(v, f"{w}.set.{k}", allow_empty=True) for k, v in s.items()}
            if d.get("person") is not None:
                defect.person = c.text(d["person"], f"{w}.person")
            if "set_person" in d:
                s = c.mapping(d["set_person"], f"{w}.set_person")
                c.no_extra(s, PERSON_FIELDS, f"{w}.set_person")
                if defect.person is None:
                    c.fail(f"{w}.person", "missing required key (set_person needs the person's name)")
                defect.set_person = {k: c.text(v, f"{w}.set_person.{k}", allow_empty=True) for k, v in s.items()}
            if "replace_person" in d:
                r = c.mapping(d["replace_person"], f"{w}.replace_person")
                c.no_extra(r, ("name", "with"), f"{w}.replace_person")
                name = r.get("name", defect.person)
                if name is None:
                    c.fail(f"{w}.replace_person.name", "missing required key")
                defect.replace_person = {
                    "name": c.text(name, f"{w}.replace_person.name"),
                    "with": self._person(c, c.req(r, "with", f"{w}.replace_person"), f"{w}.replace_person.with"),
                }
            for who, key in ((defect.person, "person"),
                             (defect.replace_person and defect.replace_person["name"], "replace_person.name")):
                if who is not None:
                    if unit is None:
                        c.fail(f"{w}.unit", "missing required key (a person defect needs its unit)")
                    if who not in [p["name"] for p in unit["people"]]:
                        c.fail(f"{w}.{key}", f"{who!r} is not a person of unit {unit_id!r}")
            if "hide_from_index" in d:
                if not isinstance(d["hide_from_index"], bool):
                    c.fail(f"{w}.hide_from_index", "expected true or false")
                defect.hide_from_index = d["hide_from_index"]
            if "status" in d:
                defect.status = c.integer(d["status"], f"{w}.status", 200, 599)
            if "nfd" in d:
                fields = c.seq(d["nfd"], f"{w}.nfd")
                for f in fields:
                    if f not in ("unit_name", "intro", "address"):
                        c.fail(f"{w}.nfd", f"expected unit_name, intro or address, got {f!r}")
                defect.nfd = tuple(fields)
            if "schedule_week" in d:
                sw = d["schedule_week"]
                if isinstance(sw, str):
                    try:
                        sw = dt.date.fromisoformat(sw)
                    except ValueError:
                        sw = None
                if not isinstance(sw, dt.date):
                    c.fail(f"{w}.schedule_week", "expected a date YYYY-MM-DD")
                defect.schedule_week = sw - dt.timedelta(days=sw.weekday())
            if "draft_open" in d:
                slug = c.text(d["draft_open"], f"{w}.draft_open")
                if slug not in [x["slug"] for x in self.content.get("drafts", [])]:
                    c.fail(f"{w}.draft_open", f"unknown draft slug {slug!r}")
                defect.draft_open = slug
            unit_changes = (defect.set_fields or defect.set_person or defect.replace_person
                            or defect.hide_from_index or defect.status or defect.nfd)
            if unit_changes and unit is None:
                c.fail(f"{w}.unit", "missing required key")
            expect = []
            for j, e in enumerate(c.seq(c.req(d, "expect", w), f"{w}.expect")):
                ew = f"{w}.expect[{j}]"
                e = c.mapping(e, ew)
                c.no_extra(e, _EXPECT_KEYS, ew)
                item = {k: c.text(c.req(e, k, ew), f"{ew}.{k}") for k in _EXPECT_KEYS}
                if item["unit"] not in self._unit_by_id:
                    c.fail(f"{ew}.unit", f"unknown unit id {item['unit']!r}")
                expect.append({"unit_id": item["unit"], "subject": item["subject"],
                               "field": item["field"], "category": item["category"]})
            defect.expect = tuple(expect)
            out.append(defect)
        return out

    @staticmethod
    def _content(c: _Checker, raw: dict) -> dict[str, Any]:
        c.no_extra(raw, ("news", "documents", "drafts", "schedule"), "content")
        specs = {
            "news": (("slug", "title", "days_ago"), ("body",)),
            "documents": (("slug", "so_ky_hieu", "trich_yeu", "days_ago"), ("body",)),
            "drafts": (("slug", "title", "days_ago", "deadline_in"), ("body",)),
            "schedule": (("weekday", "time", "content"), ("place",)),
        }
        out: dict[str, Any] = {}
        for section, (required, optional) in specs.items():
            items = []
            for i, it in enumerate(c.seq(raw.get(section) or [], f"content.{section}")):
                w = f"content.{section}[{i}]"
                it = c.mapping(it, w)
                c.no_extra(it, required + optional, w)
                item: dict[str, Any] = {}
                for k in required + optional:
                    if k not in required and k not in it:
                        item[k] = ""
                        continue
                    v = c.req(it, k, w)
                    if k in ("days_ago", "deadline_in"):
                        item[k] = c.integer(v, f"{w}.{k}", -3650, 3650)
                    elif k == "weekday":
                        item[k] = c.integer(v, f"{w}.{k}", 0, 6)
                    else:
                        item[k] = c.text(v, f"{w}.{k}", allow_empty=k in optional)
                items.append(item)
            out[section] = items
        return out

    # ---------------------------------------------------------------- queries
    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, nights={self.nights}, units={len(self.units)}, defects={len(self.defects)})"

    def check_night(self, night: int) -> int:
        """Return `night` if it is a night of this scenario, else raise ValueError."""
        if not isinstance(night, int) or isinstance(night, bool) or not 1 <= night <= self.nights:
            raise ValueError(f"night must be an integer in 1..{self.nights}, got {night!r}")
        return night

    def night_date(self, night: int) -> dt.date:
        """Night 1 is start_date; night n is start_date + n - 1 days."""
        return self.start_date + dt.timedelta(days=self.check_night(night) - 1)

    def active_defects(self, night: int) -> list[Defect]:
        self.check_night(night)
        return [d for d in self.defects if d.active(night)]

    def schedule_week(self, night: int) -> dt.date:
        """Monday of the week the leaders' schedule shows on `night`."""
        for d in self.active_defects(night):
            if d.schedule_week is not None:
                return d.schedule_week
        day = self.night_date(night)
        return day - dt.timedelta(days=day.weekday())

    def open_drafts(self, night: int) -> set[str]:
        """Drafts a defect keeps listed as open on `night`, whatever their deadline."""
        return {d.draft_open for d in self.active_defects(night) if d.draft_open}

    def displayed_units(self, night: int) -> list[dict[str, Any]]:
        """Units as displayed on `night`, with their directory rows (`people`), defects applied.

        Returns a deep copy each time so callers may keep or alter it freely.
        """
        self.check_night(night)
        cached = self._nights_cache.get(night)
        if cached is None:
            cached = self._apply(night)
            self._nights_cache[night] = cached
        return copy.deepcopy(cached)

    def _apply(self, night: int) -> list[dict[str, Any]]:
        shown: dict[str, dict[str, Any]] = {}
        for u in self.units:
            shown[u["id"]] = {
                "unit_id": u["id"], "slug": u["slug"], "group": u["group"], "unit_name": u["name"],
                "intro": u["intro"], "address": u["address"], "phone": u["phone"], "fax": u["fax"],
                "email": u["email"], "updated": u["updated"], "listed": True, "status": 200,
                "people": [dict(p) for p in u["people"]],
            }
        nfd: dict[str, set[str]] = {}
        for d in self.active_defects(night):
            if d.unit is None:
                continue
            u = shown[d.unit]
            u.update(d.set_fields)
            if d.set_person:
                self._find_person(u, d.person, d.id).update(d.set_person)
            if d.replace_person:
                p = self._find_person(u, d.replace_person["name"], d.id)
                u["people"][u["people"].index(p)] = dict(d.replace_person["with"])
            if d.hide_from_index:
                u["listed"] = False
            if d.status:
                u["status"] = d.status
            nfd.setdefault(d.unit, set()).update(d.nfd)
        for unit_id, fields in nfd.items():
            for f in fields:
                shown[unit_id][f] = unicodedata.normalize("NFD", shown[unit_id][f])
        return list(shown.values())

    def _find_person(self, unit: dict[str, Any], name: str | None, defect_id: str) -> dict[str, str]:
        for p in unit["people"]:
            if p["name"] == name:
                return p
        raise ScenarioError(f"{self.path}: key 'defects({defect_id})': person {name!r} is not shown in "
                            f"unit {unit['unit_id']!r} on that night (another defect replaced it?)")

    def source_units(self, night: int) -> list[dict[str, Any]]:
        """Every unit of the portal on `night`, exactly as displayed on its page."""
        return [source_unit_dict(u) for u in self.displayed_units(night)]

    def source_directory(self, night: int) -> list[dict[str, str]]:
        """Every directory row shown on `night` (in the order of the directory's tabs)."""
        return source_directory_rows(self.displayed_units(night))

    def ground_truth(self, night: int) -> list[dict[str, str]]:
        """Findings a correct monitor must report on `night`: the union of the active defects' expects."""
        seen = {tuple(e[k] for k in ("unit_id", "subject", "field", "category"))
                for d in self.active_defects(night) for e in d.expect}
        return [dict(zip(("unit_id", "subject", "field", "category"), t)) for t in sorted(seen)]


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A bare name refers to SCENARIOS_DIR/<name>.yaml; anything else is a path. (A folder of the
    working directory named like a scenario, such as an output folder, is not a scenario file.)"""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.is_file() or len(p.parts) > 1:
        return p
    return SCENARIOS_DIR / f"{name_or_path}.yaml"


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario by name (in SCENARIOS_DIR) or by path to a .yaml file."""
    path = resolve_scenario_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml")))
        raise ScenarioError(f"{path}: scenario file not found (bundled scenarios: {known})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read scenario: {exc}") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: invalid YAML: {exc}") from None
    return Scenario(path, data)
