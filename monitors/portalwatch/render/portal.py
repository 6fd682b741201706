"""The renderer a night uses: Chromium for pages that need JavaScript, plain HTTP for the others.

A browser costs ten to fifty times what a plain download does, so it is used only where it must
be: pages marked ``render: true``, and pages marked ``render: auto`` whose served HTML lacks the
``wait_for`` selector. The browser is started on the first page that needs it, so a profile whose
pages are all server-rendered never pays for one. It runs on an event loop of its own, in a thread
(:mod:`.threaded`), so that the plain downloads going on meanwhile do not hold up its messages.

Pages read over plain HTTP on an earlier night are asked for again conditionally (their ETag and
Last-Modified, kept in the store): a 304 reuses the copy kept, so an unchanged portal costs a few
small requests. A page answered 304 whose kept copy was seen to hold the ``wait_for`` selector
asked for tonight (``wait_for_seen``) is not parsed again to decide that it needs no browser.

A page drawn by the browser depends on more than its HTML: the scripts and data (XHR, fetch) it
loaded, which the browser lists with their validators (``meta["sources"]``). The next night asks
for each of them conditionally; if every one answers 304, the drawing kept is reused and no browser
starts; if one changed, the page is drawn again. A page whose script draws from the clock alone
would be missed: ``render.revalidate: false`` in the profile draws every such page every night.

A page on which the selector was found carries it as ``meta["wait_for_seen"]``: the store keeps it,
and the night's drift check takes it as proof that ``wait_for`` still matches.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, replace
from typing import Mapping

from ..profile.schema import Profile
from ..settings import Settings
from .base import PageRequest, RenderedPage
from .http import HttpRenderer
from .playwright import PlaywrightRenderer
from .threaded import LoopThrottle, ThreadedRenderer
from .throttle import Throttle

__all__ = ["PortalRenderer", "KeptPage"]


@dataclass(frozen=True, slots=True)
class KeptPage:
    """A page as an earlier night read it over plain HTTP: its validators and its HTML (as the store
    keeps it, zlib-compressed: a few KiB a page)."""

    compressed_html: bytes
    etag: str | None = None
    last_modified: str | None = None
    wait_for_seen: str | None = None     # the wait_for selector this copy was seen to hold
    #: for a page drawn by the browser: what it loaded, ``(url, etag, last_modified)`` each
    sources: tuple[tuple[str, str | None, str | None], ...] = ()

    def html(self) -> str:
        import zlib

        return zlib.decompress(self.compressed_html).decode("utf-8")


def _drawn(html: str, selector: str | None) -> bool:
    """Whether the served HTML already holds ``selector`` (a page that needs no browser)."""
    from parsel import Selector

    return bool(selector) and bool(Selector(text=html).css(selector))


class PortalRenderer:
    """Dispatches each request on ``request.render``; use as ``async with``."""

    def __init__(self, profile: Profile, settings: Settings | None = None, *,
                 kept: Mapping[str, KeptPage] | None = None) -> None:
        """``kept``: pages of an earlier night by URL, asked for conditionally."""
        settings = settings or Settings()
        self._kept = kept or {}
        self._revalidate = profile.render.revalidate
        self.not_modified = 0
        self.drawings_kept = 0               # pages drawn on an earlier night whose sources all answered 304
        #: sources asked for tonight, by (url, etag, last_modified): whether they answered 304. A script
        #: that every drawn page loads is asked for once a night, not once a page.
        self._unchanged: dict[tuple[str, str | None, str | None], bool] = {}
        rules = profile.render
        # one pace for the portal, however a page is fetched
        self.throttle = throttle = Throttle(rules.delay_s, auto=rules.auto_throttle,
                                            target_concurrency=rules.target_concurrency,
                                            max_delay_s=rules.max_delay_s)
        # The browser runs on a loop of its own (see .threaded), spaced by the same throttle.
        self._browser = ThreadedRenderer(lambda caller: PlaywrightRenderer(
            allowed_hosts=profile.allowed_hosts, concurrency=rules.concurrency,
            timeout_s=rules.timeout_s, block=rules.block, throttle=LoopThrottle(throttle, caller),
            chromium_path=settings.chromium_path, max_page_bytes=settings.max_page_bytes))
        self._http = HttpRenderer(allowed_hosts=profile.allowed_hosts,
                                  concurrency=rules.http_concurrency or max(8, rules.concurrency),
                                  timeout_s=rules.timeout_s, max_page_bytes=settings.max_page_bytes,
                                  throttle=throttle)
        self._retries = settings.render_retries
        self._backoff_s = settings.retry_backoff_s
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
        return self._browser.inner.blocked_requests if self._browser.inner is not None else 0

    async def render(self, request: PageRequest) -> RenderedPage:
        """The page, fetched again with backoff while it fails with a 5xx, 429 or timeout."""
        from .retry import render_with_retries

        return await render_with_retries(self._render_once, request, retries=self._retries,
                                         backoff_s=self._backoff_s)

    async def _render_once(self, request: PageRequest) -> RenderedPage:
        kept = self._kept.get(request.url)
        if (kept is not None and kept.sources and self._revalidate and request.render is not False
                and request.wait_for and kept.wait_for_seen == request.wait_for):
            page = await self._drawing_kept(request, kept)
            if page is not None:
                return page
        if request.render is True:
            return await self._in_browser(request)
        page = await self._over_http(request)
        if request.render != "auto" or not page.ok:
            return page
        if request.wait_for and page.meta.get("wait_for_seen") == request.wait_for:
            return page                      # a 304 of a copy already seen to hold it
        if not _drawn(page.html, request.wait_for):
            return await self._in_browser(request)
        return replace(page, meta={**page.meta, "wait_for_seen": request.wait_for})

    async def _drawing_kept(self, request: PageRequest, kept: KeptPage) -> RenderedPage | None:
        """The drawing kept from an earlier night, if its HTML and every script and data response it
        loaded answer 304 tonight; else None (draw it again). Asks one at a time and stops at the
        first that changed."""
        started = dt.datetime.now(dt.timezone.utc)
        for source in kept.sources:
            if source not in self._unchanged:
                url, etag, last_modified = source
                validators = {"etag": etag, "last_modified": last_modified}
                checked = await self._http.render(PageRequest(url=url, page_type=request.page_type, render=False,
                                                              meta={"validators": validators}))
                self._unchanged[source] = checked.status == 304
            if not self._unchanged[source]:
                return None
        self.not_modified += 1
        self.drawings_kept += 1
        meta = {**request.meta, "via": "browser", "not_modified": True, "wait_for_seen": kept.wait_for_seen,
                "sources": [list(source) for source in kept.sources]}
        return RenderedPage(request.url, request.page_type, 200, request.url, kept.html(), started, meta=meta)

    async def _over_http(self, request: PageRequest) -> RenderedPage:
        kept = self._kept.get(request.url)
        if kept is None or kept.sources:     # a drawing is no copy of the served HTML
            return await self._http.render(request)
        validators = {"etag": kept.etag, "last_modified": kept.last_modified}
        page = await self._http.render(replace(request, meta={**request.meta, "validators": validators}))
        if page.status != 304:
            return page
        html = kept.html()
        self.not_modified += 1
        meta = {**page.meta, "not_modified": True, "etag": kept.etag, "last_modified": kept.last_modified}
        meta.pop("validators", None)
        if kept.wait_for_seen:
            meta["wait_for_seen"] = kept.wait_for_seen
        return replace(page, status=200, html=html, meta=meta)

    async def _in_browser(self, request: PageRequest) -> RenderedPage:
        async with self._lock:
            if not self._browser_started:
                await self._browser.__aenter__()
                self._browser_started = True
        page = await self._browser.render(request)
        return replace(page, meta={**page.meta, "via": "browser"})
