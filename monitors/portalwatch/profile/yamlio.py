"""Safe YAML loading that remembers where each key was written.

Configuration errors must name the file, the line and the key (``profile.yaml:14, key
'pages.unit_page.fields.phone'``). PyYAML's safe loader forgets positions once it builds dicts, so
mappings are built as :class:`Located` dicts that keep the line of each key.

The parser is libyaml's where PyYAML was built with it: a registry of 2,000 units parses in 0.1 s
instead of 0.6 s, every night. Its nodes carry the same marks, so errors name the same lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

__all__ = ["Located", "load_yaml", "line_of"]


class Located(dict):
    """A dict that remembers the 1-based line of each key and of itself."""

    __slots__ = ("lines", "line")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}
        self.line: int | None = None


#: libyaml's safe loader when PyYAML has it (the wheels do), else the pure-Python one.
_SafeBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[misc, valid-type]
    """A safe loader (no arbitrary objects) building :class:`Located` mappings."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    mapping = Located()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A date as YAML reads it, or its text when it is no real date (``2025-13-01``): the key that
    expects a date then names the mistake, where PyYAML would raise from deep inside the parse."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _unclosed_quote(text: str, before: int) -> int | None:
    """The last line up to ``before`` (1-based) that opens a double quote it does not close, outside
    comments; None if there is none. A hint, not a parse: escaped quotes are skipped."""
    found = None
    for number, line in enumerate(text.splitlines()[:before], start=1):
        quoted = False
        index = 0
        while index < len(line):
            char = line[index]
            if char == "\\" and quoted:
                index += 2
                continue
            if char == "#" and not quoted and (index == 0 or line[index - 1] in " \t"):
                break
            if char == '"':
                quoted = not quoted
            index += 1
        if quoted:
            found = number
    return found


def load_yaml(path: Path, error: type[ConfigError] = ConfigError) -> Any:
    """Parse ``path`` safely; any I/O or syntax problem becomes ``error`` naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise error("file not found", path=str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read the file ({exc})", path=str(path)) from exc
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        # Where the parser gave up can be lines after the cause (an unclosed quote is found at the
        # end of the file): name the line where what it was reading began as well.
        began = exc.context_mark.line + 1 if exc.problem and exc.context and exc.context_mark else None
        if began is not None and began != line:
            problem = f"{problem} ({exc.context} begun on line {began})"
        opened = _unclosed_quote(text, line) if line else None
        if opened is not None and opened not in (line, began):
            # A quote left open mid-file runs on over the next lines (YAML allows it) until the
            # parser trips further down: the line it was opened on is the one to fix.
            problem = f"{problem}; is the quote opened on line {opened} closed?"
        raise error(f"invalid YAML: {problem}", path=str(path), line=line) from exc
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", path=str(path)) from exc


def line_of(mapping: Any, key: Any) -> int | None:
    """The line where ``key`` was written in ``mapping`` (or of the mapping itself)."""
    if isinstance(mapping, Located):
        return mapping.lines.get(key, mapping.line)
    return None
