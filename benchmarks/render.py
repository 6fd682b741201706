"""Pages per second of the renderer against a naive browser crawler and a raw HTTP download, and its memory.

A scaled sample portal on loopback (the vungtau-2022 layout, 2,000 unit pages and 20,000 directory
rows drawn by JavaScript; pages with a stylesheet, a logo and a web font, as the real portal has).
Each contender fetches and parses (the profile's selectors, `extract_records`) the same pages:
"ours" is a night's crawl as shipped (`crawl` through `PortalRenderer`: plain HTTP for pages whose
served HTML holds `wait_for`, one Chromium with pooled pages for the rest, driven from a thread
of its own, images, fonts and media blocked, bounded concurrency); "ours, every page in the
browser" forces Chromium on every page;
"naive" is one page at a time in a new browser context per page, every resource loaded, waiting
for the load event, measured on the first 200 unit pages; "raw HTTP" is aiohttp (the client the
renderer uses for plain pages) with 8 connections and nothing else, no browser, the limit (its directory page holds no rows: they are drawn by JavaScript). Every
contender meets a warm server: one untimed crawl first fills the sample portal's page cache (it
builds a page on its first request: a cost of the test server, not of the crawler).
Memory is the PSS of the process and its Chromium processes (`benchmarks/memory.py`), sampled
every 0.25 s; "flat" compares it at each fifth of a 10,000-page crawl (4,000 pages with every page in
the browser, which takes a quarter of an hour at that rate).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

TITLE = "Rendering"
HOW = __doc__.split("\n\n", 1)[1].strip().replace("\n", " ")
PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "vungtau-2022" / "profile.yaml"
UNITS, ROWS = int(os.environ.get("BENCH_UNITS", 2_000)), int(os.environ.get("BENCH_ROWS", 20_000))
NAIVE_PAGES = int(os.environ.get("BENCH_NAIVE", 200))
LONG_RUN = int(os.environ.get("BENCH_LONG_RUN", 10_000))
LONG_RUN_BROWSER = int(os.environ.get("BENCH_LONG_RUN_BROWSER", 4_000))


def _profile(base_url: str, browser_everywhere: bool = False):
    from portalwatch.profile.loader import load_profile

    profile = load_profile(PROFILE).with_base_url(base_url)
    if browser_everywhere:
        pages = {name: dataclasses.replace(spec, render=True) for name, spec in profile.pages.items()}
        profile = dataclasses.replace(profile, pages=pages)
    return profile


def _parse(profile: Any, pages: list) -> int:
    """Records of every page that answered, as a night extracts them (`extract_all`: a large night's
    pages on two cores), for every contender alike."""
    from portalwatch.extract.parallel import extract_all

    jobs = [(page, profile.page(page.page_type)) for page in pages if page.page_type in profile.pages and page.ok]
    return sum(map(len, extract_all(jobs)))


class _Counting:
    """The renderer, counting pages as they come back (for memory against pages rendered)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.done = inner, 0

    async def __aenter__(self) -> "_Counting":
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    async def render(self, request: Any) -> Any:
        page = await self.inner.render(request)
        self.done += 1
        return page


def ours(profile: Any, marks: tuple[int, ...] = ()) -> dict[str, Any]:
    """A night's crawl and parse; PSS peak, and PSS when the crawl passed each of ``marks`` pages."""
    from portalwatch.render.crawl import crawl
    from portalwatch.render.portal import PortalRenderer
    from portalwatch.settings import load_settings

    from .memory import PeakSampler

    at_mark: dict[int, float] = {}
    with PeakSampler() as sampler:
        renderer = _Counting(PortalRenderer(profile, load_settings()))

        async def watch() -> None:
            pending = list(marks)
            while pending:
                if renderer.done >= pending[0]:
                    at_mark[pending.pop(0)] = sampler.sample()
                await asyncio.sleep(0.05)

        async def go():
            watcher = asyncio.create_task(watch())
            async with renderer:
                result = await crawl(profile, renderer)
            watcher.cancel()
            return result

        started = time.perf_counter()
        result = asyncio.run(go())
        records = _parse(profile, result.pages)
        seconds = time.perf_counter() - started
    failed = sum(not p.ok for p in result.pages)
    if failed:
        raise RuntimeError(f"{failed} pages failed: {[p.error for p in result.pages if not p.ok][:3]}")
    return {"pages": len(result.pages), "seconds": seconds, "records": records, "peak": sampler.peak,
            "marks": at_mark, "urls": [(p.url, p.page_type) for p in result.pages]}


