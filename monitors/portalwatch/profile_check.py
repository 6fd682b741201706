"""``portalwatch profile check``: does the profile still read the portal?

Portals change their markup; a selector that silently matches nothing is the classic failure of
page monitors. This renders a sample of each page type and reports, per field, on how many pages
(or rows) the selector matched and a few example values. A required field, a row selector or a
link selector that matches nothing anywhere is layout drift: the check fails (exit 4) and says
which selector to fix. So is a start page that answers 4xx (moved), and a profile that reaches no unit
page or no directory page at all. So is a date field whose values are there but none of which the profile's
``dates.formats`` reads: a night would leave every such date empty and its freshness unknown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Mapping

from .extract.fields import read_field
from .extract.records import extract_links, parse_page
from .normalise.dates import parse_date
from .normalise.text import clean_text, is_placeholder
from .profile.schema import UNIT_PAGE, Profile
from .render.base import RenderedPage
from .settings import Settings

__all__ = ["SelectorReport", "DateReport", "CheckReport", "check_profile", "check_pages", "check_dates",
           "date_fields", "broken_selectors", "start_pages_gone", "unread_types", "page_wide_row_fields"]


@dataclass(slots=True)
class SelectorReport:
    page_type: str
    name: str                 # field name, "rows", "links -> unit_page" or "wait_for"
    selector: str
    matched: int              # pages (or rows) where it matched
    total: int                # pages (or rows) looked at
    required: bool
    examples: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return self.required and self.total > 0 and self.matched == 0


@dataclass(slots=True)
class DateReport:
    """How many of a date field's values the profile's ``dates.formats`` read as dates."""

    page_type: str
    name: str
    read: int                 # values read as a date
    shown: int                # values shown (placeholders left out)
    formats: tuple[str, ...]
    unread: list[str] = field(default_factory=list)   # a few values not read

    @property
    def unreadable(self) -> bool:
        """Values are there and not one is read: the formats do not match the site."""
        return self.shown > 0 and self.read == 0


@dataclass(slots=True)
class CheckReport:
    profile: str
    base_url: str
    pages: int
    failed_pages: list[RenderedPage]
    selectors: list[SelectorReport]
    dates: list[DateReport] = field(default_factory=list)
    #: start pages that answered 4xx (:func:`start_pages_gone`): moved, the profile to fix
    gone: list[tuple[str, str, str]] = field(default_factory=list)
    #: page types a night needs of which no page answered (:func:`unread_types`)
    unread: list[str] = field(default_factory=list)

    @property
    def broken(self) -> list[SelectorReport]:
        return [s for s in self.selectors if s.broken]

    @property
    def unreadable_dates(self) -> list[DateReport]:
        return [d for d in self.dates if d.unreadable]

    @property
    def ok(self) -> bool:
        return (not self.broken and not self.unreadable_dates and not self.gone and not self.unread
                and self.pages > len(self.failed_pages))


def _examples(values: list[str], limit: int = 3) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value[:80])
        if len(seen) == limit:
            break
    return seen


def broken_selectors(profile: Profile, pages: list[RenderedPage],
                     records: Mapping[str, list[dict[str, Any]]] | None = None) -> list[tuple[str, str, str]]:
    """(page type, name, selector) of each required selector that matches on none of ``pages``: what
    :func:`check_pages` calls broken, found without reading every page. A selector is done with on
    the first page it matches, so a healthy night parses about one page of each type, not all.

    What the night already knows is not parsed for again (a 20,000-row directory page takes seconds):
    ``records`` (raw records by page type, as extracted or reused from the last night) answer for
    the rows and field selectors of their page types, since a record holds what its field's
    selector read; and ``wait_for`` is found where the renderer saw it (``meta["wait_for_seen"]``).
    """
    records = records or {}
    broken: list[tuple[str, str, str]] = []
    for spec in profile.pages.values():
        mine = [p for p in pages if p.page_type == spec.name and p.ok]
        if not mine:
            continue
        wanted: dict[str, tuple[str, object]] = {}
        if spec.wait_for and not any(p.meta.get("wait_for_seen") == spec.wait_for for p in mine):
            wanted["wait_for"] = (spec.wait_for, lambda root, s=spec.wait_for: bool(root.css(s)))
        for link in spec.links:
            wanted[f"links -> {link.to}"] = (link.css or f"xpath:{link.xpath}", link)
        if spec.rows:
            wanted["rows"] = (spec.rows, None)
        for fspec in spec.fields:
            if fspec.required and (fspec.css is not None or fspec.xpath is not None):
                wanted[fspec.name] = (fspec.selector, fspec)
        fields = {f.name for f in spec.fields}
        any_nodes = False
        decided: set[str] = set()                       # answered by the records, hit or miss
        if spec.name in records:
            ok_urls = {p.url for p in mine}
            rows = [r for r in records[spec.name] if r.get("page_url") in ok_urls]
            any_nodes = bool(rows)
            decided = {n for n in wanted if n == "rows" or n in fields}
            for name in decided:
                if bool(rows) if name == "rows" else any(r.get(name) not in (None, []) for r in rows):
                    del wanted[name]
        for page in mine:
            if not wanted.keys() - decided:
                break
            root = parse_page(page)
            nodes = root.css(spec.rows) if spec.rows else [root]
            any_nodes = any_nodes or bool(nodes)
            for name, (selector, how) in list(wanted.items()):
                if name in decided:
                    continue
                if name == "rows":
                    hit = bool(nodes)
                elif name.startswith("links -> "):
                    hit = bool(extract_links(page, how))
                elif name == "wait_for":
                    hit = how(root)
                else:
                    hit = any(read_field(n, how) not in (None, []) for n in nodes)
                if hit:
                    del wanted[name]
        broken += [(spec.name, name, selector) for name, (selector, _) in wanted.items()
                   if any_nodes or name not in fields]  # no row at all: the rows selector is the one to fix
    return broken


def start_pages_gone(profile: Profile, pages: list[RenderedPage]) -> list[tuple[str, str, str]]:
    """(page type, "urls", "URL (HTTP 404)") of each start page of the profile that answered 4xx.

    A unit page gone is the unit's to fix (a finding); a start page gone (the index or the directory
    moved in a redesign) is the profile's: nothing behind it is read, so a night would see no unit
    and no directory row and, without this, say nothing. A 5xx or no answer is the server's trouble
    (a ``page_failed`` notice), not the profile's."""
    from urllib.parse import urljoin

    starts = {name: {urljoin(profile.base_url, url) for url in spec.urls} for name, spec in profile.pages.items()}
    return [(p.page_type, "urls", f"{p.url} (HTTP {p.status})") for p in pages
            if 400 <= p.status < 500 and p.url in starts.get(p.page_type, ())]


