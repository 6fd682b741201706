"""Turn rendered pages into raw records, one per page (unit pages) or per row (tables).

A raw record holds the values as the site wrote them, plus where they came from (page URL, HTTP
status, the link text that led there). Normalisation happens later.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any
from urllib.parse import urldefrag, urljoin

from lxml import etree
from parsel import Selector

from ..profile.schema import LinkSpec, PageSpec
from ..render.base import RenderedPage
from ..urls import http_url
from .fields import matches, read_rows, text_of
from .kept import KeptRecords

logger = logging.getLogger(__name__)

__all__ = ["absolute_url", "extract_links", "extract_records", "extract_next_page", "known_records", "parse_page",
           "parse_records"]


def parse_page(page: RenderedPage) -> Selector:
    """Parse the page in Unicode NFC, so labels and selectors match a page served in NFD too."""
    return Selector(text=unicodedata.normalize("NFC", page.html or "<html></html>"), base_url=page.final_url)


def absolute_url(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base``, without its fragment; None when it is not a web
    address that can be asked for ("http://[bad", a port that is not a number). A link is the
    portal's text: one malformed link must cost that link, not the night."""
    try:
        url = urldefrag(urljoin(base, href.strip())).url
    except ValueError:
        return None
    return url if http_url(url) is not None else None


def extract_links(page: RenderedPage, spec: LinkSpec) -> list[tuple[str, str]]:
    """(absolute URL, link text) of every link the spec selects, in page order, de-duplicated; a
    link that is not a web address is left out (and logged)."""
    seen: set[str] = set()
    links = []
    for match in matches(parse_page(page), spec.css, spec.xpath):
        href = match.get("href") if isinstance(match, etree._Element) else None
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = absolute_url(page.final_url, href)
        if url is None:
            logger.warning("link %r on %s is not a web address: not followed", href[:200], page.url)
            continue
        if url not in seen:
            seen.add(url)
            links.append((url, text_of(match)))
    return links


def extract_next_page(page: RenderedPage, css: str) -> str | None:
    """The absolute URL of the "next page" link, if any."""
    match = parse_page(page).css(css)
    href = match.attrib.get("href") if match else None
    url = absolute_url(page.final_url, href) if href else None
    if href and url is None:
        logger.warning("next-page link %r on %s is not a web address: pagination stops", href[:200], page.url)
    return url


def _origin(page: RenderedPage) -> dict[str, Any]:
    return {"page_url": page.url, "http_status": page.status, "link_text": page.meta.get("link_text", ""),
            "page_type": page.page_type}


def extract_records(page: RenderedPage, spec: PageSpec, kept: KeptRecords | None = None) -> list[dict[str, Any]]:
    """Raw records of one page: one per ``rows`` match, or one for the whole page.

    A page that failed (no answer, 4xx/5xx) still yields one record with its status and no field,
    so the unit behind it is reported as unreachable rather than forgotten. With ``kept``, a page
    unchanged since the last night gives last night's field values under tonight's origin.
    """
    known = known_records(page, spec, kept)
    return known if known is not None else parse_records(page, spec)


def known_records(page: RenderedPage, spec: PageSpec, kept: KeptRecords | None = None) -> list[dict[str, Any]] | None:
    """The records of a page that need no parsing (a page that failed; with ``kept``, a page
    unchanged since the last night), or None for a page to parse."""
    if not page.ok:
        return [] if spec.rows else [_origin(page)]
    reused = kept.lookup(page) if kept is not None else None
    if reused is None:
        return None
    return [{**_origin(page), **{f.name: values.get(f.name) for f in spec.fields}} for values in reused]


def parse_records(page: RenderedPage, spec: PageSpec) -> list[dict[str, Any]]:
    """Records of a page that answered, read from its HTML."""
    root = parse_page(page).root
    nodes = matches(root, spec.rows, None) if spec.rows else [root]
    origin = _origin(page)
    return [{**origin, **values} for values in read_rows(root, nodes, spec.fields)]
