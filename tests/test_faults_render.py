"""The renderer against a misbehaving portal: redirects elsewhere or in a loop, a huge page, endless
pagination, a page that never finishes, slow pages, server errors that pass, and downloads.

Each test switches one fault of the sample portal (sample_portal.server.Faults) on a page or two.
"""

from __future__ import annotations

import asyncio
import dataclasses
import glob
import os
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from portalwatch.night import run_notices
from portalwatch.profile.loader import load_profile
from portalwatch.render.base import PageRequest
from portalwatch.render.crawl import crawl
from portalwatch.render.http import HttpRenderer
from portalwatch.render.playwright import PlaywrightRenderer
from portalwatch.render.portal import PortalRenderer
from portalwatch.render.retry import render_with_retries
from portalwatch.settings import Settings, load_settings
from sample_portal import SamplePortal

from conftest import LAYOUTS
from conftest import render_all as _render

PAGE = "/gioi-thieu"


def _hosts(portal):
    return ("127.0.0.1",)


def _renderers(kind, portal, **kw):
    if kind == "http":
        return HttpRenderer(allowed_hosts=_hosts(portal), **kw)
    return PlaywrightRenderer(allowed_hosts=_hosts(portal), **kw)


BOTH = [pytest.param("http", id="http"), pytest.param("browser", id="browser", marks=pytest.mark.browser)]


@pytest.mark.parametrize("kind", BOTH)
def test_redirect_to_another_host_is_not_followed(kind, faulty):
    faulty.faults.redirect_to[PAGE] = "http://portal-khac.example/gioi-thieu"
    [page] = _render(_renderers(kind, faulty, timeout_s=10), PageRequest(faulty.base_url + PAGE[1:], "unit_page"))
    assert not page.ok and page.status == 0
    assert "redirected to a host not in the profile's allowed_hosts" in page.error
    assert page.html == ""


@pytest.mark.parametrize("kind", BOTH)
def test_redirect_loop_ends_in_an_error(kind, faulty):
    faulty.faults.redirect_loop.add(PAGE)
    [page] = _render(_renderers(kind, faulty, timeout_s=10), PageRequest(faulty.base_url + PAGE[1:], "unit_page"))
    assert not page.ok and page.status == 0
    assert page.error.startswith("redirect loop")


@pytest.mark.parametrize("kind", BOTH)
def test_huge_page_is_refused_as_too_large(kind, faulty):
    faulty.faults.huge[PAGE] = 30 * 1024 * 1024
    [page] = _render(_renderers(kind, faulty, timeout_s=30, max_page_bytes=5 * 1024 * 1024),
                     PageRequest(faulty.base_url + PAGE[1:], "unit_page"))
    assert not page.ok
    assert page.error == f"page too large: more than {5 * 1024 * 1024} bytes"
    assert page.html == ""


@pytest.mark.browser
def test_page_over_the_limit_without_content_length_is_measured_in_the_browser(faulty):
    faulty.faults.huge[PAGE] = 200_000
    [small, big] = _render(PlaywrightRenderer(allowed_hosts=_hosts(faulty), max_page_bytes=400_000),
                           PageRequest(faulty.base_url + PAGE[1:], "unit_page"), PageRequest(faulty.base_url, "x"))
    assert small.ok and len(small.html) > 150_000
    [page] = _render(PlaywrightRenderer(allowed_hosts=_hosts(faulty), max_page_bytes=100_000),
                     PageRequest(faulty.base_url + PAGE[1:], "unit_page"))
    assert page.error.startswith("page too large")


def test_page_size_limit_is_a_setting():
    assert Settings().max_page_bytes == 16 * 1024 * 1024
    assert load_settings({"PORTALWATCH_MAX_PAGE_BYTES": "1048576"}).max_page_bytes == 1048576
    from portalwatch.errors import ConfigError

    with pytest.raises(ConfigError, match="PORTALWATCH_MAX_PAGE_BYTES"):
        load_settings({"PORTALWATCH_MAX_PAGE_BYTES": "lots"})


