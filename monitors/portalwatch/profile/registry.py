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


def load_registry(path: str | Path) -> Registry:
    """Read a registry YAML file; :class:`RegistryError` names file, line and key on any problem."""
    path = Path(path)
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
    for unit in units.values():
        if unit.responsible and unit.responsible not in units:
            raise RegistryError(f"responsible office '{unit.responsible}' is not a unit of the registry",
                                path=str(path), key=f"units.{unit.id}.responsible")
    if vp_office and vp_office not in units:
        raise top.fail(f"'{vp_office}' is not a unit of the registry", "vp_office")
    return Registry(units=units, vp_office=vp_office, ops=_routes(top.sub("ops", {})), path=path)
