"""Typed access to a parsed YAML mapping, with errors that say file, line, key and what is expected.

Used by the profile and registry loaders so every configuration error reads the same way and none
surfaces as a traceback.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .yamlio import Located, line_of

__all__ = ["Reader"]

_MISSING = object()

_TYPE_NAMES = {str: "a text", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dict: "a mapping", Located: "a mapping", dt.date: "a date",
               dt.datetime: "a date-time"}


def _describe(types: tuple[type, ...]) -> str:
    return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


def _found(value: Any) -> str:
    """What a file holds where something else was expected, in the file's terms: "a mapping (keys
    id, name, alerts)", "a list of 3 items", "int 3", not a Python class name."""
    if isinstance(value, dict):
        keys = ", ".join(map(str, list(value)[:5])) + (", …" if len(value) > 5 else "")
        return f"a mapping (keys {keys})" if value else "an empty mapping"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    return f"{type(value).__name__} {value!r}"


class Reader:
    """A view on one mapping of a configuration file at a dotted key path."""

    def __init__(self, data: Any, path: Path, key: str = "", error: type[ConfigError] = ConfigError,
                 line: int | None = None) -> None:
        self.path, self.key, self.error = path, key, error
        self.line = line if line is not None else line_of(data, None)
        if not isinstance(data, dict):
            if data is None and not key:       # a file of nothing, or of comments only
                raise self.fail("the file is empty: expected a mapping of keys (key: value)")
            found = "nothing" if data is None else _TYPE_NAMES.get(type(data), f"the value {data!r}")
            raise self.fail(f"expected a mapping, found {found}")
        self.data = data

    def _child_key(self, key: str) -> str:
        return f"{self.key}.{key}" if self.key else key

    def fail(self, message: str, key: str | None = None) -> ConfigError:
        """An error at ``key`` (or at this mapping) of the file."""
        line = line_of(self.data, key) if key is not None and hasattr(self, "data") else self.line
        full_key = self._child_key(key) if key is not None else (self.key or None)
        return self.error(message, path=str(self.path), key=full_key, line=line)

    def get(self, key: str, types: type | tuple[type, ...], default: Any = _MISSING) -> Any:
        """The value at ``key``, checked against ``types``; required when no default is given."""
        types = types if isinstance(types, tuple) else (types,)
        if key not in self.data or self.data[key] is None:
            if default is _MISSING:
                raise self.fail(f"missing required key (expected {_describe(types)})", key)
            return default
        value = self.data[key]
        if bool not in types and isinstance(value, bool) and (int in types or float in types):
            raise self.fail(f"expected {_describe(types)}, found {value!r}", key)
        if float in types and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, types):
            raise self.fail(f"expected {_describe(types)}, found {_found(value)}", key)
        return value

    def str_list(self, key: str, default: Any = _MISSING) -> list[str]:
        """A list of texts; a single text is accepted as a list of one."""
        value = self.get(key, (list, str), default)
        if isinstance(value, str):
            return [value]
        for item in value:
            if not isinstance(item, str):
                raise self.fail(f"expected a list of texts, found item {item!r}", key)
        return list(value)

    def sub(self, key: str, default: Any = _MISSING) -> "Reader":
        """The mapping at ``key`` as a Reader."""
        value = self.get(key, dict, {} if default is not _MISSING else _MISSING)
        return Reader(value, self.path, self._child_key(key), self.error, line_of(self.data, key))

    def items(self) -> Iterable[tuple[str, Any]]:
        return self.data.items()

    def check_keys(self, allowed: Iterable[str]) -> None:
        """Reject unknown keys, suggesting the nearest known one: a typo must not pass silently."""
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean '{near[0]}'?" if near else f"; known keys: {', '.join(allowed)}"
                raise self.fail(f"unknown key{hint}", str(key))
