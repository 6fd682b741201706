"""Run a renderer on its own event loop, in its own thread.

Playwright drives Chromium through its driver one message at a time (open a context, open a tab,
navigate, answer each routed request, copy the page out), and every message waits its turn on the
event loop that sent it. On a loop also downloading the portal's plain pages, each turn comes late:
amid 2,000 downloads the browser took 1.9 s to start instead of 0.5 s, and the 20,000-row directory
arrived 2.6–3.0 s after the night's first request. On a loop of its own, in a thread, the browser's
messages are taken up within the interpreter's switch interval (5 ms) while the downloads go on,
and the directory arrived after 2.3–2.6 s.

The requests' spacing (:class:`~.throttle.Throttle`) stays one for the portal: the browser's side
asks the caller's loop for its turn.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, Coroutine, TypeVar

from .base import PageRequest, RenderedPage, Renderer
from .throttle import Throttle

__all__ = ["ThreadedRenderer", "LoopThrottle"]

T = TypeVar("T")
_NOT_STARTED = "the renderer is not started: use it as `async with`"


class LoopThrottle:
    """A :class:`~.throttle.Throttle` of another loop, used from this one: the same turns."""

    def __init__(self, throttle: Throttle, loop: asyncio.AbstractEventLoop) -> None:
        self._throttle, self._loop = throttle, loop

    async def wait(self) -> None:
        if not self._throttle.delay_s:
            return
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._throttle.wait(), self._loop))

    def observe(self, latency_s: float, status: int) -> None:
        self._loop.call_soon_threadsafe(self._throttle.observe, latency_s, status)


class ThreadedRenderer:
    """The renderer ``make(caller_loop)`` builds, run on a loop in a thread; use as ``async with``.

    ``make`` is called in the thread, so that what the renderer creates belongs to its loop."""

    def __init__(self, make: Callable[[asyncio.AbstractEventLoop], Renderer],
                 name: str = "portalwatch-browser") -> None:
        self._make = make
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.inner: Any = None

    async def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            coroutine.close()
            raise RuntimeError(_NOT_STARTED)
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    async def __aenter__(self) -> "ThreadedRenderer":
        caller = asyncio.get_running_loop()
        loop = asyncio.new_event_loop()        # what is sent to it before it runs waits its turn

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()

        async def enter() -> Any:
            self.inner = self._make(caller)
            return await self.inner.__aenter__()

        try:
            await self._call(enter())
        except BaseException:
            self.inner = None
            await self._stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self.inner is not None:
                await self._call(self.inner.__aexit__(*exc))
        finally:
            await self._stop()

    async def _stop(self) -> None:
        """End the thread's loop and wait for the thread, without holding up the caller's loop."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            await asyncio.to_thread(thread.join)

    async def render(self, request: PageRequest) -> RenderedPage:
        """The inner renderer's page; cancelling this cancels the rendering in the thread."""
        if self.inner is None:
            raise RuntimeError(_NOT_STARTED)
        return await self._call(self.inner.render(request))
