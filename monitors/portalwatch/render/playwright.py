"""Render pages in one headless Chromium with Playwright.

Cheap by design, because the browser is the cost of a night: one browser, one context and its pages
reused (a tab closed after ``page_recycle_after`` pages and the context replaced every
``recycle_after``, since long-lived tabs and contexts grow), a bounded number of pages at once,
images/fonts/media and every host outside the profile's allowlist blocked, and waiting for the
selector the profile needs rather than for network idle.

A page drawn here carries ``meta["sources"]``: its HTML and every script and data response (XHR,
fetch) it loaded, each with its validators (ETag, Last-Modified). The next night asks for them
conditionally and, if every one answers 304, keeps the drawing instead of drawing it again
(:class:`~portalwatch.render.portal.PortalRenderer`). A page that loaded one without validators, or
one that failed, carries no sources: it is drawn every night.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..errors import BrowserUnavailable
from ..settings import CHROMIUM_FLAGS, MAX_PAGE_BYTES
from .base import PageRequest, RenderedPage
from .browser import find_chromium
from .retry import asked_pause
from .threaded import LoopThrottle
from .throttle import Throttle

__all__ = ["PlaywrightRenderer", "SOURCE_TYPES"]

logger = logging.getLogger(__name__)

#: The responses that decide what a page shows once drawn; stylesheets, images and fonts change its
#: look, not its text.
SOURCE_TYPES = frozenset({"document", "script", "xhr", "fetch"})
#: A tab whose page came to more characters than this is closed once read (see ``render``).
RETIRE_TAB_AFTER_CHARS = 1_000_000


class _Sources:
    """The responses one page's drawing depends on, as they come (a listener on the page)."""

    def __init__(self, allowed, blocked: frozenset[str]) -> None:
        self._allowed = allowed
        self._blocked = blocked              # refused by the profile every night alike
        self.seen: dict[str, tuple[str, str | None, str | None]] = {}
        self.complete = True                 # False once one has no validators, failed, or was not 200

    def response(self, response: Any) -> None:
        if response.request.resource_type not in SOURCE_TYPES or not self._allowed(response.url):
            return
        headers = response.headers
        etag, modified = headers.get("etag"), headers.get("last-modified")
        if response.status != 200 or not (etag or modified):
            self.complete = False
        self.seen[response.url] = (response.url, etag and etag[:200], modified and modified[:64])

    def failed(self, request: Any) -> None:
        if (request.resource_type in SOURCE_TYPES and request.resource_type not in self._blocked
                and self._allowed(request.url)):
            self.complete = False

    def listed(self) -> list[list[str | None]] | None:
        """``[[url, etag, last_modified], ...]``, or None when the drawing cannot be revalidated."""
        return [list(source) for source in self.seen.values()] if self.complete and self.seen else None


