"""E-mail addresses as portals write them: "Email: ubnd@...", "mailto:", several in one field."""

from __future__ import annotations

import re

__all__ = ["parse_emails", "on_domain", "is_address", "FREE_MAIL_DOMAINS"]

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_OBFUSCATED_AT = re.compile(r"\s*(?:\[at\]|\(at\)|\[a\]|\(a\))\s*", re.IGNORECASE)

#: Free mail providers: an official contact there breaks the "official e-mail" rule.
FREE_MAIL_DOMAINS = ("gmail.com", "yahoo.com", "yahoo.com.vn", "hotmail.com", "outlook.com", "live.com",
                     "icloud.com", "mail.ru", "zing.vn")


def parse_emails(text: str | None) -> list[str]:
    """Every address in a field, lower-cased, in order, de-duplicated."""
    if not text:
        return []
    text = _OBFUSCATED_AT.sub("@", text)
    return list(dict.fromkeys(m.group(0).lower().strip(".") for m in _EMAIL.finditer(text)))


def on_domain(address: str, domains: tuple[str, ...]) -> bool:
    """True when the address is on one of ``domains`` or a subdomain of one."""
    host = address.rsplit("@", 1)[-1].lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def is_address(text: str) -> bool:
    """True when the whole text is one e-mail address (``local@host.tld``), as a recipient must be:
    the same shape :func:`parse_emails` finds in a page, with nothing around it. No DNS is asked."""
    return _EMAIL.fullmatch(text) is not None and ".." not in text and not text.startswith(".")
