"""The browser's renderer on a loop of its own: pages, errors, cancellation and spacing cross over."""

import asyncio
import threading
import time

import pytest

from portalwatch.errors import BrowserUnavailable
from portalwatch.render.base import PageRequest, RenderedPage
from portalwatch.render.threaded import LoopThrottle, ThreadedRenderer
from portalwatch.render.throttle import Throttle


class Recording:
    """A renderer that notes where it runs and what became of each request."""

    def __init__(self, throttle=None, fail_on_enter: bool = False) -> None:
        self.throttle, self.fail_on_enter = throttle, fail_on_enter
        self.loops: set[int] = set()
        self.threads: set[str] = set()
        self.cancelled: list[str] = []
        self.started: list[float] = []
        self.entered = self.exited = False
        self.hanging = threading.Event()

    def _note(self) -> None:
        self.loops.add(id(asyncio.get_running_loop()))
        self.threads.add(threading.current_thread().name)

    async def __aenter__(self):
        self._note()
        if self.fail_on_enter:
            raise BrowserUnavailable("Chromium could not be started: test")
        self.entered = True
        return self

    async def __aexit__(self, *exc):
        self._note()
        self.exited = True

    async def render(self, request: PageRequest) -> RenderedPage:
        self._note()
        if self.throttle is not None:
            await self.throttle.wait()
            self.started.append(time.monotonic())
        try:
            if request.meta.get("hang"):
                self.hanging.set()
                await asyncio.Event().wait()
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled.append(request.url)
            raise
        return RenderedPage(request.url, request.page_type, 200, request.url, f"<p>{request.url}</p>", None)


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_pages_are_rendered_on_the_threads_own_loop_and_the_thread_ends_with_it():
    made: list[Recording] = []

    async def go():
        caller = id(asyncio.get_running_loop())
        renderer = ThreadedRenderer(lambda loop: made.append(Recording()) or made[-1], name="pw-test")
        async with renderer:
            pages = await asyncio.gather(*(renderer.render(PageRequest(f"http://p/{i}", "unit_page"))
                                           for i in range(5)))
            assert "pw-test" in _threads()
        return caller, pages

    caller, pages = asyncio.run(go())
    inner, = made
    assert [p.html for p in pages] == [f"<p>http://p/{i}</p>" for i in range(5)]
    assert inner.entered and inner.exited and inner.threads == {"pw-test"}
    assert len(inner.loops) == 1 and caller not in inner.loops
    assert "pw-test" not in _threads()


def test_a_browser_that_cannot_start_is_reported_and_leaves_no_thread():
    async def go():
        async with ThreadedRenderer(lambda loop: Recording(fail_on_enter=True), name="pw-fail"):
            pass

    with pytest.raises(BrowserUnavailable, match="could not be started"):
        asyncio.run(go())
    assert "pw-fail" not in _threads()


def test_cancelling_a_page_cancels_its_rendering_in_the_thread():
    made: list[Recording] = []

    async def go():
        async with ThreadedRenderer(lambda loop: made.append(Recording()) or made[-1]) as renderer:
            stuck = asyncio.ensure_future(renderer.render(PageRequest("http://p/stuck", "unit_page",
                                                                      meta={"hang": True})))
            assert await asyncio.to_thread(made[0].hanging.wait, 30)
            stuck.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stuck
            return await renderer.render(PageRequest("http://p/next", "unit_page"))

    page = asyncio.run(go())
    assert made[0].cancelled == ["http://p/stuck"] and page.ok


def test_the_thread_takes_its_turns_from_the_callers_throttle():
    """Requests from both loops share one spacing: the caller's throttle."""
    delay = 0.2
    throttle = Throttle(delay)
    made: list[Recording] = []
    here: list[float] = []

    async def go():
        renderer = ThreadedRenderer(lambda loop: made.append(Recording(LoopThrottle(throttle, loop))) or made[-1])
        async with renderer:
            async def mine():
                await throttle.wait()
                here.append(time.monotonic())

            await asyncio.gather(*(renderer.render(PageRequest(f"http://p/{i}", "unit_page")) for i in range(3)),
                                 *(mine() for _ in range(3)))

    asyncio.run(go())
    starts = sorted(made[0].started + here)
    assert len(starts) == 6
    assert min(b - a for a, b in zip(starts, starts[1:])) >= delay - 0.02


def test_a_renderer_used_outside_async_with_says_so():
    renderer = ThreadedRenderer(lambda loop: Recording())
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(renderer.render(PageRequest("http://p/", "unit_page")))
