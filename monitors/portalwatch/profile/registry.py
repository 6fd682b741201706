"""The unit registry: who is responsible for what on the portal, and where to tell them.

Kept apart from the profile (what the site looks like) because it changes for other reasons: a
merger of wards renames units and moves alert routes without touching a selector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RegistryError
from .matching import name_key, strip_unit_prefix, unit_keys
from .reader import Reader
from .yamlio import load_yaml

__all__ = ["Unit", "Routes", "Registry", "load_registry", "UNIT_KINDS"]

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


@dataclass(slots=True)
class Registry:
    units: dict[str, Unit]
    vp_office: str | None = None
    ops: Routes = field(default_factory=Routes)
    path: Path | None = None
    _index: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for unit in self.units.values():
            for name in (unit.name, *unit.aliases):
                for key in unit_keys(name):
                    owner = self._index.setdefault(key, unit.id)
                    if owner != unit.id:
                        raise RegistryError(f"the name {name!r} of unit '{unit.id}' is also a name of unit "
                                            f"'{owner}': names must identify one unit",
                                            path=str(self.path) if self.path else None, key=f"units.{unit.id}")

    def match(self, name: str) -> Unit | None:
        """The unit a name on the site refers to, or None (which the caller must report)."""
        key = name_key(name)
        unit_id = self._index.get(key) or self._index.get(strip_unit_prefix(key))
        return self.units.get(unit_id) if unit_id else None

    def __iter__(self):
        return iter(self.units.values())

    def __len__(self) -> int:
        return len(self.units)


def _routes(reader: Reader) -> Routes:
    reader.check_keys(("slack", "email"))
    return Routes(slack=reader.get("slack", str, None), email=tuple(reader.str_list("email", [])))


#: Columns of a registry kept as a spreadsheet (CSV or XLSX); lists are separated by ";".
TABLE_COLUMNS = ("id", "name", "aliases", "kind", "responsible", "slack", "email", "role")


def _split(value: object) -> list[str]:
    return [v.strip() for v in str(value or "").split(";") if v.strip()]


def _load_table(path: Path) -> Registry:
    """A registry as offices keep it: one row per unit; ``role`` = vp_office marks the VP office."""
    from .roster import check_header, read_table, record_of

    header, rows = read_table(path)
    check_header(path, header, TABLE_COLUMNS, ("id", "name", "kind"))
    units: dict[str, Unit] = {}
    vp_office = None
    vp_line = None
    for line, row in rows:
        record = {h: str(v).strip() for h, v in record_of(path, header, line, row).items()}
        for column in ("id", "name", "kind"):
            if not record.get(column):
                raise RegistryError("empty required cell", path=str(path), line=line, key=column)
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
                                   routes=Routes(slack=record.get("slack") or None,
                                                 email=tuple(_split(record.get("email")))))
    if not units:
        raise RegistryError("the registry lists no unit", path=str(path))
    return _checked(Registry(units=units, vp_office=vp_office, path=path), path)


def _checked(registry: Registry, path: Path) -> Registry:
    for unit in registry.units.values():
        if unit.responsible and unit.responsible not in registry.units:
            raise RegistryError(f"responsible office '{unit.responsible}' is not a unit of the registry",
                                path=str(path), key=f"units.{unit.id}.responsible")
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
    for index, raw in enumerate(raw_units):
        item = Reader(raw, path, f"units[{index}]", RegistryError, top.line)
        item.check_keys(("id", "name", "aliases", "kind", "responsible", "alerts"))
        unit_id = item.get("id", str)
        if unit_id in units:
            raise item.fail(f"duplicate unit id '{unit_id}'", "id")
        kind = item.get("kind", str)
        if kind not in UNIT_KINDS:
            raise item.fail(f"expected one of {', '.join(UNIT_KINDS)}, found {kind!r}", "kind")
        units[unit_id] = Unit(id=unit_id, name=item.get("name", str), kind=kind,
                              aliases=tuple(item.str_list("aliases", [])),
                              responsible=item.get("responsible", str, None),
                              routes=_routes(item.sub("alerts", {})))
    vp_office = top.get("vp_office", str, None)
    if vp_office and vp_office not in units:
        raise top.fail(f"'{vp_office}' is not a unit of the registry", "vp_office")
    return _checked(Registry(units=units, vp_office=vp_office, ops=_routes(top.sub("ops", {})), path=path), path)
