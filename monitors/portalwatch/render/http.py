"""Fetch pages over plain HTTP, without a browser.

For page types the profile marks ``render: false`` (server-rendered pages), and as the measure of
what a browser costs. Redirects are followed only within the profile's allowed hosts.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin, urlsplit

import httpx

from .base import PageRequest, RenderedPage

__all__ = ["HttpRenderer"]

_MAX_REDIRECTS = 5
_MAX_BYTES = 10 * 1024 * 1024


class HttpRenderer:
    """An httpx client with bounded connections; use as ``async with``."""

    def __init__(self, *, allowed_hosts: tuple[str, ...], concurrency: int = 8, timeout_s: float = 20.0) -> None:
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
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
        started = dt.datetime.now(dt.timezone.utc)
        url = request.url
        meta = dict(request.meta)
        try:
            for _ in range(_MAX_REDIRECTS + 1):
                if not self._allowed(url):
                    return RenderedPage(request.url, request.page_type, 0, url, "", started,
                                        error=f"host not in the profile's allowed_hosts: {url}", meta=meta)
                async with self._client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body.extend(chunk)
                        if len(body) > _MAX_BYTES:
                            meta["truncated"] = True
                            break
                    text = bytes(body).decode(response.encoding or "utf-8", errors="replace")
                    return RenderedPage(request.url, request.page_type, response.status_code, url, text,
                                        started, meta=meta)
            return RenderedPage(request.url, request.page_type, 0, url, "", started,
                                error=f"more than {_MAX_REDIRECTS} redirects", meta=meta)
        except httpx.TimeoutException:
            return RenderedPage(request.url, request.page_type, 0, url, "", started, error="timed out", meta=meta)
        except httpx.HTTPError as exc:
            return RenderedPage(request.url, request.page_type, 0, url, "", started,
                                error=f"{type(exc).__name__}: {exc}", meta=meta)
