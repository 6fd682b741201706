"""Match Vietnamese unit and person names written inconsistently across sources.

The same ward appears as "P. Thắng Nhất", "Phường Thắng Nhất" and "UBND phường Thắng Nhất"; the same
text arrives in NFC or NFD, with old or new tone placement ("hoà"/"hòa", "Uỷ"/"Ủy"), with extra
spaces or capitals. A *name key* removes those differences and nothing else: tone marks are kept,
only moved to a fixed place in each word, so "Hòa" and "Hoa" stay different names.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["name_key", "unit_keys", "strip_unit_prefix", "renamed_from"]

# Combining tone marks: grave, acute, tilde, hook above, dot below.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_WS = re.compile(r"\s+")

#: Abbreviations sites use for unit kinds, after keys are made (lower case, toneless position fixed).
_ABBREVIATIONS = {
    "p": "phường",
    "x": "xã",
    "tp": "thành phố",
    "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân",
}


def _word_key(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = "".join(sorted(ch for ch in decomposed if ch in _TONES))
    base = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", base) + tones


@functools.lru_cache(maxsize=65_536)
def name_key(text: str) -> str:
    """A comparison key: case, spacing, Unicode form, punctuation and tone placement folded.

    Cached: a night compares the same names (units, leaders) many times over."""
    text = unicodedata.normalize("NFC", text or "").casefold().replace("\u00a0", " ")
    text = _PUNCT.sub(" ", text.replace("–", " ").replace("-", " "))
    words = [_ABBREVIATIONS.get(w, w) for w in _WS.split(text.strip()) if w]
    return " ".join(_word_key(w) for w in " ".join(words).split())


_UNIT_PREFIXES = tuple(name_key(p) for p in ("ủy ban nhân dân", "ban nhân dân"))


def strip_unit_prefix(key: str) -> str:
    """Drop "Ủy ban nhân dân" from a key: a ward's committee and the ward name the same unit."""
    for prefix in _UNIT_PREFIXES:
        if key.startswith(prefix + " "):
            return key[len(prefix) + 1:]
    return key


def unit_keys(name: str) -> set[str]:
    """Every key under which a unit name should be found."""
    key = name_key(name)
    return {key, strip_unit_prefix(key)} - {""}


def renamed_from(name: str, candidates: dict[str, list[str]]) -> str | None:
    """The one candidate (an id, with its names) whose name holds every word of ``name`` or whose
    every word ``name`` holds: a name the site still shows for a unit the registry renamed
    ("Phòng Tư pháp" for "Phòng Tư pháp – Hộ tịch"). None when no candidate, or more than one, is
    such a name: a hint for ops, never a match (the unit is not credited with the page)."""
    words = set(strip_unit_prefix(name_key(name)).split())
    if len(words) < 2:
        return None
    found = set()
    for unit_id, names in candidates.items():
        for other in names:
            theirs = set(strip_unit_prefix(name_key(other)).split())
            if len(theirs) >= 2 and (words < theirs or theirs < words):
                found.add(unit_id)
    return found.pop() if len(found) == 1 else None
