"""Making text scraped from the portal safe to show in Slack and e-mail.

Everything a finding carries (the value seen, the unit's name, the page address) comes from a web
page that anyone with CMS access can edit. Shown raw in Slack, ``<!channel>`` would page a whole
channel and ``<http://evil|Cổng dịch vụ công>`` would be a disguised link; invisible bidirectional
overrides can make a text read differently from what it is. So every site-derived string passes
through :func:`clean` (NFC, invisible controls removed, length bounded) and, for Slack, through
:func:`slack_escape`. Links we make ourselves go through :func:`slack_link`, which refuses any URL
that could break out of Slack's ``<url|label>`` syntax. HTML escaping is left to Jinja2 autoescape.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import urlsplit

__all__ = ["ELLIPSIS", "VALUE_LIMIT", "clean", "truncate", "one_line", "safe_url", "slack_escape",
           "slack_text", "slack_link", "vn_date", "vn_number"]

ELLIPSIS = "…"
#: how much of a value seen on the site is quoted back to a unit
VALUE_LIMIT = 300

# Zero-width characters, bidirectional embeddings/overrides/isolates, word joiners, the BOM, and
# C0/C1 control characters other than tab and newline.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u180e"
                        "\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_URL_FORBIDDEN = re.compile(r"[\s|<>\"'`\\\x00-\x1f\x7f]")
_SLACK_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def clean(text: object, *, limit: int | None = None) -> str:
    """NFC text without invisible or control characters, cut to ``limit`` characters with "…".

    None becomes "". The result is what a reader sees; nothing hidden can change its meaning.
    """
    if text is None:
        return ""
    # NFC after the invisible characters go: one between a letter and its mark kept them apart
    value = _INVISIBLE.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))
    value = unicodedata.normalize("NFC", value)
    return truncate(value, limit) if limit is not None else value


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut text ends with "…" so the reader knows there is more."""
    if limit < 1:
        return ""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def one_line(text: object, *, limit: int | None = None) -> str:
    """:func:`clean`, with every run of whitespace (newlines too) made one space: for subjects and headers."""
    value = _SPACES.sub(" ", clean(text)).strip()
    return truncate(value, limit) if limit is not None else value


def safe_url(url: object) -> str | None:
    """The URL if it is an http(s) address that cannot break out of a link, else None.

    Refused: other schemes (``javascript:``, ``mailto:``), no host, and any whitespace, quote,
    backslash, ``|``, ``<`` or ``>`` (which would end Slack's ``<url|label>`` or an HTML attribute).
    """
    if not isinstance(url, str) or not url or len(url) > 2000:
        return None
    value = unicodedata.normalize("NFC", url)
    if value != url.strip() or _URL_FORBIDDEN.search(value) or _INVISIBLE.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def slack_escape(text: str) -> str:
    """Slack's three control characters as entities, so text can neither mention nor link."""
    return "".join(_SLACK_ESCAPES.get(ch, ch) for ch in text)


def slack_text(text: object, *, limit: int | None = None, escaped_limit: int | None = None,
               single_line: bool = False) -> str:
    """Site-derived text ready for a Slack mrkdwn field: cleaned, cut to ``limit``, then escaped.

    ``escaped_limit`` bounds the escaped result (what Slack counts against its limits: one "&"
    becomes five characters), cutting before an entity rather than through it.
    """
    value = one_line(text, limit=limit) if single_line else clean(text, limit=limit)
    escaped = slack_escape(value)
    if escaped_limit is None or len(escaped) <= escaped_limit:
        return escaped
    pieces: list[str] = []
    used = 0
    for ch in value:
        piece = _SLACK_ESCAPES.get(ch, ch)
        if used + len(piece) > escaped_limit - len(ELLIPSIS):
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces).rstrip() + ELLIPSIS


def slack_link(url: object, label: object, *, label_limit: int = 80) -> str:
    """``<url|label>`` for a safe URL with an escaped label; otherwise the URL as inert text.

    The result is at most ``2 * label_limit + 620`` characters, so callers can budget sections.
    """
    checked = safe_url(url)
    shown = slack_text(label, limit=label_limit, escaped_limit=2 * label_limit, single_line=True) or "liên kết"
    target = slack_escape(checked) if checked else ""
    if not checked or len(target) > 600:
        return slack_text(url, limit=200, escaped_limit=600, single_line=True) if url else shown
    return f"<{target}|{shown}>"


def vn_date(day: dt.date | None) -> str:
    """dd/mm/yyyy, the way dates are written in Vietnamese administrative texts."""
    return day.strftime("%d/%m/%Y") if day else ""


def vn_number(value: float, digits: int = 2) -> str:
    """A decimal number with the Vietnamese decimal comma: 9,25."""
    return f"{value:.{digits}f}".replace(".", ",")
