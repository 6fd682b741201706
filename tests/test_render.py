"""The renderers against the sample portal: what a browser sees that plain HTTP does not."""

from __future__ import annotations

import asyncio
import socket

import pytest

from portalwatch.extract.records import extract_records
from portalwatch.render.base import PageRequest
from portalwatch.render.http import HttpRenderer
from portalwatch.render.playwright import PlaywrightRenderer


def _render(renderer, *requests):
    async def go():
        async with renderer:
            return await asyncio.gather(*(renderer.render(r) for r in requests))
    return asyncio.run(go())


def _directory_request(config):
    spec = config.profile.page("directory")
    return PageRequest(config.profile.base_url + "danh-ba-dien-thoai", "directory", wait_for=spec.wait_for)


def test_plain_http_directory_page_holds_no_rows(config, scenario):
    [page] = _render(HttpRenderer(allowed_hosts=config.profile.allowed_hosts), _directory_request(config))
    assert page.status == 200
    assert "danh-ba.js" in page.html
    assert extract_records(page, config.profile.page("directory")) == []


@pytest.mark.browser
def test_rendered_directory_page_holds_every_row(config, scenario, portal):
    portal.set_night(1)
    renderer = PlaywrightRenderer(allowed_hosts=config.profile.allowed_hosts)
    [page] = _render(renderer, _directory_request(config))
    rows = extract_records(page, config.profile.page("directory"))
    assert len(rows) == len(scenario.source_directory(1)) > 50
    assert renderer.blocked_requests >= 1, "the logo image and the web font are blocked"


@pytest.mark.browser
def test_browser_reports_status_and_refuses_other_hosts(config):
    renderer = PlaywrightRenderer(allowed_hosts=config.profile.allowed_hosts, timeout_s=5)
    missing, foreign = _render(
        renderer,
        PageRequest(config.profile.base_url + "khong-co-trang-nay", "unit_page"),
        PageRequest("http://example.com/", "unit_page"))
    assert missing.status == 404 and missing.error is None
    assert foreign.status == 0 and "allowed_hosts" in foreign.error


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.browser
def test_unreachable_page_is_recorded_not_raised():
    port = _closed_port()
    [page] = _render(PlaywrightRenderer(allowed_hosts=("127.0.0.1",), timeout_s=5),
                     PageRequest(f"http://127.0.0.1:{port}/", "unit_page"))
    assert page.status == 0 and page.error and not page.ok
    [page] = _render(HttpRenderer(allowed_hosts=("127.0.0.1",), timeout_s=5),
                     PageRequest(f"http://127.0.0.1:{port}/", "unit_page"))
    assert page.status == 0 and "ConnectError" in page.error


@pytest.mark.browser
def test_tabs_are_recycled_so_memory_stays_flat(portal):
    """A tab is closed after `page_recycle_after` pages (its renderer process grows as it navigates)."""
    portal.set_night(1)
    renderer = PlaywrightRenderer(allowed_hosts=("127.0.0.1",), concurrency=1, page_recycle_after=2)

    async def go():
        async with renderer:
            return [await renderer.render(PageRequest(portal.base_url + "he-thong-chinh-tri", "unit_index"))
                    for _ in range(6)]
    pages = asyncio.run(go())
    assert all(p.ok for p in pages)
    assert renderer.tabs_opened == 3
