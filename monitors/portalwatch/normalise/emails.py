"""E-mail addresses as portals write them: "Email: ubnd@...", "mailto:", several in one field."""

from __future__ import annotations

import re

__all__ = ["parse_emails", "on_domain", "FREE_MAIL_DOMAINS"]

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
