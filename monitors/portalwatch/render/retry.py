"""Fetch a page again when the portal stumbles: a 5xx, a 429, a timeout or a dropped connection.

Waits ``backoff_s``, then twice that, and so on, between attempts; longer when the portal's answer
(a 429 or 503) says in ``Retry-After`` how long to wait, up to :data:`MAX_RETRY_AFTER_S`: a busy
portal that asks for a pause gets it, but one page cannot hold the night for an hour. A page refused
for a reason that a second attempt cannot change (a host outside the allowlist, a page too large, a
redirect loop) is not fetched again. The page handed on records how many attempts it took
(``meta["attempts"]``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import replace
from email.utils import parsedate_to_datetime
from typing import Awaitable, Callable, Mapping

from .base import PageRequest, RenderedPage

__all__ = ["RETRY_STATUSES", "MAX_RETRY_AFTER_S", "retryable", "retry_after_seconds", "asked_pause",
           "render_with_retries"]

logger = logging.getLogger(__name__)

#: Answers worth asking again: the server's trouble, usually brief.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Answers whose ``Retry-After`` header is read (RFC 9110, section 10.2.3).
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: The longest pause a ``Retry-After`` gets before the page is asked for again.
MAX_RETRY_AFTER_S = 120.0
#: Errors a second attempt would only repeat.
_FINAL_ERRORS = ("allowed_hosts", "too large", "redirect")


def retryable(page: RenderedPage) -> bool:
    """Whether ``page`` failed in a way another attempt may cure."""
    if page.status in RETRY_STATUSES:
        return True
    if page.status == 0 and page.error:
        return not any(word in page.error for word in _FINAL_ERRORS)
    return False


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number of seconds, or an HTTP date); None
    when there is none or it cannot be read."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds())


def asked_pause(status: int, headers: Mapping[str, str]) -> dict[str, float]:
    """What a renderer adds to a page's ``meta`` for :func:`render_with_retries`: the pause a 429
    or 503 asks for (``retry_after_s``), or nothing."""
    asked = retry_after_seconds(headers.get("retry-after")) if status in RETRY_AFTER_STATUSES else None
    return {} if asked is None else {"retry_after_s": asked}


async def render_with_retries(render: Callable[[PageRequest], Awaitable[RenderedPage]], request: PageRequest, *,
                              retries: int, backoff_s: float,
                              sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> RenderedPage:
    """``render(request)``, again up to ``retries`` times while the failure is :func:`retryable`."""
    attempt = 1
    page = await render(request)
    while attempt <= retries and retryable(page):
        wait = backoff_s * 2 ** (attempt - 1)
        asked = page.meta.get("retry_after_s")
        if asked is not None:
            wait = max(wait, min(float(asked), MAX_RETRY_AFTER_S))
        logger.info("page %s failed (%s%s), attempt %d of %d in %g s", request.url,
                    page.error or f"HTTP {page.status}", "" if asked is None else f", Retry-After {asked:g} s",
                    attempt + 1, retries + 1, wait)
        await sleep(wait)
        attempt += 1
        page = await render(request)
    if attempt == 1:
        return page
    return replace(page, meta={**page.meta, "attempts": attempt})
