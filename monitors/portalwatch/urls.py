"""What counts as a web address wherever one is configured: a profile's ``base_url``, ``--base-url``
and ``PORTALWATCH_REPORTS_URL`` are all checked here, so they accept and refuse the same things."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

__all__ = ["http_url"]


def http_url(value: str) -> SplitResult | None:
    """``value`` split, if it is an http(s) address with a host and, if any, a numeric port; else
    None (an unclosed IPv6 bracket or a port such as ``:port`` is refused, not raised)."""
    try:
        parts = urlsplit(value)
        parts.port                           # raises ValueError for a port that is not a number
    except ValueError:
        return None
    return parts if parts.scheme in ("http", "https") and parts.hostname else None