def page_wide_row_fields(profile: Profile) -> list[tuple[str, str, str]]:
    """(page type, field, XPath) of each field of a page type with ``rows`` whose XPath starts with
    "/": it is read from the whole page, not from the row, so every row gets the same value. That
    is meant for a page-wide value (the unit in the heading of a page per unit) and a mistake for a
    column ("//td[1]" for "td[1]"), which credits every row to the first row's unit."""
    return [(spec.name, f.name, f.xpath) for spec in profile.pages.values() if spec.rows
            for f in spec.fields if f.xpath and f.xpath.lstrip().startswith("/")]


def unread_types(profile: Profile, pages: list[RenderedPage]) -> list[str]:
    """The page types a night cannot do without (the unit pages, the directory) of which no page
    answered: a profile whose index leads nowhere, or whose directory is not there, reads nothing."""
    from .profile.schema import DIRECTORY

    return [name for name in (UNIT_PAGE, DIRECTORY)
            if name in profile.pages and not any(p.page_type == name and p.ok for p in pages)]


def check_pages(profile: Profile, pages: list[RenderedPage]) -> list[SelectorReport]:
    """Per selector of the profile, how often it matched on these pages."""
    reports: list[SelectorReport] = []
    for spec in profile.pages.values():
        mine = [p for p in pages if p.page_type == spec.name and p.ok]
        roots = [parse_page(p) for p in mine]
        if spec.wait_for:
            hits = sum(bool(r.css(spec.wait_for)) for r in roots)
            reports.append(SelectorReport(spec.name, "wait_for", spec.wait_for, hits, len(roots), True))
        for link in spec.links:
            found = [extract_links(p, link) for p in mine]
            reports.append(SelectorReport(spec.name, f"links -> {link.to}", link.css or f"xpath:{link.xpath}",
                                          sum(bool(f) for f in found), len(mine), True,
                                          _examples([t for links in found for _, t in links])))
        if spec.rows:
            per_page = [r.css(spec.rows) for r in roots]
            nodes = [n for rows in per_page for n in rows]
            reports.append(SelectorReport(spec.name, "rows", spec.rows, sum(bool(r) for r in per_page),
                                          len(roots), True, [f"{len(n)} rows" for n in per_page[:3]]))
        else:
            nodes = roots
        for fspec in spec.fields:
            values = [read_field(n, fspec) for n in nodes]
            texts = [", ".join(v) if isinstance(v, list) else v for v in values]
            matched = sum(v is not None and v != [] for v in values)
            if fspec.css is not None or fspec.xpath is not None:
                reports.append(SelectorReport(spec.name, fspec.name, fspec.selector, matched, len(nodes),
                                              fspec.required, _examples([t for t in texts if t])))
    return reports


