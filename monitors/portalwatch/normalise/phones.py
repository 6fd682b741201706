"""Vietnamese telephone numbers: parse what portals write, to E.164, and spot the old numbering plan.

Portals write "(0254) 3852 361", "0254.3852.361", "(84-254) 3727.444", two numbers in one field, or
"ĐT: … - Fax: …". Google's libphonenumber metadata (``phonenumbers``) knows the current ranges; the
two renumberings (landline area codes in 2017, 11-digit mobiles in 2018) are mapped here so a stale
number comes with the new one to suggest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

from .. import files

__all__ = ["PhoneField", "PhoneCache", "PHONES", "parse_phones", "suggest_new_number", "OLD_MOBILE_PREFIXES",
           "to_e164"]

logger = logging.getLogger(__name__)

#: 11-digit mobile prefixes (national, with the leading 0) and their 10-digit replacements.
OLD_MOBILE_PREFIXES: dict[str, str] = {
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039", "0186": "056", "0188": "058", "0199": "059",
}

_FAX_LABEL = re.compile(r"(?i)\bfax\b\s*:?")
_CANDIDATE = re.compile(r"(?:\+?\(?\s*84\s*[-)]?\s*)?\(?0?\d{1,4}\)?[\s.\-]*\d[\d\s.\-]{5,14}\d")


@dataclass(frozen=True, slots=True)
class PhoneField:
    """What one phone field holds."""

    numbers: tuple[str, ...]        # valid numbers, E.164
    invalid: tuple[str, ...]        # digit runs that look like numbers but are not valid now (national form)
    fax: tuple[str, ...] = ()       # valid numbers written after a "Fax:" label in the same field
    #: national significant numbers of the landlines among them (area codes are checked on these);
    #: known from the parse, so nothing parses the numbers again to ask what kind they are
    landlines: tuple[str, ...] = ()


def to_e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _national_digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("84") and not digits.startswith("840") and len(digits) >= 10:
        digits = "0" + digits[2:]
    elif not digits.startswith("0"):
        digits = "0" + digits
    return digits


_SEPARATOR = re.compile(r"\s[-–]\s|[;,/|]|\s{2,}|\b(?:hoặc|và|or)\b", re.IGNORECASE)


def _landline(number: phonenumbers.PhoneNumber, kind: int) -> list[str]:
    if kind != phonenumbers.PhoneNumberType.FIXED_LINE:
        return []
    return [phonenumbers.national_significant_number(number)]


def _valid(text: str, region: str) -> tuple[list[str], list[str], list[str]]:
    numbers: list[str] = []
    invalid: list[str] = []
    landlines: list[str] = []
    for segment in _SEPARATOR.split(text):
        found, bad, fixed = _valid_segment(segment, region)
        numbers += found
        invalid += bad
        landlines += fixed
    return numbers, invalid, landlines


#: One number written alone, in national form (leading 0) or international (+84), grouped by spaces,
#: dots or hyphens: most of what a directory holds. No brackets, letters or slashes, for which
#: libphonenumber's matcher applies checks a bare parse does not.
_PLAIN_NUMBER = re.compile(r"(?:0|\+84[\s.\-]?)\d(?:[\s.\-]?\d){7,11}")


def _valid_segment(text: str, region: str) -> tuple[list[str], list[str], list[str]]:
    """Valid numbers, invalid digit runs and landlines (national significant numbers) in one segment.

    A segment that is one plainly written number is parsed directly, which gives what the matcher
    gives at a fraction of its cost (the matcher is most of a night's validation time); anything
    else goes through the matcher."""
    plain = text.strip()
    if _PLAIN_NUMBER.fullmatch(plain):
        try:
            parsed = phonenumbers.parse(plain, region)
        except phonenumbers.NumberParseException:
            parsed = None
        # the kind of number is what validity is decided on (UNKNOWN: not a valid number)
        kind = phonenumbers.number_type(parsed) if parsed is not None else phonenumbers.PhoneNumberType.UNKNOWN
        if kind != phonenumbers.PhoneNumberType.UNKNOWN:
            return [to_e164(parsed)], [], _landline(parsed, kind)
    return _matched_segment(text, region)


def _matched_segment(text: str, region: str) -> tuple[list[str], list[str], list[str]]:
    """What libphonenumber's matcher finds (leniency VALID), and the look-alikes it does not accept."""
    matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID))
    numbers = [to_e164(m.number) for m in matches]
    landlines = [nsn for m in matches for nsn in _landline(m.number, phonenumbers.number_type(m.number))]
    invalid = []
    for match in _CANDIDATE.finditer(text):
        if any(match.start() < m.end and m.start < match.end() for m in matches):
            continue
        try:
            parsed = phonenumbers.parse(match.group(0), region)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            invalid.append(_national_digits(match.group(0)))
    return numbers, invalid, landlines


