"""The pace a night keeps with the portal's server: ``render.delay_s`` between two page requests,
shared by plain HTTP and the browser, and the pause a 429 or 503 asks for in ``Retry-After``."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

import pytest

from portalwatch.profile.loader import load_profile
from portalwatch.render.base import PageRequest, RenderedPage
from portalwatch.render.http import HttpRenderer
from portalwatch.render.playwright import PlaywrightRenderer
from portalwatch.render.portal import PortalRenderer
from portalwatch.render.retry import MAX_RETRY_AFTER_S, render_with_retries, retry_after_seconds
from portalwatch.render.throttle import Throttle
from portalwatch.settings import Settings

from conftest import LAYOUTS
from conftest import render_all as _render

PAGE = "/gioi-thieu"


class FakeClock:
    """A clock that moves only when the throttle sleeps."""

    def __init__(self) -> None:
        self.now, self.sleeps = 100.0, []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_requests_start_delay_apart_however_many_ask_at_once():
    clock = FakeClock()
    throttle = Throttle(0.5, clock=clock, sleep=clock.sleep)
    started = []

    async def request():
        await throttle.wait()
        started.append(clock.now)

    async def night():
        await asyncio.gather(*(request() for _ in range(5)))
        clock.now += 2.0                      # a quiet spell: the next request waits for nothing
        await request()

    asyncio.run(night())
    assert started == [100.0, 100.5, 101.0, 101.5, 102.0, 104.0]
    assert clock.sleeps == [0.5, 0.5, 0.5, 0.5]


def test_no_delay_spaces_nothing():
    clock = FakeClock()
    throttle = Throttle(0, clock=clock, sleep=clock.sleep)
    async def night():
        await asyncio.gather(*(throttle.wait() for _ in range(50)))

    asyncio.run(night())
    assert clock.sleeps == []


def test_retry_after_is_read_as_seconds_or_a_date():
    now = dt.datetime(2026, 11, 30, 1, 30, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(" 7 ") == 7.0
    assert retry_after_seconds("Mon, 30 Nov 2026 01:31:00 GMT", now) == 60.0
    assert retry_after_seconds("Mon, 30 Nov 2026 01:00:00 GMT", now) == 0.0     # already past
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None and retry_after_seconds("") is None


def test_a_retry_waits_as_long_as_the_portal_asks_within_a_bound():
    waits = []

    async def sleep(s):
        waits.append(s)

    def answers(*pages):
        remaining = list(pages)

        async def render(request):
            status, asked = remaining.pop(0)
            meta = {} if asked is None else {"retry_after_s": asked}
            return RenderedPage(request.url, "x", status, request.url, "<p>ok</p>" if status == 200 else "",
                                dt.datetime.now(dt.timezone.utc), meta=meta)
        return render

    request = PageRequest("http://a/", "x")
    page = asyncio.run(render_with_retries(answers((429, 30.0), (503, 1.0), (200, None)), request, retries=3,
                                           backoff_s=2, sleep=sleep))
    assert page.ok and waits == [30.0, 4.0], "the longer of Retry-After and the backoff"
    waits.clear()
    asyncio.run(render_with_retries(answers((429, 3600.0), (200, None)), request, retries=3, backoff_s=2, sleep=sleep))
    assert waits == [MAX_RETRY_AFTER_S], "an hour's pause is not one page's to take"


@pytest.mark.parametrize("kind", ["http", pytest.param("browser", marks=pytest.mark.browser)])
def test_a_rate_limited_page_carries_how_long_the_portal_asked_to_wait(kind, faulty):
    faulty.faults.fail_times[PAGE] = 1
    faulty.faults.fail_status, faulty.faults.retry_after = 429, "7"
    renderer = (HttpRenderer if kind == "http" else PlaywrightRenderer)(allowed_hosts=("127.0.0.1",), timeout_s=15)
    [page] = _render(renderer, PageRequest(faulty.base_url + PAGE[1:], "unit_page"))
    assert page.status == 429 and page.meta["retry_after_s"] == 7.0


def _profile(portal, **render):
    profile = load_profile(LAYOUTS["vungtau-2022"]).with_base_url(portal.base_url)
    return replace(profile, render=replace(profile.render, **render))


def _arrivals(portal, before, paths):
    return [t for (method, path), t in zip(portal.request_log[before:], portal.request_log.arrived[before:])
            if path in paths]


def test_a_portal_asking_for_a_pause_gets_it_before_the_page_is_asked_again(faulty):
    faulty.faults.fail_times[PAGE] = 1
    faulty.faults.fail_status, faulty.faults.retry_after = 429, "1"
    before = len(faulty.request_log)
    renderer = PortalRenderer(_profile(faulty), Settings(render_retries=2, retry_backoff_s=0.01))
    [page] = _render(renderer, PageRequest(faulty.base_url + PAGE[1:], "unit_page", render=False))
    assert page.ok and page.meta["attempts"] == 2
    first, second = _arrivals(faulty, before, {PAGE})
    assert second - first >= 0.95, "asked again before the second the portal asked for"


@pytest.mark.browser
def test_delay_spaces_the_page_requests_of_http_and_the_browser_alike(faulty):
    """Five pages, concurrency 4 each way: the server sees them at least ``delay_s`` apart."""
    units = ["/he-thong-chinh-tri/phuong-1", "/he-thong-chinh-tri/phuong-2", "/he-thong-chinh-tri/phuong-3",
             "/he-thong-chinh-tri/phuong-4"]
    requests = [PageRequest(faulty.base_url + path[1:], "unit_page", render=False) for path in units]
    requests.append(PageRequest(faulty.base_url + "danh-ba-dien-thoai", "directory", render=True,
                                wait_for="body[data-danh-ba='ready']"))
    delay = 0.3
    before = len(faulty.request_log)
    pages = _render(PortalRenderer(_profile(faulty, delay_s=delay, concurrency=4, http_concurrency=4), Settings()),
                    *requests)
    assert all(p.ok for p in pages), [(p.url, p.status, p.error) for p in pages]
    arrived = sorted(_arrivals(faulty, before, {*units, "/danh-ba-dien-thoai"}))
    assert len(arrived) == 5
    # Each request leaves at least `delay` after the one before. The browser's own start-up can only
    # delay its page's arrival (on a busy machine, next to the following request's), so the span of
    # all five is the safe measure; plain HTTP's arrivals follow their departures, give or take a
    # connection being opened, so no two of them arrive together.
    assert arrived[-1] - arrived[0] >= 4 * delay - 0.15
    by_http = sorted(_arrivals(faulty, before, set(units)))
    assert min(b - a for a, b in zip(by_http, by_http[1:])) >= delay / 2


def test_auto_throttle_follows_the_servers_answers():
    """Halfway towards latency / target_concurrency after each answer, within delay_s and max_delay_s;
    an error never shortens the delay; without auto, answers change nothing."""
    throttle = Throttle(0.1, auto=True, target_concurrency=2, max_delay_s=5)
    assert throttle.delay_s == 1.0                        # before any answer: START_DELAY_S
    delays = []
    for latency, status in [(1.0, 200), (4.0, 200), (0.2, 200), (0.01, 500), (0.01, 0), (0.02, 304),
                            (100.0, 0), (0.0, 200), (0.0, 200), (0.0, 200), (0.0, 200), (0.0, 200), (0.0, 200)]:
        throttle.observe(latency, status)
        delays.append(round(throttle.delay_s, 4))
    assert delays == [0.75, 2.0, 1.05, 1.05, 1.05, 0.53, 5.0, 2.5, 1.25, 0.625, 0.3125, 0.1562, 0.1]
    assert throttle.peak_delay_s == 5.0

    fixed = Throttle(0.1)
    fixed.observe(30.0, 200)
    assert fixed.delay_s == 0.1 and fixed.peak_delay_s == 0.1


def test_auto_throttle_spaces_the_requests_of_a_slow_portal(faulty):
    """Six unit pages that each take 0.3 s to answer, four requests at once: without auto-throttle
    they reach the server together; with it (target_concurrency 1), about 0.3 s apart."""
    units = [f"/he-thong-chinh-tri/phuong-{n}" for n in (1, 2, 3, 4, 5, 7)]
    faulty.faults.slow_ms["/he-thong-chinh-tri/"] = 300

    def gaps(**render):
        requests = [PageRequest(faulty.base_url + path[1:], "unit_page", render=False) for path in units]
        before = len(faulty.request_log)
        renderer = PortalRenderer(_profile(faulty, http_concurrency=4, **render), Settings())
        pages = _render(renderer, *requests)
        assert all(p.ok for p in pages), [(p.url, p.status, p.error) for p in pages]
        arrived = sorted(_arrivals(faulty, before, set(units)))
        return [b - a for a, b in zip(arrived, arrived[1:])], renderer.throttle

    together, _ = gaps()
    assert max(sorted(together)[:3]) < 0.2, together       # four in flight at once
    apart, throttle = gaps(auto_throttle=True, target_concurrency=1.0)
    assert min(apart) >= 0.2, apart            # about 0.3 s, give or take a connection being opened
    assert 0.25 <= throttle.delay_s < 1.0     # settled near the server's 0.3 s, from the 1 s start


@pytest.mark.browser
def test_a_night_with_auto_throttle_says_how_its_pace_went(faulty):
    """The night's summary (summary.json, the CLI's table) gets the delay the crawl ended at and its
    highest; a night without auto-throttle has none to tell."""
    from portalwatch.night import render_portal

    paced = render_portal(_profile(faulty, auto_throttle=True, target_concurrency=4.0), Settings())
    assert paced.pages and all(p.ok for p in paced.pages)
    end, peak = paced.pace
    assert peak == 1.0 and end < 0.5          # from the 1 s start, down towards a loopback server's pace
    assert render_portal(_profile(faulty), Settings()).pace is None