def test_retries_and_their_backoff_are_settings():
    settings = load_settings({"PORTALWATCH_RENDER_RETRIES": "0", "PORTALWATCH_RETRY_BACKOFF_S": "0.5"})
    assert (settings.render_retries, settings.retry_backoff_s) == (0, 0.5)
    assert (Settings().render_retries, Settings().retry_backoff_s) != (0, 0.5), "not the defaults by chance"


@pytest.mark.parametrize("name, value, expected", [
    ("PORTALWATCH_RENDER_RETRIES", "21", "expected a whole number from 0 to 20"),
    ("PORTALWATCH_RENDER_RETRIES", "ba", "expected a whole number from 0 to 20"),
    ("PORTALWATCH_RETRY_BACKOFF_S", "-1", "expected seconds between 0 and 300"),
    ("PORTALWATCH_RETRY_BACKOFF_S", "nan", "expected seconds between 0 and 300"),
    ("PORTALWATCH_RETRY_BACKOFF_S", "5 phút", "expected seconds between 0 and 300"),
])
def test_a_mistyped_retry_setting_is_told_at_start(name, value, expected):
    """Named with its value when the settings are read, not by the first page that fails."""
    from portalwatch.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_settings({name: value})
    assert str(caught.value) == f"environment variable {name}={value!r}: {expected}"


def test_endless_pagination_stops_at_the_profile_bound_and_ops_are_told():
    with SamplePortal("phuong-vung-tau-2025") as portal:
        portal.faults.endless_pagination = True
        base = portal.base_url
        profile = load_profile(LAYOUTS["phuong-vung-tau-2025"]).with_base_url(portal.base_url)
        directory = dataclasses.replace(profile.page("directory"), max_pages=6)
        profile = dataclasses.replace(profile, pages={"directory": directory}, sections=())

        async def go():
            async with HttpRenderer(allowed_hosts=profile.allowed_hosts) as renderer:
                return await crawl(profile, renderer)
        result = asyncio.run(go())
    assert len(result.pages) == 6 and all(p.ok for p in result.pages)
    assert result.pagination_capped == [("directory", base + "danh-ba?trang=7")]
    notices = run_notices(result, SimpleNamespace(unmatched=[]), profile, None)
    [notice] = [n for n in notices if n["kind"] == "pagination_capped"]
    assert notice["max_pages"] == 6 and notice["page_type"] == "directory"
    assert "Phân trang" in notice["note"]


def test_a_directory_that_ends_is_not_reported_as_capped():
    with SamplePortal("phuong-vung-tau-2025") as portal:
        profile = load_profile(LAYOUTS["phuong-vung-tau-2025"]).with_base_url(portal.base_url)
        profile = dataclasses.replace(profile, pages={"directory": profile.page("directory")}, sections=())

        async def go():
            async with HttpRenderer(allowed_hosts=profile.allowed_hosts) as renderer:
                return await crawl(profile, renderer)
        result = asyncio.run(go())
    assert 1 < len(result.pages) < profile.page("directory").max_pages
    assert result.pagination_capped == []


@pytest.mark.parametrize("kind", BOTH)
def test_a_page_that_never_finishes_is_bounded_by_the_timeout(kind, faulty):
    faulty.faults.hang.add(PAGE)
    try:
        [page, home] = _render(_renderers(kind, faulty, timeout_s=2),
                               PageRequest(faulty.base_url + PAGE[1:], "unit_page"),
                               PageRequest(faulty.base_url, "home"))
    finally:
        faulty.faults.hang.discard(PAGE)
    assert page.status == 0 and "timed out" in page.error
    assert home.ok, "the other pages are read meanwhile"


