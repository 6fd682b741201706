"""Rendering: fetch the portal's pages (Chromium through Playwright, or plain HTTP).

``crawl`` (walking the portal as the profile says) lives in :mod:`portalwatch.render.crawl`; it is
not imported here so that extraction can use the page types without pulling in the crawler.
"""

from .base import PageRequest, RenderedPage, Renderer

__all__ = ["PageRequest", "RenderedPage", "Renderer"]
