"""Space out the requests a night makes to the portal.

A city portal usually runs on one small server, and the monitor must never be what slows it down
(Scrapy's ``DOWNLOAD_DELAY``). The profile's ``render.delay_s`` is the least time between the start
of two page requests, whether plain HTTP or the browser makes them; concurrency still bounds how
many are in flight. The default, 0, spaces nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable

__all__ = ["Throttle"]


class Throttle:
    """Lets one request start at a time, ``delay_s`` after the one before it."""

    def __init__(self, delay_s: float = 0.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.delay_s = max(0.0, float(delay_s))
        self._clock, self._sleep = clock, sleep
        self._next = 0.0                      # when the next request may start (clock time)
        self._lock: asyncio.Lock | None = None

    async def wait(self) -> None:
        """Return when a request may start."""
        if not self.delay_s:
            return
        if self._lock is None:                # created in the running loop, not at construction
            self._lock = asyncio.Lock()
        async with self._lock:
            now = self._clock()
            if now < self._next:
                await self._sleep(self._next - now)
                now = self._clock()
            self._next = now + self.delay_s