class PhoneCache:
    """The numbers of the night, each parsed once, and kept for the next night.

    A night reads each number when it normalises the frames and again when it derives the facts,
    and parsing is most of normalising (1.4 s of 1.8 s for 20,000 directory rows). The cache holds
    every number of the night, however big the directory (a cache of fixed size smaller than the
    night parsed everything twice: 100,000 rows took 11 s to derive). Each night's normalisation
    (:func:`portalwatch.night.normalise`) empties it and loads the numbers the last night kept; a
    number among them is not parsed again, and what is kept for the next night is tonight's numbers
    only, so neither the file nor a long-lived worker grows with every number ever seen.

    What a number parses to depends only on this module and libphonenumber's metadata: the file
    kept names both (:attr:`version`), and one written by another version is ignored.
    """

    def __init__(self) -> None:
        self._fields: dict[tuple[str, str], PhoneField] = {}    # tonight's
        #: an earlier night's, not yet asked for: {region: {text: packed field}} (see :func:`_pack`)
        self._kept: dict[str, dict[str, str]] = {}
        self.parsed = 0                                          # parsed since emptied, not read from a file
        self.version = hashlib.sha256(Path(__file__).read_bytes() + phonenumbers.__version__.encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self._fields)

    def get(self, text: str, region: str) -> PhoneField:
        key = (text, region)
        field = self._fields.get(key)
        if field is None:
            try:
                field = _unpack(self._kept.get(region, {}).pop(text))
            except (KeyError, ValueError, AttributeError):      # not kept, or not as this version packs it
                field = _parse_phones(text, region)
                self.parsed += 1
            self._fields[key] = field
        return field

    def clear(self) -> None:
        self._fields.clear()
        self._kept.clear()
        self.parsed = 0

    @property
    def changed(self) -> bool:
        """Whether tonight's numbers differ from those loaded (some parsed, or some not asked for)."""
        return bool(self.parsed or any(self._kept.values()))

    def load(self, path: Path) -> int:
        """Take the numbers kept in ``path``; a missing, unreadable or other version's file gives
        none (it is only a cache). Returns how many."""
        try:
            kept = json.loads(Path(path).read_text(encoding="utf-8"))
            if kept.get("version") != self.version:
                return 0
            regions = kept["regions"]
            if not all(isinstance(texts, dict) for texts in regions.values()):
                raise ValueError("a region is not a mapping")
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            if not isinstance(exc, FileNotFoundError):
                logger.warning("phone cache %s not read (%s): its numbers are parsed again", path, exc)
            return 0
        for region, texts in regions.items():
            self._kept.setdefault(region, {}).update(texts)
        return sum(len(texts) for texts in regions.values())

    def save(self, path: Path) -> None:
        """Keep tonight's numbers in ``path`` (written to a temporary name and renamed)."""
        regions: dict[str, dict[str, str]] = {}
        for (text, region), field in self._fields.items():
            regions.setdefault(region, {})[text] = _pack(field)
        files.write_text(path, json.dumps({"version": self.version, "regions": regions}, ensure_ascii=False))


def _pack(field: PhoneField) -> str:
    """A field as one string, ``"numbers;invalid;fax;landlines"`` each comma-separated: numbers and
    digit runs hold neither separator, and a file of strings loads many times faster than one of
    nested lists (0.02 s against 0.6 s for 44,000 numbers)."""
    return ";".join(",".join(part) for part in (field.numbers, field.invalid, field.fax, field.landlines))


def _unpack(packed: str) -> PhoneField:
    parts = packed.split(";")
    if len(parts) != 4:
        raise ValueError(f"not a packed phone field: {packed!r}")
    return PhoneField(*(tuple(part.split(",")) if part else () for part in parts))


def parse_phones(text: str | None, region: str = "VN") -> PhoneField:
    """Every number in a field; those after a "Fax:" label are kept apart. Each text is parsed
    once a night (:data:`PHONES`); the result is immutable."""
    if not text:
        return _EMPTY
    return PHONES.get(text, region)


def _parse_phones(text: str, region: str) -> PhoneField:
    parts = _FAX_LABEL.split(text, maxsplit=1)
    numbers, invalid, landlines = _valid(parts[0], region)
    fax: list[str] = []
    if len(parts) == 2:
        fax, fax_invalid, fax_landlines = _valid(parts[1], region)
        invalid += fax_invalid
        landlines += fax_landlines
    return PhoneField(tuple(dict.fromkeys(numbers)), tuple(dict.fromkeys(invalid)), tuple(dict.fromkeys(fax)),
                      tuple(dict.fromkeys(landlines)))


_EMPTY = PhoneField((), ())
#: The process's phone cache: see :class:`PhoneCache`.
PHONES = PhoneCache()


def suggest_new_number(national: str, old_area_codes: dict[str, str] | None = None,
                       region: str = "VN") -> str | None:
    """The current number for one written in the old plan, in E.164, or None if there is none.

    ``national`` is the digits with the leading 0 ("01689000123", "0643900107"); ``old_area_codes``
    maps old landline codes to new ones without the 0 (``{"64": "254"}``).
    """
    digits = _national_digits(national)
    candidate = None
    if len(digits) == 11 and digits[:4] in OLD_MOBILE_PREFIXES:
        candidate = OLD_MOBILE_PREFIXES[digits[:4]] + digits[4:]
    else:
        for old, new in sorted((old_area_codes or {}).items(), key=lambda kv: -len(kv[0])):
            if digits.startswith("0" + old) and len(digits) - 1 - len(old) == 10 - len(new):
                candidate = "0" + new + digits[1 + len(old):]
                break
    if candidate is None:
        return None
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    return to_e164(parsed) if phonenumbers.is_valid_number(parsed) else None
