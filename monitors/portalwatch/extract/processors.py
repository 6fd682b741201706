"""Field clean-up declared as data: a profile field lists small pure functions applied in order.

In a profile::

    updated: {css: "p.ngay-cap-nhat", clean: [{after: "Ngày cập nhật:"}, strip]}

Every processor takes the text and returns the text, so each is tested alone and the profile reads
as a recipe. Text is always whitespace-collapsed first (pages wrap lines freely); Unicode
normalisation happens later, in normalise/, so raw values stay as the site wrote them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["PROCESSORS", "After", "Before", "Processor", "Remove", "build_processor", "collapse_whitespace"]

Processor = Callable[[str], str]


def collapse_whitespace(text: str) -> str:
    """Runs of spaces, tabs, newlines and no-break spaces become one space; ends are trimmed.

    ``str.split()`` splits on exactly what ``\\s`` matches in a ``str`` pattern (Unicode white space,
    the no-break space included), and is several times cheaper than a substitution: it runs on every
    value of every page (120,000 a night on a 20,000-row directory)."""
    return " ".join(text.split())


def strip(text: str) -> str:
    """Trim spaces and the separators sites leave around values (':', '-', '|')."""
    return text.strip().strip(":-|").strip()


def nfc(text: str) -> str:
    """Unicode NFC (composed diacritics)."""
    return unicodedata.normalize("NFC", text)


def lower(text: str) -> str:
    return text.lower()


# The processors that take an argument are small frozen classes rather than closures: a profile's
# specs travel to the process that shares a large night's extraction (see .parallel), and a class
# pickles by name where a closure does not.


@dataclass(frozen=True, slots=True)
class After:
    """Text after the first occurrence of ``label`` (case- and NFC-insensitive), else unchanged."""

    label: str

    def __call__(self, text: str) -> str:
        folded, needle = nfc(text).casefold(), nfc(self.label).casefold()
        index = folded.find(needle)
        return nfc(text)[index + len(needle):].strip() if index >= 0 else text


@dataclass(frozen=True, slots=True)
class Before:
    """Text before the first occurrence of ``label``, else unchanged."""

    label: str

    def __call__(self, text: str) -> str:
        folded, needle = nfc(text).casefold(), nfc(self.label).casefold()
        index = folded.find(needle)
        return nfc(text)[:index].strip() if index >= 0 else text


@dataclass(frozen=True, slots=True)
class Remove:
    """Delete every match of a regular expression."""

    pattern: str

    def __call__(self, text: str) -> str:
        return _regex(self.pattern).sub("", text).strip()


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


#: Processors without an argument, by name.
PROCESSORS: dict[str, Processor] = {
    "strip": strip,
    "collapse_whitespace": collapse_whitespace,
    "nfc": nfc,
    "lower": lower,
}

#: Processors that take one text argument, by name.
PARAMETRISED: dict[str, Callable[[str], Processor]] = {
    "after": After,
    "before": Before,
    "remove": Remove,
}


def build_processor(spec: Any) -> Processor:
    """Turn ``"strip"`` or ``{"after": "Email:"}`` into a function; ValueError names what is wrong."""
    if isinstance(spec, str):
        if spec in PROCESSORS:
            return PROCESSORS[spec]
        raise ValueError(f"unknown clean-up '{spec}' (known: {', '.join(sorted(PROCESSORS | PARAMETRISED))})")
    if isinstance(spec, dict) and len(spec) == 1:
        (name, arg), = spec.items()
        if name in PARAMETRISED and isinstance(arg, str):
            if name == "remove":
                try:
                    re.compile(arg)
                except re.error as exc:
                    raise ValueError(f"invalid regular expression for 'remove': {exc}") from exc
            return PARAMETRISED[name](arg)
        raise ValueError(f"unknown clean-up {name!r} with argument {arg!r} "
                         f"(known with an argument: {', '.join(sorted(PARAMETRISED))})")
    raise ValueError(f"a clean-up is a name or a one-key mapping, found {spec!r}")
