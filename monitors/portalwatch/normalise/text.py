"""Text as the checks need it: Unicode NFC, collapsed spaces, blank treated as absent."""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["clean_text", "is_placeholder", "placeholder_pattern"]

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def clean_text(value: object) -> str | None:
    """Zero-width characters removed, whitespace collapsed, then NFC; None for absent or blank.

    NFC comes last: a zero-width character between a letter and its combining mark ("A", U+FEFF,
    U+0300) keeps them apart until it is removed, and only then can they compose ("À")."""
    if value is None:
        return None
    text = str(value)
    if _INVISIBLE.search(text) is not None:     # rare: most values are spared a substitution
        text = _INVISIBLE.sub("", text)
    # str.split() splits on exactly what \s matches (no-break spaces included) and drops the ends:
    # half the time of a regular expression's substitution, for every value of every page.
    return unicodedata.normalize("NFC", " ".join(text.split())) or None


@functools.lru_cache(maxsize=64)
def _placeholder_regex(placeholders: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(placeholder_pattern(placeholders))


def placeholder_pattern(placeholders: tuple[str, ...]) -> str:
    """A regular expression matching a whole value that is only a placeholder.

    "Đang cập nhật", "..." or "xxx" stand where the unit has not given the information: for the
    reader the field is empty. Runs of dots, dashes and x's of any length count as well, and so do
    "đang cập nhật" and "chưa cập nhật" (with "được") whatever the profile lists, since portals write
    them everywhere; a placeholder may trail dots or an ellipsis ("Đang cập nhật...") and sit in
    brackets ("(Đang cập nhật)").
    """
    words = "|".join(re.escape(unicodedata.normalize("NFC", p).casefold()) for p in placeholders if p.strip())
    generic = r"\.{2,}|…+|-{2,}|x{2,}|\?+|(?:đang|chưa)\s+(?:được\s+)?cập\s+nhật"
    alternatives = f"{words}|{generic}" if words else generic
    return rf"(?i)^\s*[(\[]?\s*(?:{alternatives})\s*[.…]*\s*[)\]]?\s*\.?\s*$"


def is_placeholder(value: str | None, placeholders: tuple[str, ...]) -> bool:
    if value is None:
        return False
    regex = _placeholder_regex(tuple(placeholders))  # built once per list, not once per value
    return regex.match(unicodedata.normalize("NFC", value).casefold()) is not None
