"""Fetch pages over plain HTTP, without a browser.

For page types the profile marks ``render: false`` (server-rendered pages), and as the measure of
what a browser costs. Redirects are followed only within the profile's allowed hosts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from urllib.parse import urljoin, urlsplit

import httpx

from ..settings import MAX_PAGE_BYTES
from .base import PageRequest, RenderedPage
from .retry import asked_pause
from .throttle import Throttle

__all__ = ["HttpRenderer"]

_MAX_REDIRECTS = 5


class HttpRenderer:
    """An httpx client with bounded connections; use as ``async with``."""

    def __init__(self, *, allowed_hosts: tuple[str, ...], concurrency: int = 8, timeout_s: float = 20.0,
                 max_page_bytes: int = MAX_PAGE_BYTES, throttle: Throttle | None = None) -> None:
        """``throttle``: spaces the requests out (shared with the browser when both fetch one portal)."""
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.max_page_bytes = max_page_bytes
        self._slots = asyncio.Semaphore(concurrency)
        self._throttle = throttle or Throttle()
        self._client = httpx.AsyncClient(
            timeout=timeout_s, follow_redirects=False, trust_env=False,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"User-Agent": "portalwatch (data-quality monitor)", "Accept-Language": "vi"})

    async def __aenter__(self) -> "HttpRenderer":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and (parts.hostname or "").lower() in self.allowed_hosts

    async def render(self, request: PageRequest) -> RenderedPage:
        # At most `concurrency` requests reach the connection pool at once: httpcore looks over
        # every queued request for each free connection, which is quadratic with thousands queued.
        async with self._slots:
            await self._throttle.wait()
            started = time.monotonic()
            page = await self._render(request)
            self._throttle.observe(time.monotonic() - started, page.status)
            return page

    async def _render(self, request: PageRequest) -> RenderedPage:
        started = dt.datetime.now(dt.timezone.utc)
        url = request.url
        meta = dict(request.meta)
        meta.pop("validators", None)
        meta["via"] = "http"
        try:
            for hop in range(_MAX_REDIRECTS + 1):
                if not self._allowed(url):
                    how = "redirected to a host" if hop else "host"
                    return RenderedPage(request.url, request.page_type, 0, url, "", started,
                                        error=f"{how} not in the profile's allowed_hosts: {url}", meta=meta)
                async with self._client.stream("GET", url, headers=_conditional(request, url)) as response:
                    if response.status_code == 304:  # unchanged since the copy we hold (see PortalRenderer)
                        await response.aread()  # (empty) read to the end: the connection is reused
                        return RenderedPage(request.url, request.page_type, 304, url, "", started, meta=meta)
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    too_large = RenderedPage(request.url, request.page_type, 0, url, "", started, meta=meta,
                                             error=f"page too large: more than {self.max_page_bytes} bytes")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.max_page_bytes:
                        return too_large
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body.extend(chunk)
                        if len(body) > self.max_page_bytes:
                            return too_large
                    text = bytes(body).decode(response.encoding or "utf-8", errors="replace")
                    if 200 <= response.status_code < 300:
                        for header, key in (("etag", "etag"), ("last-modified", "last_modified")):
                            if response.headers.get(header):
                                meta[key] = response.headers[header][:200]
                    meta.update(asked_pause(response.status_code, response.headers))
                    return RenderedPage(request.url, request.page_type, response.status_code, url, text,
                                        started, meta=meta)
            return RenderedPage(request.url, request.page_type, 0, url, "", started,
                                error=f"redirect loop: more than {_MAX_REDIRECTS} redirects", meta=meta)
        except httpx.TimeoutException:
            return RenderedPage(request.url, request.page_type, 0, url, "", started, error="timed out", meta=meta)
        except httpx.HTTPError as exc:
            return RenderedPage(request.url, request.page_type, 0, url, "", started,
                                error=f"{type(exc).__name__}: {exc}", meta=meta)


def _conditional(request: PageRequest, url: str) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the copy of the page kept from an earlier night
    (``request.meta["validators"]``), for the URL that copy was served at only."""
    validators = request.meta.get("validators")
    if not validators or url != request.url:
        return {}
    headers = {}
    if validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    return headers
