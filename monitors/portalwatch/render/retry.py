"""Fetch a page again when the portal stumbles: a 5xx, a 429, a timeout or a dropped connection.

Waits ``backoff_s``, then twice that, and so on, between attempts. A page refused for a reason that
a second attempt cannot change (a host outside the allowlist, a page too large, a redirect loop)
is not fetched again. The page handed on records how many attempts it took (``meta["attempts"]``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Awaitable, Callable

from .base import PageRequest, RenderedPage

__all__ = ["RETRY_STATUSES", "retryable", "render_with_retries"]

logger = logging.getLogger(__name__)

#: Answers worth asking again: the server's trouble, usually brief.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Errors a second attempt would only repeat.
_FINAL_ERRORS = ("allowed_hosts", "too large", "redirect")


def retryable(page: RenderedPage) -> bool:
    """Whether ``page`` failed in a way another attempt may cure."""
    if page.status in RETRY_STATUSES:
        return True
    if page.status == 0 and page.error:
        return not any(word in page.error for word in _FINAL_ERRORS)
    return False


async def render_with_retries(render: Callable[[PageRequest], Awaitable[RenderedPage]], request: PageRequest, *,
                              retries: int, backoff_s: float,
                              sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> RenderedPage:
    """``render(request)``, again up to ``retries`` times while the failure is :func:`retryable`."""
    attempt = 1
    page = await render(request)
    while attempt <= retries and retryable(page):
        wait = backoff_s * 2 ** (attempt - 1)
        logger.info("page %s failed (%s), attempt %d of %d in %g s", request.url,
                    page.error or f"HTTP {page.status}", attempt + 1, retries + 1, wait)
        await sleep(wait)
        attempt += 1
        page = await render(request)
    if attempt == 1:
        return page
    return replace(page, meta={**page.meta, "attempts": attempt})
