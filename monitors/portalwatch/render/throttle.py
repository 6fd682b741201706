"""Space out the requests a night makes to the portal.

A city portal usually runs on one small server, and the monitor must never be what slows it down
(Scrapy's ``DOWNLOAD_DELAY``). The profile's ``render.delay_s`` is the least time between the start
of two page requests, whether plain HTTP or the browser makes them; concurrency still bounds how
many are in flight. The default, 0, spaces nothing.

With ``render.auto_throttle`` the delay also follows the server (Scrapy's AutoThrottle): after each
answer it moves halfway towards ``latency / target_concurrency``, so that on average about
``target_concurrency`` requests are being answered at once. A server that slows down under the
night's load (or times out) spaces the night's requests further apart; a fast one gets them as
``delay_s`` allows. Error answers never shorten the delay: they are small and quick, and say nothing
good about the server. The delay never goes below ``delay_s`` nor above ``max_delay_s``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable

__all__ = ["Throttle", "START_DELAY_S"]

#: The delay before the server has answered once, with ``auto`` (Scrapy's AUTOTHROTTLE_START_DELAY).
START_DELAY_S = 1.0


class Throttle:
    """Lets one request start at a time, ``delay_s`` after the one before it."""

    def __init__(self, delay_s: float = 0.0, *, auto: bool = False, target_concurrency: float = 1.0,
                 max_delay_s: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.min_delay_s = max(0.0, float(delay_s))
        self.auto, self.target_concurrency = auto, float(target_concurrency)
        self.max_delay_s = max(self.min_delay_s, float(max_delay_s))
        # Before the first answer nothing is known of the server: the first requests go out
        # START_DELAY_S apart (not all at once), and the delay settles within a few answers.
        self.delay_s = min(max(self.min_delay_s, START_DELAY_S), self.max_delay_s) if auto else self.min_delay_s
        self.peak_delay_s = self.delay_s      # the longest delay the night came to (auto only)
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

    def observe(self, latency_s: float, status: int) -> None:
        """Adjust the delay to one answer: ``latency_s`` until the server answered (or gave up), and
        its status (0 for no answer). Does nothing unless ``auto``."""
        if not self.auto or latency_s < 0:
            return
        target = latency_s / self.target_concurrency
        new = max(target, (self.delay_s + target) / 2)
        new = min(max(self.min_delay_s, new), self.max_delay_s)
        if not 200 <= status < 400 and new <= self.delay_s:
            return
        self.delay_s = new
        self.peak_delay_s = max(self.peak_delay_s, new)