def naive(profile: Any, urls: list[tuple[str, str]]) -> dict[str, Any]:
    """One page at a time, a new context per page, every resource, the load event."""
    from playwright.async_api import async_playwright

    from portalwatch.render.base import RenderedPage
    from portalwatch.render.browser import find_chromium
    from portalwatch.settings import CHROMIUM_FLAGS, load_settings

    async def go() -> list:
        pages = []
        async with async_playwright() as pw:
            executable = find_chromium(load_settings().chromium_path, pw.chromium.executable_path)
            browser = await pw.chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS))
            for url, page_type in urls:
                context = await browser.new_context()
                page = await context.new_page()
                fetched_at = dt.datetime.now(dt.timezone.utc)
                response = await page.goto(url, wait_until="load")
                html = await page.content()
                pages.append(RenderedPage(url, page_type, response.status if response else 0, page.url, html,
                                          fetched_at))
                await context.close()
            await browser.close()
        return pages

    started = time.perf_counter()
    pages = asyncio.run(go())
    records = _parse(profile, pages)
    return {"pages": len(pages), "seconds": time.perf_counter() - started, "records": records}


def raw_http(profile: Any, urls: list[tuple[str, str]]) -> dict[str, Any]:
    """aiohttp, 8 connections, no browser: the download and parse of the same pages."""
    import aiohttp

    from portalwatch.render.base import RenderedPage

    async def go() -> list:
        gate = asyncio.Semaphore(8)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=8)) as client:
            async def one(url: str, page_type: str) -> RenderedPage:
                async with gate, client.get(url) as response:
                    text = await response.text()
                return RenderedPage(url, page_type, response.status, url, text,
                                    dt.datetime.now(dt.timezone.utc))
            return await asyncio.gather(*(one(u, t) for u, t in urls))

    started = time.perf_counter()
    pages = asyncio.run(go())
    records = _parse(profile, pages)
    return {"pages": len(pages), "seconds": time.perf_counter() - started, "records": records}


def _rate(result: dict[str, Any]) -> float:
    return result["pages"] / result["seconds"]


def run() -> list[tuple[str, str]]:
    from sample_portal import SamplePortal

    rows: list[tuple[str, str]] = []
    with SamplePortal("vungtau-2022", night=1, scale_units=UNITS, scale_rows=ROWS) as portal:
        ours(_profile(portal.base_url))      # untimed: fills the sample portal's page cache for everyone
        shipped = ours(_profile(portal.base_url))
        browser = ours(_profile(portal.base_url, browser_everywhere=True))
        units = [(u, t) for u, t in shipped["urls"] if t == "unit_page"][:NAIVE_PAGES]
        slow = naive(_profile(portal.base_url), units)
        raw = raw_http(_profile(portal.base_url), shipped["urls"])
    for name, result in (("ours (as shipped)", shipped), ("ours, every page in the browser", browser),
                         (f"naive browser crawler ({NAIVE_PAGES} unit pages)", slow),
                         ("raw HTTP download and parse, no browser", raw)):
        rows.append((f"render: {name}", f"{result['pages']:,} pages in {result['seconds']:.1f} s = "
                                        f"{_rate(result):.1f} pages/s ({result['records']:,} records)"))
    rows.append(("render: ours / naive", f"{_rate(shipped) / _rate(slow):.1f}x (target at least 8x); "
                                         f"every page in the browser: {_rate(browser) / _rate(slow):.1f}x"))
    rows.append(("render: raw HTTP / ours", f"{_rate(raw) / _rate(shipped):.2f}x (target at most 3x)"))
    rows.append((f"memory: peak PSS, {shipped['pages']:,} pages", f"{shipped['peak']:.0f} MiB as shipped; "
                                                                   f"{browser['peak']:.0f} MiB every page in the "
                                                                   f"browser (target under 1 GiB)"))
    for label, everywhere, size in (("as shipped", False, LONG_RUN),
                                    ("every page in the browser", True, LONG_RUN_BROWSER)):
        marks = tuple(range(size // 5, size + 1, size // 5))
        with SamplePortal("vungtau-2022", night=1, scale_units=size, scale_rows=ROWS) as portal:
            long = ours(_profile(portal.base_url, browser_everywhere=everywhere), marks)
        series = ", ".join(f"{n:,}: {long['marks'].get(n, float('nan')):.0f}" for n in marks)
        rows.append((f"memory: PSS over {long['pages']:,} pages, {label}",
                     f"{series} MiB; peak {long['peak']:.0f} MiB; {_rate(long):.1f} pages/s"))
    return rows


if __name__ == "__main__":
    for measure, value in run():
        print(f"{measure}: {value}")
