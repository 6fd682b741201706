"""Fetch pages over plain HTTP, without a browser.

For page types the profile marks ``render: false`` (server-rendered pages), and as the measure of
what a browser costs. Redirects are followed only within the profile's allowed hosts.

The client is aiohttp: its C parser answers a conditional request (the 304 of an unchanged page,
most of a later night) in about a fifth of the time httpx's pure-Python stack takes, and a night
asks for every page of the portal (see BENCHMARKS.md, "Second night").
"""

from __future__ import annotations

import asyncio
import codecs
import datetime as dt
import time
from urllib.parse import urljoin, urlsplit

import aiohttp

from ..settings import MAX_PAGE_BYTES
from .base import PageRequest, RenderedPage
from .retry import asked_pause
from .throttle import Throttle

__all__ = ["HttpRenderer"]

_MAX_REDIRECTS = 5
#: Answers followed to their ``Location`` (as a browser follows them).
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Longest status or header line accepted: portals behind some gateways send cookies of several KiB.
_MAX_LINE = 65_536
_HEADERS = {"User-Agent": "portalwatch (data-quality monitor)", "Accept-Language": "vi"}


class HttpRenderer:
    """An aiohttp client with bounded connections; use as ``async with`` (the session is opened
    there, inside the event loop that uses it)."""

    def __init__(self, *, allowed_hosts: tuple[str, ...], concurrency: int = 8, timeout_s: float = 20.0,
                 max_page_bytes: int = MAX_PAGE_BYTES, throttle: Throttle | None = None) -> None:
        """``throttle``: spaces the requests out (shared with the browser when both fetch one portal)."""
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.max_page_bytes = max_page_bytes
        self._slots = asyncio.Semaphore(concurrency)
        self._throttle = throttle or Throttle()
        self._concurrency = concurrency
        # each step (connecting, then every read) may take timeout_s, as a browser's would
        self._timeout = aiohttp.ClientTimeout(total=None, connect=timeout_s, sock_connect=timeout_s,
                                              sock_read=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "HttpRenderer":
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._concurrency), timeout=self._timeout,
                headers=_HEADERS, trust_env=False, cookie_jar=aiohttp.CookieJar(unsafe=True),
                max_line_size=_MAX_LINE, max_field_size=_MAX_LINE)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and (parts.hostname or "").lower() in self.allowed_hosts

    async def render(self, request: PageRequest) -> RenderedPage:
        # At most `concurrency` requests are under way, each paced by the throttle as it starts:
        # thousands of pages queued in the connection pool would start whenever a connection frees.
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
        if self._session is None:
            raise RuntimeError("HttpRenderer is used as `async with HttpRenderer(...) as renderer`")
        try:
            for hop in range(_MAX_REDIRECTS + 1):
                if not self._allowed(url):
                    how = "redirected to a host" if hop else "host"
                    return RenderedPage(request.url, request.page_type, 0, url, "", started,
                                        error=f"{how} not in the profile's allowed_hosts: {url}", meta=meta)
                async with self._session.get(url, headers=_conditional(request, url),
                                             allow_redirects=False) as response:
                    status = response.status
                    if status == 304:  # unchanged since the copy we hold (see PortalRenderer)
                        await response.read()  # (empty) read to the end: the connection is reused
                        return RenderedPage(request.url, request.page_type, 304, url, "", started, meta=meta)
                    if status in _REDIRECTS and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    too_large = RenderedPage(request.url, request.page_type, 0, url, "", started, meta=meta,
                                             error=f"page too large: more than {self.max_page_bytes} bytes")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.max_page_bytes:
                        return too_large
                    body = bytearray()
                    async for chunk in response.content.iter_chunked(65_536):   # decompressed
                        body.extend(chunk)
                        if len(body) > self.max_page_bytes:
                            return too_large
                    text = bytes(body).decode(_encoding(response.charset), errors="replace")
                    if 200 <= status < 300:
                        for header, key in (("etag", "etag"), ("last-modified", "last_modified")):
                            if response.headers.get(header):
                                meta[key] = response.headers[header][:200]
                    meta.update(asked_pause(status, response.headers))
                    return RenderedPage(request.url, request.page_type, status, url, text, started, meta=meta)
            return RenderedPage(request.url, request.page_type, 0, url, "", started,
                                error=f"redirect loop: more than {_MAX_REDIRECTS} redirects", meta=meta)
        except asyncio.TimeoutError:
            return RenderedPage(request.url, request.page_type, 0, url, "", started, error="timed out", meta=meta)
        except (aiohttp.ClientError, ValueError) as exc:     # ValueError: a URL that cannot be asked for
            return RenderedPage(request.url, request.page_type, 0, url, "", started, error=failure(exc), meta=meta)


def _encoding(charset: str | None) -> str:
    """The page's declared charset when Python knows it, else UTF-8 (what the portal serves)."""
    if charset:
        try:
            return codecs.lookup(charset).name
        except LookupError:
            pass
    return "utf-8"


#: Names of the ways a request fails, as the page's error (and the night's notices) give them.
_FAILURES: tuple[tuple[type[BaseException], str], ...] = (
    (aiohttp.ClientConnectorError, "ConnectError"),          # refused, unreachable, no such host
    (aiohttp.ServerDisconnectedError, "RemoteProtocolError"),  # closed without an answer
    (aiohttp.ClientPayloadError, "ReadError"),                # the body cut short or badly encoded
    (aiohttp.ClientResponseError, "RemoteProtocolError"),     # not HTTP, or a malformed answer
    (ValueError, "InvalidURL"),                               # aiohttp's InvalidURL is one
    (aiohttp.ClientOSError, "ReadError"),                     # reset while reading
)


def failure(exc: BaseException) -> str:
    """``"ConnectError: Cannot connect to host …"``: what went wrong, named for ops, then the detail."""
    name = next((label for kind, label in _FAILURES if isinstance(exc, kind)), type(exc).__name__)
    detail = str(exc).strip()
    return f"{name}: {detail}" if detail else name


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
