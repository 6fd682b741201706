"""Walk the portal as the profile describes: start URLs, links to other page types, pagination.

Breadth-first and bounded (pages per type by ``max_pages`` for pagination, and ``max_total`` for the
whole night), so an endless pagination or a link farm cannot run a night forever.
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
    frontier = []
    for spec in profile.pages.values():
        for url in spec.urls:
            frontier.append(_request(profile, urljoin(profile.base_url, url), spec.name, depth=1))

    while frontier:
        batch = []
        for request in frontier:
            if request.url in seen:
                continue
            if per_type is not None and counts.get(request.page_type, 0) >= per_type:
                continue
            if len(seen) >= max_total:
                result.truncated = True
                logger.warning("crawl stopped at %d pages (max_total)", max_total)
                break
            seen.add(request.url)
            counts[request.page_type] = counts.get(request.page_type, 0) + 1
            batch.append(request)
        pages = await asyncio.gather(*(renderer.render(r) for r in batch))
        frontier = []
        for page in pages:
            result.pages.append(page)
            if not page.ok:
                continue
            spec = profile.page(page.page_type)
            for link in spec.links:
                for url, text in extract_links(page, link):
                    if (urlsplit(url).hostname or "").lower() not in allowed:
                        result.skipped_links.append(url)
                        continue
                    frontier.append(_request(profile, url, link.to, link_text=text, depth=1))
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
                    frontier.append(_request(profile, url, page.page_type, depth=depth + 1))
    return result
