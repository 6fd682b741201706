"""Walk the portal as the profile describes: start URLs, links to other page types, pagination.

Bounded (pages per type by ``max_pages`` for pagination, and ``max_total`` for the whole night), so
an endless pagination or a link farm cannot run a night forever. A page's links are followed as
soon as it arrives, not when every page found with it has: the unit pages listed by the index do
not wait for the directory the browser is still drawing. The pages come out in breadth-first
order all the same (start URLs, then what each led to, in the order it listed them), whatever
order they arrived in.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from ..extract.records import extract_links, extract_next_page
from ..profile.schema import Profile
from .base import PageRequest, RenderedPage, Renderer

__all__ = ["crawl", "CrawlResult"]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class CrawlResult:
    pages: list[RenderedPage] = field(default_factory=list)
    skipped_links: list[str] = field(default_factory=list)   # outside allowed hosts
    truncated: bool = False                                    # max_total reached
    pagination_capped: list[tuple[str, str]] = field(default_factory=list)  # (page type, next URL not followed)
    #: with ``render.auto_throttle``: seconds between requests at the end of the crawl, and at most
    pace: tuple[float, float] | None = None

    def __repr__(self) -> str:
        # A summary: asyncio.run formats the repr of its task's result on Python 3.11 (when it
        # restores the SIGINT handler), and every page's repr cost a quarter of a second a night.
        return (f"CrawlResult({len(self.pages)} pages, {len(self.skipped_links)} skipped links, "
                f"truncated={self.truncated})")

    def of_type(self, page_type: str) -> list[RenderedPage]:
        return [p for p in self.pages if p.page_type == page_type]


def _request(profile: Profile, url: str, page_type: str, **meta: object) -> PageRequest:
    spec = profile.page(page_type)
    return PageRequest(url=url, page_type=page_type, render=spec.render, wait_for=spec.wait_for, meta=dict(meta))


async def crawl(profile: Profile, renderer: Renderer, *, max_total: int = 20_000,
                per_type: int | None = None) -> CrawlResult:
    """Render every page the profile leads to; a page's failure is recorded, never raised.

    ``per_type`` caps the pages of each page type (``profile check`` samples a few of each).
    """
    result = CrawlResult()
    seen: set[str] = set()
    counts: dict[str, int] = {}
    allowed = {h.lower() for h in profile.allowed_hosts}
    #: each page by its place in breadth-first order: (depth, its parent's place..., its rank there)
    arrived: list[tuple[tuple[int, ...], RenderedPage]] = []
    running: set[asyncio.Task] = set()
    # Each page's task puts itself here when done. asyncio.wait(FIRST_COMPLETED) would hook and
    # unhook every running task at each wake: with 2,000 unit pages in flight, some 360,000 calls.
    finished: asyncio.Queue[asyncio.Task] = asyncio.Queue()

    async def fetch(place: tuple[int, ...], request: PageRequest) -> tuple[tuple[int, ...], RenderedPage]:
        return place, await renderer.render(request)

    def admit(parent: tuple[int, ...], requests: list[PageRequest]) -> None:
        for rank, request in enumerate(requests):
            if request.url in seen:
                continue
            if per_type is not None and counts.get(request.page_type, 0) >= per_type:
                continue
            if len(seen) >= max_total:
                if not result.truncated:
                    logger.warning("crawl stopped at %d pages (max_total)", max_total)
                result.truncated = True
                break
            seen.add(request.url)
            counts[request.page_type] = counts.get(request.page_type, 0) + 1
            task = asyncio.ensure_future(fetch(parent + (rank,), request))
            task.add_done_callback(finished.put_nowait)
            running.add(task)

    admit((), [_request(profile, urljoin(profile.base_url, url), spec.name, depth=1)
               for spec in profile.pages.values() for url in spec.urls])
    try:
        while running:
            done = [await finished.get()]
            while not finished.empty():         # every page in by now, taken in breadth-first order
                done.append(finished.get_nowait())
            running.difference_update(done)
            for place, page in sorted((task.result() for task in done), key=lambda item: _order(item[0])):
                arrived.append((place, page))
                admit(place, _followed(profile, page, allowed, result))
    finally:
        for task in running:             # a renderer that raised: nothing is left running
            task.cancel()
    result.pages = [page for _, page in sorted(arrived, key=lambda item: _order(item[0]))]
    return result


def _order(place: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """Breadth-first order: shallower first, then by the places of the pages that led there."""
    return len(place), place


def _followed(profile: Profile, page: RenderedPage, allowed: set[str], result: CrawlResult) -> list[PageRequest]:
    """The requests a page leads to: its links to other page types, then its next page."""
    if not page.ok:
        return []
    spec = profile.page(page.page_type)
    requests = []
    for link in spec.links:
        for url, text in extract_links(page, link):
            if (urlsplit(url).hostname or "").lower() not in allowed:
                result.skipped_links.append(url)
                continue
            requests.append(_request(profile, url, link.to, link_text=text, depth=1))
    depth = int(page.meta.get("depth", 1))
    if spec.next_page:
        url = extract_next_page(page, spec.next_page)
        if url and depth >= spec.max_pages:
            # a "next" link still there after max_pages pages: endless pagination, or the bound
            # is too low for the portal; either way ops are told (a run notice)
            result.pagination_capped.append((page.page_type, url))
            logger.warning("pagination of %s stopped at %d pages (max_pages)", page.page_type,
                           spec.max_pages)
        elif url and (urlsplit(url).hostname or "").lower() in allowed:
            requests.append(_request(profile, url, page.page_type, depth=depth + 1))
    return requests
