"""The crawl follows a page's links as soon as it arrives, and still hands pages on in breadth-first order."""

from __future__ import annotations

import asyncio

from portalwatch.extract.records import extract_links
from portalwatch.render.crawl import crawl
from portalwatch.render.http import HttpRenderer


class HeldDirectory:
    """Plain HTTP, except that the directory answers only once a unit page has been read: a crawl
    that waited for every start page before following the index's links would never get there."""

    def __init__(self, inner: HttpRenderer) -> None:
        self.inner = inner
        self.unit_read = asyncio.Event()
        self.answered: list[str] = []

    async def render(self, request):
        if request.page_type == "directory":
            await asyncio.wait_for(self.unit_read.wait(), timeout=60)
        page = await self.inner.render(request)
        if request.page_type == "unit_page":
            self.unit_read.set()
        self.answered.append(request.page_type)
        return page


def test_unit_pages_do_not_wait_for_a_slow_start_page(config, portal):
    portal.set_night(1)
    profile = config.profile
    held = None

    async def go():
        nonlocal held
        async with HttpRenderer(allowed_hosts=profile.allowed_hosts, timeout_s=10) as renderer:
            held = HeldDirectory(renderer)
            return await crawl(profile, held)

    result = asyncio.run(go())
    assert "unit_page" in held.answered[:held.answered.index("directory")], "unit pages read while it was held"
    # handed on breadth-first all the same: the start pages in the profile's order, then the unit pages
    # in the order the index lists them
    starts = [spec.name for spec in profile.pages.values() if spec.urls]
    assert [p.page_type for p in result.pages[:len(starts)]] == starts
    [index] = result.of_type("unit_index")
    listed = [url for url, _ in extract_links(index, profile.page("unit_index").links[0])]
    assert [p.url for p in result.of_type("unit_page")] == listed
    assert len(listed) > 20 and all(p.ok for p in result.pages)


class FailingUnits:
    """Plain HTTP, except that one unit page raises (a renderer's own bug, not a page that failed)."""

    def __init__(self, inner: HttpRenderer) -> None:
        self.inner, self.units = inner, 0

    async def render(self, request):
        if request.page_type == "unit_page":
            self.units += 1
            if self.units == 5:
                raise RuntimeError("renderer bug")
            await asyncio.sleep(0.05)
        return await self.inner.render(request)


def test_a_renderer_that_raises_stops_the_crawl_and_leaves_nothing_running(config, portal):
    portal.set_night(1)
    profile = config.profile

    async def go():
        async with HttpRenderer(allowed_hosts=profile.allowed_hosts, timeout_s=10) as renderer:
            try:
                await crawl(profile, FailingUnits(renderer))
            except RuntimeError as error:
                await asyncio.sleep(0)           # let the cancelled pages finish cancelling
                others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                return error, others
        raise AssertionError("the renderer's error was swallowed")

    error, others = asyncio.run(go())
    assert str(error) == "renderer bug" and others == []


def test_a_crawl_and_its_pages_print_without_their_html(config, portal):
    """asyncio.run formats its result's repr on Python 3.11: a night's pages must not be printed whole."""
    portal.set_night(1)
    profile = config.profile

    async def go():
        async with HttpRenderer(allowed_hosts=profile.allowed_hosts, timeout_s=10) as renderer:
            return await crawl(profile, renderer)

    result = asyncio.run(go())
    assert repr(result) == f"CrawlResult({len(result.pages)} pages, 0 skipped links, truncated=False)"
    [index] = result.of_type("unit_index")
    assert index.url in repr(index) and "<html" in index.html.lower() and "<" not in repr(index)


class MalformedLinks:
    """Plain HTTP, except that the index also lists links that are not web addresses, as a CMS may
    write them: an unclosed IPv6 bracket, a port that is not a number, another scheme."""

    BAD = ("http://[bad", "http://127.0.0.1:port/x", "ftp://127.0.0.1/tai-lieu.pdf")

    def __init__(self, inner: HttpRenderer) -> None:
        self.inner = inner

    async def render(self, request):
        import dataclasses

        page = await self.inner.render(request)
        if request.page_type != "unit_index":
            return page
        extra = "".join(f'<a class="pw-bad" href="{href}">Đơn vị lỗi</a>' for href in self.BAD)
        return dataclasses.replace(page, html=page.html.replace("</body>", f"<div>{extra}</div></body>"))


def test_a_malformed_link_costs_that_link_not_the_night(config, portal, caplog):
    """One link on the index that is not a web address ("http://[bad") once ended the night with a
    ValueError: the crawl now leaves it out, says so in the log, and reads every unit it listed."""
    import dataclasses

    portal.set_night(1)
    profile = config.profile
    index = profile.page("unit_index")
    link = index.links[0]
    # The profile's link selector, widened to the injected links too.
    widened = dataclasses.replace(index, links=(dataclasses.replace(link, css=f"{link.css}, a.pw-bad",
                                                                    xpath=None),))
    profile = dataclasses.replace(profile, pages={**profile.pages, "unit_index": widened})

    async def go():
        async with HttpRenderer(allowed_hosts=profile.allowed_hosts, timeout_s=10) as renderer:
            return await crawl(profile, MalformedLinks(renderer))

    result = asyncio.run(go())
    [page] = result.of_type("unit_index")
    listed = [url for url, _ in extract_links(page, widened.links[0])]
    assert len(listed) > 20 and not any("[bad" in url or ":port" in url or url.startswith("ftp:") for url in listed)
    assert [p.url for p in result.of_type("unit_page")] == listed and all(p.ok for p in result.pages)
    warned = [r.getMessage() for r in caplog.records if "is not a web address" in r.getMessage()]
    assert len(warned) >= 2 and any("http://[bad" in m for m in warned)