class PlaywrightRenderer:
    """A pool of Chromium pages over one browser; use as ``async with``."""

    def __init__(self, *, allowed_hosts: tuple[str, ...], concurrency: int = 4, timeout_s: float = 20.0,
                 block: tuple[str, ...] = ("image", "font", "media"), chromium_path: str | None = None,
                 recycle_after: int = 500, page_recycle_after: int = 20,
                 max_page_bytes: int = MAX_PAGE_BYTES, throttle: Throttle | LoopThrottle | None = None) -> None:
        """``throttle``: spaces the page requests out (shared with plain HTTP when both fetch one
        portal, through a :class:`~.threaded.LoopThrottle` when the browser has a loop of its own);
        what a page loads to draw itself (its scripts and data) is not spaced."""
        self._throttle = throttle or Throttle()
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.max_page_bytes = max_page_bytes
        self.timeout_ms = int(timeout_s * 1000)
        self.block = frozenset(block)
        self.chromium_path = chromium_path
        self.recycle_after = recycle_after
        # A tab's renderer process keeps growing as it navigates (from ~45 MB to ~200 MB after
        # ~75 pages here): a tab is closed after this many pages, so memory stays flat.
        self.page_recycle_after = page_recycle_after
        self._slots = asyncio.Semaphore(concurrency)
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._context_uses = 0
        self._context_lock = asyncio.Lock()
        self._idle: list[Any] = []
        self._uses: dict[int, int] = {}  # id(page) -> navigations made in that tab
        self.blocked_requests = 0
        self.tabs_opened = 0
        self._refused: dict[str, str] = {}  # navigation URL -> why it was refused (a redirect)

    async def __aenter__(self) -> "PlaywrightRenderer":
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        self._playwright = await async_playwright().start()
        chromium = self._playwright.chromium
        try:
            executable = find_chromium(self.chromium_path, chromium.executable_path)
            self._browser = await chromium.launch(executable_path=executable, args=[*CHROMIUM_FLAGS, self._resolver_rule()],
                                                  headless=True)
        except (PlaywrightError, BrowserUnavailable) as exc:
            await self._playwright.stop()
            if isinstance(exc, BrowserUnavailable):
                raise
            raise BrowserUnavailable(f"Chromium could not be started: {str(exc).splitlines()[0]}") from exc
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._browser is not None:
                await self._browser.close()
        finally:
            if self._playwright is not None:
                await self._playwright.stop()

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        return parts.scheme in ("http", "https") and (parts.hostname or "").lower() in self.allowed_hosts

    def _resolver_rule(self) -> str:
        """Chromium resolves no host name but the allowed ones: a redirect of a script or an XHR, which
        routing does not see, cannot reach another host either."""
        return "--host-resolver-rules=MAP * ~NOTFOUND" + "".join(f", EXCLUDE {h}" for h in sorted(self.allowed_hosts))

    async def _route(self, route: Any) -> None:
        request = route.request
        if request.resource_type in self.block or not self._allowed(request.url):
            self.blocked_requests += 1
            await route.abort("blockedbyclient")
        elif request.is_navigation_request() and request.method == "GET":
            await self._navigate(route)
        else:
            await route.continue_()

    async def _navigate(self, route: Any, max_redirects: int = 10) -> None:
        """Fetch a navigation hop by hop, since Chromium does not route the hops of a redirect: a hop to
        a host outside the allowlist, or a redirect loop, ends it with an error that says so."""
        url = start = route.request.url
        for _ in range(max_redirects + 1):
            try:
                response = await route.fetch(url=url, max_redirects=0, timeout=self.timeout_ms)
            except Exception as exc:  # no answer: the page records why, as when Chromium fetches it
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self._refused[start] = reason.removeprefix("Route.fetch: ")
                await route.abort("failed")
                return
            location = response.headers.get("location")
            if not (300 <= response.status < 400 and location):
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_page_bytes:
                    self._refused[start] = f"page too large: more than {self.max_page_bytes} bytes"
                    await response.dispose()
                    await route.abort("failed")
                    return
                if url == start:
                    await route.fulfill(response=response)
                else:  # one hop to the URL just checked, for the page to know its address
                    await route.fulfill(status=302, headers={"location": url})
                return
            url = urljoin(url, location)
            if not self._allowed(url):
                self._refused[start] = f"redirected to a host not in the profile's allowed_hosts: {url}"
                self.blocked_requests += 1
                await route.abort("blockedbyclient")
                return
        self._refused[start] = f"redirect loop: more than {max_redirects} redirects"
        await route.abort("failed")

    async def _new_context(self) -> Any:
        context = await self._browser.new_context(
            locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=False,
            java_script_enabled=True, service_workers="block")
        context.set_default_timeout(self.timeout_ms)
        await context.route("**/*", self._route)
        return context

    async def _acquire(self) -> Any:
        """An idle page of the current context, or a new one (opening a page costs ~150 ms)."""
        async with self._context_lock:
            if self._context is None or self._context_uses >= self.recycle_after:
                if self._context is not None:
                    await self._retire(self._context)
                self._context, self._context_uses = await self._new_context(), 0
            self._context_uses += 1
            while self._idle:
                page = self._idle.pop()
                if not page.is_closed():
                    return page
            self.tabs_opened += 1
            return await self._context.new_page()

    async def _release(self, page: Any, retire: bool = False) -> None:
        uses = self._uses.pop(id(page), 0) + 1
        async with self._context_lock:
            if (page.context is self._context and not page.is_closed() and uses < self.page_recycle_after
                    and not retire):
                self._uses[id(page)] = uses
                self._idle.append(page)
                return
        await page.close()
        if not page.context.pages and page.context is not self._context:
            await page.context.close()

    async def _retire(self, context: Any) -> None:
        """Close a context's idle pages now; pages still rendering close it when they finish."""
        for page in [p for p in self._idle if p.context is context]:
            self._idle.remove(page)
            await page.close()
        if not context.pages:
            await context.close()

    async def _too_large(self, response: Any, page: Any) -> bool:
        """Whether the page is over ``max_page_bytes``: by its Content-Length, else measured in the
        browser, so an oversized page's HTML is never copied out of it."""
        declared = (response.headers.get("content-length", "") if response is not None else "")
        if declared.isdigit() and int(declared) > self.max_page_bytes:
            return True
        size = await page.evaluate("() => document.documentElement ? document.documentElement.outerHTML.length : 0")
        return int(size or 0) > self.max_page_bytes

    async def render(self, request: PageRequest) -> RenderedPage:
        """Load ``request.url``; never raises for a page problem, the page records it instead."""
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        started = dt.datetime.now(dt.timezone.utc)
        if not self._allowed(request.url):
            return RenderedPage(request.url, request.page_type, 0, request.url, "", started,
                                error="host not in the profile's allowed_hosts", meta=dict(request.meta))
        async with self._slots:
            page = await self._acquire()
            meta = dict(request.meta)
            retire = False
            sources = _Sources(self._allowed, self.block)
            page.on("response", sources.response)
            page.on("requestfailed", sources.failed)
            try:
                await self._throttle.wait()
                asked = time.monotonic()
                try:
                    response = await page.goto(request.url, wait_until="domcontentloaded", timeout=self.timeout_ms)
                except PlaywrightTimeout:
                    self._throttle.observe(time.monotonic() - asked, 0)
                    raise
                status = response.status if response is not None else 0
                self._throttle.observe(time.monotonic() - asked, status)
                if response is not None:
                    meta.update(asked_pause(status, response.headers))
                if request.wait_for and 200 <= status < 300:
                    try:
                        await page.wait_for_selector(request.wait_for, state="attached", timeout=self.timeout_ms)
                        meta["wait_for_seen"] = request.wait_for
                    except PlaywrightTimeout:
                        meta["wait_for_missing"] = request.wait_for
                if await self._too_large(response, page):
                    return RenderedPage(request.url, request.page_type, 0, page.url, "", started, meta=meta,
                                        error=f"page too large: more than {self.max_page_bytes} bytes")
                html = await page.content()
                # A tab keeps what it drew until it navigates again: one that drew a large page (the
                # directory) is closed, not kept idle holding that page's DOM for the rest of the night.
                retire = len(html) > RETIRE_TAB_AFTER_CHARS
                listed = sources.listed()
                if listed and status == 200 and meta.get("wait_for_seen"):
                    meta["sources"] = listed
                return RenderedPage(request.url, request.page_type, status, page.url, html, started, meta=meta)
            except PlaywrightTimeout:
                self._refused.pop(request.url, None)
                return RenderedPage(request.url, request.page_type, 0, request.url, "", started,
                                    error=f"timed out after {self.timeout_ms / 1000:g} s", meta=meta)
            except PlaywrightError as exc:
                message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                refused = self._refused.pop(request.url, None)
                if refused:
                    message = refused
                elif "ERR_TOO_MANY_REDIRECTS" in message:
                    message = f"redirect loop ({message})"
                return RenderedPage(request.url, request.page_type, 0, request.url, "", started,
                                    error=message, meta=meta)
            finally:
                page.remove_listener("response", sources.response)
                page.remove_listener("requestfailed", sources.failed)
                await self._release(page, retire)
