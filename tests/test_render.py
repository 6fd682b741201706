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


def test_a_tab_that_drew_a_large_page_is_closed_once_read(portal, monkeypatch):
    """A tab keeps the page it drew until it navigates again: after a page over the size limit (the
    directory of a large portal) the tab is closed, not kept idle holding that page's DOM."""
    import portalwatch.render.playwright as playwright

    portal.set_night(1)
    index = PageRequest(portal.base_url + "he-thong-chinh-tri", "unit_index")

    def tabs(limit: int) -> int:
        monkeypatch.setattr(playwright, "RETIRE_TAB_AFTER_CHARS", limit)
        renderer = PlaywrightRenderer(allowed_hosts=("127.0.0.1",), concurrency=1)

        async def go():
            async with renderer:
                return [await renderer.render(index) for _ in range(3)]
        assert all(p.ok and len(p.html) > 1_000 for p in asyncio.run(go()))
        return renderer.tabs_opened

    assert tabs(1_000) == 3           # each page is larger: a tab each
    assert tabs(10_000_000) == 1      # none is: one tab throughout


def _cp1258(text: str) -> bytes:
    """``text`` as windows-1258 writes it: letters with a circumflex, breve or horn precomposed, the
    five tone marks as combining characters after them."""
    import unicodedata

    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += (base + "".join(c for c in parts if c in tones)).encode("cp1258")
    return out


def test_plain_http_reads_what_real_portals_send():
    """Answers a portal behind an old gateway sends: a legacy Vietnamese charset (windows-1258), a
    charset Python does not know (read as UTF-8), a gzip body, a cookie header of 12 KiB (above
    the 8 KiB many clients accept by default), and a 304 to a conditional request."""
    import gzip
    import threading
    import unicodedata
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    legacy = "<p>Văn phòng HĐND và UBND</p>"
    plain = "<p>Điện thoại: 0254 3852 123</p>"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            headers, body, status = {"Content-Type": "text/html"}, plain.encode(), 200
            if self.path == "/legacy":
                headers["Content-Type"], body = "text/html; charset=windows-1258", _cp1258(legacy)
            elif self.path == "/unknown-charset":
                headers["Content-Type"] = "text/html; charset=x-no-such-charset"
            elif self.path == "/gzip":
                headers["Content-Encoding"], body = "gzip", gzip.compress(plain.encode())
            elif self.path == "/cookie":
                headers["Set-Cookie"] = "session=" + "x" * 12_288
            elif self.path == "/etag":
                headers["ETag"] = '"v1"'
                if self.headers.get("If-None-Match") == '"v1"':
                    status, body = 304, b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        legacy_page, unknown, gzipped, cookie, fresh, kept = _render(
            HttpRenderer(allowed_hosts=("127.0.0.1",), timeout_s=10),
            *(PageRequest(base + path, "unit_page") for path in ("/legacy", "/unknown-charset", "/gzip", "/cookie")),
            PageRequest(base + "/etag", "unit_page"),
            PageRequest(base + "/etag", "unit_page", meta={"validators": {"etag": '"v1"'}}))
    finally:
        server.shutdown()
        server.server_close()
    # decoded as written (tone marks combining); normalising stores it in NFC
    assert legacy_page.status == 200 and unicodedata.normalize("NFC", legacy_page.html) == legacy
    assert unknown.html == plain and gzipped.html == plain
    assert cookie.status == 200 and cookie.html == plain and cookie.error is None
    assert fresh.status == 200 and fresh.meta["etag"] == '"v1"' and fresh.html == plain
    assert kept.status == 304 and kept.html == "" and kept.error is None