def date_fields(profile: Profile) -> list[tuple[str, str]]:
    """(page type, field) of every field a night reads as a date: the unit pages' ``updated`` and
    the ``date`` and ``deadline`` of the sections' page types."""
    wanted = [(UNIT_PAGE, "updated")] + [(rule.page, name) for rule in profile.sections
                                         for name in ("date", "deadline")]
    return [(page_type, name) for page_type, name in dict.fromkeys(wanted)
            if page_type in profile.pages and profile.page(page_type).field(name) is not None]


def check_dates(profile: Profile, pages: list[RenderedPage]) -> list[DateReport]:
    """Per date field, how many of its values on these pages the profile's formats read, as a night
    reads them (cleaned, placeholders left out)."""
    reports: list[DateReport] = []
    roots: dict[str, list[Any]] = {}      # each page parsed once, whatever the date fields of its type
    for page_type, name in date_fields(profile):
        spec = profile.page(page_type)
        fspec = spec.field(name)
        if page_type not in roots:
            roots[page_type] = [parse_page(p) for p in pages if p.page_type == page_type and p.ok]
        nodes = [n for r in roots[page_type] for n in r.css(spec.rows)] if spec.rows else roots[page_type]
        values = [read_field(n, fspec) for n in nodes]
        texts = [clean_text(v[0] if v else None) if isinstance(v, list) else clean_text(v) for v in values]
        shown = [t for t in texts if t and not is_placeholder(t, profile.checks.placeholders)]
        unread = [t for t in shown if parse_date(t, profile.date_formats) is None]
        reports.append(DateReport(page_type, name, len(shown) - len(unread), len(shown), profile.date_formats,
                                  _examples(unread)))
    return reports


async def _crawl(profile: Profile, settings: Settings, sample: int):
    from .render.crawl import crawl
    from .render.portal import PortalRenderer

    async with PortalRenderer(profile, settings) as renderer:
        return await crawl(profile, renderer, per_type=sample)


def check_profile(profile: Profile, sample: int = 5, settings: Settings | None = None) -> CheckReport:
    """Render up to ``sample`` pages of each page type and report on every selector."""
    result = asyncio.run(_crawl(profile, settings or Settings(), sample))
    return CheckReport(profile=profile.name, base_url=profile.base_url, pages=len(result.pages),
                       failed_pages=[p for p in result.pages if not p.ok],
                       selectors=check_pages(profile, result.pages), dates=check_dates(profile, result.pages),
                       gone=start_pages_gone(profile, result.pages), unread=unread_types(profile, result.pages))
