"""What the renderer hands on: pages as fetched, and the interface any renderer offers.

The renderer is a seam, as transports are in httpx: extraction tests run on saved HTML, integration tests
on real Chromium, and a plain-HTTP renderer serves pages that need no JavaScript.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["PageRequest", "RenderedPage", "Renderer"]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page to fetch, with what the profile knows about it."""

    url: str
    page_type: str
    render: bool | str = True            # True: the browser; False: plain HTTP; "auto": HTTP, else the browser
    wait_for: str | None = None          # CSS selector that says the page is drawn
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page as the portal served it; ``status`` 0 means no HTTP answer (``error`` says why)."""

    url: str
    page_type: str
    status: int
    final_url: str
    html: str = field(repr=False)        # a logged page shows where it came from, not its megabytes
    fetched_at: dt.datetime
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        # A page drawn by JavaScript can hold lone surrogates (String.fromCharCode(0xD800)), which no
        # parser, hash or store accepts: they become U+FFFD here, where every page comes in.
        if self.html and not self.html.isascii():
            try:
                self.html.encode("utf-8")
            except UnicodeEncodeError:
                object.__setattr__(self, "html", self.html.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300


class Renderer(Protocol):
    """Fetches pages. Implementations are async context managers holding their connections."""

    async def __aenter__(self) -> "Renderer": ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def render(self, request: PageRequest) -> RenderedPage: ...
