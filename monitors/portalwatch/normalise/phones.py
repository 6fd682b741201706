"""Vietnamese telephone numbers: parse what portals write, to E.164, and spot the old numbering plan.

Portals write "(0254) 3852 361", "0254.3852.361", "(84-254) 3727.444", two numbers in one field, or
"ĐT: … - Fax: …". Google's libphonenumber metadata (``phonenumbers``) knows the current ranges; the
two renumberings (landline area codes in 2017, 11-digit mobiles in 2018) are mapped here so a stale
number comes with the new one to suggest.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers

__all__ = ["PhoneField", "parse_phones", "suggest_new_number", "OLD_MOBILE_PREFIXES", "to_e164"]

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


@functools.lru_cache(maxsize=None)
def parse_phones(text: str | None, region: str = "VN") -> PhoneField:
    """Every number in a field; those after a "Fax:" label are kept apart.

    Cached (the result is immutable): a night reads each number when it normalises the frames and
    again when it derives the facts, and libphonenumber's matcher is the costliest step of both.
    The cache holds every number of the night, however big the directory (a cache of fixed size
    smaller than the night parsed everything twice: 100,000 directory rows took 11 s to derive);
    each night's normalisation (:func:`portalwatch.night.normalise`) empties it first, so a
    long-lived worker keeps one night's numbers, not every night's."""
    if not text:
        return PhoneField((), ())
    parts = _FAX_LABEL.split(text, maxsplit=1)
    numbers, invalid, landlines = _valid(parts[0], region)
    fax: list[str] = []
    if len(parts) == 2:
        fax, fax_invalid, fax_landlines = _valid(parts[1], region)
        invalid += fax_invalid
        landlines += fax_landlines
    return PhoneField(tuple(dict.fromkeys(numbers)), tuple(dict.fromkeys(invalid)), tuple(dict.fromkeys(fax)),
                      tuple(dict.fromkeys(landlines)))


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
