"""The renderer a night uses: Chromium for pages that need JavaScript, plain HTTP for the others.

The browser is started on the first page that needs it, so a profile whose pages are all
server-rendered never pays for one.
"""

from __future__ import annotations

import asyncio

from ..profile.schema import Profile
from ..settings import Settings
from .base import PageRequest, RenderedPage
from .http import HttpRenderer
from .playwright import PlaywrightRenderer

__all__ = ["PortalRenderer"]


class PortalRenderer:
    """Dispatches each request on ``request.render``; use as ``async with``."""

    def __init__(self, profile: Profile, settings: Settings | None = None) -> None:
        settings = settings or Settings()
        self._browser = PlaywrightRenderer(
            allowed_hosts=profile.allowed_hosts, concurrency=profile.render.concurrency,
            timeout_s=profile.render.timeout_s, block=profile.render.block,
            chromium_path=settings.chromium_path)
        self._http = HttpRenderer(allowed_hosts=profile.allowed_hosts,
                                  concurrency=max(8, profile.render.concurrency),
                                  timeout_s=profile.render.timeout_s)
        self._browser_started = False
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> "PortalRenderer":
        await self._http.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._browser_started:
                await self._browser.__aexit__(*exc)
        finally:
            await self._http.__aexit__(*exc)

    @property
    def blocked_requests(self) -> int:
        return self._browser.blocked_requests

    async def render(self, request: PageRequest) -> RenderedPage:
        if not request.render:
            return await self._http.render(request)
        async with self._lock:
            if not self._browser_started:
                await self._browser.__aenter__()
                self._browser_started = True
        return await self._browser.render(request)