@pytest.mark.parametrize("kind", BOTH)
def test_slow_page_is_still_read(kind, faulty):
    faulty.faults.slow_ms[PAGE] = 1500
    [page] = _render(_renderers(kind, faulty, timeout_s=15), PageRequest(faulty.base_url + PAGE[1:], "unit_page"))
    assert page.ok and "<h1" in page.html


def _portal_renderer(portal, retries=2):
    profile = load_profile(LAYOUTS["vungtau-2022"]).with_base_url(portal.base_url)
    return PortalRenderer(profile, Settings(render_retries=retries, retry_backoff_s=0.01))


@pytest.mark.parametrize("kind", BOTH)
def test_page_failing_twice_then_answering_is_read(kind, faulty):
    faulty.faults.fail_times[PAGE] = 2
    before = len(faulty.request_log)
    [page] = _render(_portal_renderer(faulty),
                     PageRequest(faulty.base_url + PAGE[1:], "unit_page", render=(kind == "browser")))
    assert page.ok and page.meta["attempts"] == 3
    assert [p for m, p in faulty.request_log[before:] if p == PAGE] == [PAGE] * 3


def test_page_still_failing_after_the_retries_is_reported_with_its_attempts(faulty):
    faulty.faults.fail_times[PAGE] = 10
    [page] = _render(_portal_renderer(faulty), PageRequest(faulty.base_url + PAGE[1:], "unit_page", render=False))
    assert page.status == 503 and page.meta["attempts"] == 3
    result = SimpleNamespace(pages=[page], skipped_links=[])
    [notice] = run_notices(result, SimpleNamespace(unmatched=[]))
    assert notice == {"kind": "page_failed", "url": page.url, "status": 503, "error": "HTTP 503", "attempts": 3}


def test_retries_back_off_and_stop_on_final_errors():
    from portalwatch.render.base import RenderedPage
    import datetime as dt

    waits, calls = [], []

    async def sleep(s):
        waits.append(s)

    def answer(status, error=None):
        async def render(request):
            calls.append(request.url)
            return RenderedPage(request.url, "x", status, request.url, "", dt.datetime.now(dt.timezone.utc), error)
        return render

    page = asyncio.run(render_with_retries(answer(503), PageRequest("http://a/", "x"), retries=3, backoff_s=2,
                                           sleep=sleep))
    assert waits == [2, 4, 8] and len(calls) == 4 and page.meta["attempts"] == 4
    waits.clear(), calls.clear()
    for final in ("redirected to a host not in the profile's allowed_hosts: http://b/", "page too large: ...",
                  "redirect loop: more than 5 redirects"):
        asyncio.run(render_with_retries(answer(0, final), PageRequest("http://a/", "x"), retries=3, backoff_s=2,
                                        sleep=sleep))
    assert waits == [] and len(calls) == 3
    asyncio.run(render_with_retries(answer(404), PageRequest("http://a/", "x"), retries=3, backoff_s=2, sleep=sleep))
    assert waits == []


@pytest.mark.browser
def test_attachment_link_downloads_nothing(faulty, tmp_path, monkeypatch):
    faulty.faults.attachment.add("/tai-lieu/bao-cao.pdf")
    monkeypatch.chdir(tmp_path)
    renderer = PlaywrightRenderer(allowed_hosts=_hosts(faulty), timeout_s=10)
    tmp = Path(tempfile.gettempdir())

    async def go():
        async with renderer:
            page = await renderer.render(PageRequest(faulty.base_url + "tai-lieu/bao-cao.pdf", "unit_page"))
            await asyncio.sleep(0.5)
            artifacts = [f for d in glob.glob(str(tmp / "playwright-artifacts-*")) for f in Path(d).rglob("*")
                         if f.is_file()]
            return page, artifacts
    page, artifacts = asyncio.run(go())
    assert not page.ok and page.html == ""
    assert artifacts == [], "a download was written to disk"
    assert list(tmp_path.iterdir()) == []
    assert ("GET", "/tai-lieu/bao-cao.pdf") in faulty.request_log
