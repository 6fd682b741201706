"""The HTTP server of the sample portal, with run-time faults for testing the monitor.

Stdlib only (ThreadingHTTPServer, HTTP/1.1 keep-alive) so it runs anywhere the monitor runs.
Pages are rendered once per night and layout and kept as bytes with a content-hash ETag, so the
server answers small pages fast enough to load-test a crawler, and conditional requests work.
Faults (down, per-path status, slowness, hangs, a CMS redesign) are switched at run time so tests
can observe how the monitor behaves when the portal misbehaves.
"""
from __future__ import annotations

import email.utils
import hashlib
import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .layouts import LAYOUTS, Layout, get_layout
from .scenario import Scenario, load_scenario
from .site import Site, build_site

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

#: CSS classes the monitor's profile relies on (first layout), and their names after a simulated
#: CMS redesign; every layout has its own in sample_portal.layouts
CLASS_MAPS: dict[str, dict[str, str]] = LAYOUTS["vungtau2022"].classes
_CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml", ".ttf": "font/ttf", ".woff2": "font/woff2", ".woff": "font/woff",
    ".png": "image/png", ".ico": "image/x-icon",
}
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
_REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
_ERROR_TEXTS = {
    404: ("Không tìm thấy trang", "Trang bạn yêu cầu không tồn tại hoặc đã được chuyển sang địa chỉ khác."),
    500: ("Lỗi máy chủ", "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."),
    503: ("Hệ thống đang bảo trì", "Trang thông tin điện tử tạm ngừng phục vụ để bảo trì. Vui lòng thử lại sau."),
}
_PAGE_NUMBER = re.compile(r"[0-9]{1,6}")
HANG_SECONDS = 120.0
REQUEST_LOG_SIZE = 10_000


@dataclass
class Faults:
    """Misbehaviours of the portal, mutable while it runs.

    down:    every request gets its connection closed without any answer (portal unreachable)
    status:  path -> HTTP status answered instead of the page, e.g. {"/he-thong-chinh-tri/phuong-7": 500}
    slow_ms: path prefix -> delay in milliseconds before answering
    hang:    paths that never answer (the socket is held open up to 120 s, then closed)
    layout:  "normal" | "changed" (the CSS classes the profile uses are renamed, as after a redesign;
             which classes depends on the scenario's site layout) | "changed:pager-next,..." (only
             those classes renamed: a partial change, such as a directory's "next page" link)
    fail_times: path -> how many of the next requests answer 503 before the page is served again
             (a page that fails twice, then recovers); counted down as requests arrive
    fail_status: the status those answers carry (503, or 429 for a portal that rate-limits)
    retry_after: the Retry-After header those answers carry (seconds or an HTTP date), if any
    redirect_loop: paths that answer 302 to themselves, forever
    redirect_to: path -> absolute URL answered as a 302 (e.g. to another host)
    huge:    path -> size in bytes: the path answers 200 with an HTML page of about that size
    endless_pagination: every page of a paginated directory links a "next" page, past the last one
             and forever (the pages past the end repeat the last page's rows)
    attachment: paths that answer a file with ``Content-Disposition: attachment`` (a download)
    """

    down: bool = False
    status: dict[str, int] = field(default_factory=dict)
    slow_ms: dict[str, int] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    layout: str = "normal"
    fail_times: dict[str, int] = field(default_factory=dict)
    fail_status: int = 503
    retry_after: str | None = None
    redirect_loop: set[str] = field(default_factory=set)
    redirect_to: dict[str, str] = field(default_factory=dict)
    huge: dict[str, int] = field(default_factory=dict)
    endless_pagination: bool = False
    attachment: set[str] = field(default_factory=set)

    def reset(self) -> None:
        """Back to a healthy portal."""
        self.down = False
        self.status.clear()
        self.slow_ms.clear()
        self.hang.clear()
        self.layout = "normal"
        self.fail_times.clear()
        self.fail_status = 503
        self.retry_after = None
        self.redirect_loop.clear()
        self.redirect_to.clear()
        self.huge.clear()
        self.endless_pagination = False
        self.attachment.clear()


class RequestLog(list):
    """The last REQUEST_LOG_SIZE (method, path) pairs; a list so tests can slice and compare it.
    ``arrived`` holds when each arrived (``time.monotonic()``), in the same order."""

    def __init__(self, maxlen: int = REQUEST_LOG_SIZE) -> None:
        super().__init__()
        self.maxlen = maxlen
        self.arrived: list[float] = []
        self._lock = threading.Lock()

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.append((method, path))
            self.arrived.append(time.monotonic())
            if len(self) > self.maxlen:
                del self[: len(self) - self.maxlen]
                del self.arrived[: len(self.arrived) - self.maxlen]

    def clear(self) -> None:
        with self._lock:
            super().clear()
            self.arrived.clear()


class Response:
    """A rendered answer kept as bytes; the ETag is a hash of the body."""

    __slots__ = ("status", "content_type", "body", "etag", "last_modified", "modified_ts")

    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status = status
        self.content_type = content_type
        self.body = body
        self.etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        self.modified_ts = int(time.time())
        self.last_modified = email.utils.formatdate(self.modified_ts, usegmt=True)


def _rename_css_classes(css: str, classes: dict[str, str]) -> str:
    for old, new in classes.items():
        if old != new:
            css = re.sub(r"\." + re.escape(old) + r"(?![\w-])", "." + new, css)
    return css


def _rename_js_classes(js: str, classes: dict[str, str]) -> str:
    for old, new in classes.items():
        if old != new:
            js = js.replace(f'"{old}"', f'"{new}"')
    return js


class _Renderer:
    """Renders one Site to bytes, page by page, for one site layout and one layout fault."""

    _envs: dict[str, Any] = {}
    _envs_lock = threading.Lock()

    def __init__(self, site_layout: Layout | str, layout: str) -> None:
        self.spec = get_layout(site_layout) if isinstance(site_layout, str) else site_layout
        name, _, only = layout.partition(":")
        if name not in self.spec.classes or (only and name != "changed"):
            raise ValueError(f"unknown layout fault {layout!r} (expected one of {', '.join(self.spec.classes)}, "
                             f"or changed:CLASS,CLASS)")
        self.classes = self.spec.classes[name]
        if only:
            renamed = set(only.split(","))
            if renamed - set(self.classes):
                raise ValueError(f"layout fault {layout!r}: this layout renames only "
                                 f"{', '.join(sorted(self.classes))}")
            self.classes = {old: new if old in renamed else old for old, new in self.classes.items()}
        self.c = {k.replace("-", "_"): v for k, v in self.classes.items()}
        self.env = self._env(self.spec.templates)
        self.static_dir = (STATIC_DIR / self.spec.static).resolve()

    @classmethod
    def _env(cls, layout_dir: str) -> Any:
        with cls._envs_lock:
            env = cls._envs.get(layout_dir)
            if env is None:
                import jinja2  # imported lazily: only the server needs it

                env = jinja2.Environment(
                    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / layout_dir)),
                    autoescape=True, trim_blocks=True, lstrip_blocks=True,
                    undefined=jinja2.StrictUndefined)
                cls._envs[layout_dir] = env
            return env

    def page(self, template: str, site: Site, **ctx: Any) -> bytes:
        html = self.env.get_template(template).render(portal=site.portal, site=site, c=self.c,
                                                      layout=self.spec, **ctx)
        return html.encode("utf-8")

    def target(self, path: str, query: str) -> str:
        """What a request asks for: its path, plus the query where the page depends on it (the page
        number of a paginated directory). Requests for the same content get the same target."""
        if self.spec.directory_page_size and path == self.spec.directory_path:
            values = parse_qs(query).get("trang", ["1"])
            number = values[-1].strip()
            return f"{path}?trang={int(number)}" if _PAGE_NUMBER.fullmatch(number) else f"{path}?trang=0"
        return path

    def error(self, site: Site, status: int) -> bytes:
        heading, message = _ERROR_TEXTS.get(status, (f"Lỗi {status}", "Không thể xử lý yêu cầu. Vui lòng thử lại sau."))
        return self.page("error.html", site, heading=heading, message=message)

    def static(self, name: str) -> tuple[str, bytes] | None:
        path = (self.static_dir / name).resolve()
        if self.static_dir not in path.parents or not path.is_file():
            return None
        ctype = _CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        data = path.read_bytes()
        if path.suffix == ".css":
            data = _rename_css_classes(data.decode("utf-8"), self.classes).encode("utf-8")
        elif path.suffix == ".js":
            data = _rename_js_classes(data.decode("utf-8"), self.classes).encode("utf-8")
        return ctype, data

    def route(self, site: Site, path: str) -> Response | None:
        """The response for a target (see `target`), or None for an unknown path."""
        spec = self.spec
        number = 1
        if spec.directory_page_size and path.startswith(spec.directory_path + "?trang="):
            path, _, page = path.partition("?trang=")
            number = int(page) if _PAGE_NUMBER.fullmatch(page) else 0
        sections = {p: (heading, getattr(site, key)) for p, (heading, key) in spec.sections.items()}
        if path == "/":
            return Response(200, HTML, self.page("home.html", site))
        if path == "/gioi-thieu":
            return Response(200, HTML, self.page("about.html", site))
        if path == spec.units_path:
            return Response(200, HTML, self.page("index.html", site, groups=site.groups(listed_only=True)))
        if path.startswith(spec.units_path + "/"):
            unit = site.by_slug.get(path[len(spec.units_path) + 1:])
            if unit is None:
                return None
            if unit["status"] != 200:
                return Response(unit["status"], HTML, self.error(site, unit["status"]))
            return Response(200, HTML, self.page("unit.html", site, u=unit))
        if path == spec.directory_path and spec.directory_page_size:
            pages = site.directory_pages(spec.directory_page_size)
            if not 1 <= number <= len(pages):
                return None
            return Response(200, HTML, self.page("directory.html", site, rows=pages[number - 1], number=number,
                                                 pages=len(pages), first_row=(number - 1) * spec.directory_page_size))
        if path == spec.directory_path:
            return Response(200, HTML, self.page("directory.html", site, groups=site.groups(listed_only=False)))
        if spec.directory_api and path == spec.directory_api:
            body = json.dumps(site.directory_json(), ensure_ascii=False, separators=(",", ":"))
            return Response(200, JSON, body.encode("utf-8"))
        if spec.schedule_path and path == spec.schedule_path:
            return Response(200, HTML, self.page("schedule.html", site, s=site.schedule))
        if path in sections:
            heading, items = sections[path]
            return Response(200, HTML, self.page("list.html", site, heading=heading, items=items, base=path))
        base, _, slug = path.rpartition("/")
        if base in sections:
            heading, items = sections[base]
            for it in items:
                if it["slug"] == slug:
                    return Response(200, HTML, self.page("item.html", site, it=it, heading=heading, base=base))
            return None
        if path.startswith("/static/"):
            found = self.static(path[len("/static/"):])
            return Response(200, *found) if found else None
        if path == "/robots.txt":
            return Response(200, "text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n")
        return None


class _State:
    """What is served for one night: the site and its page cache (replaced whole on set_night)."""

    def __init__(self, night: int, site: Site) -> None:
        self.night = night
        self.site = site
        self.cache: dict[tuple[str, str], Response] = {}
        self.renderers: dict[str, _Renderer] = {}
        self.lock = threading.Lock()


def normalise_path(raw: str) -> str:
    """Path without query or fragment, percent-decoded, without a trailing slash (except '/')."""
    path = unquote(urlsplit(raw).path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CongThongTin/2.4"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = HANG_SECONDS + 10  # idle keep-alive connections are dropped eventually

    server: "_Server"

    def setup(self) -> None:
        super().setup()
        self.server.portal._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.portal._track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _not_allowed(self) -> None:
        self.server.portal.request_log.record(self.command, self.path)
        self.close_connection = True  # any request body stays unread
        self._write(405, "text/plain; charset=utf-8", b"Method Not Allowed\n", extra=("Allow: GET, HEAD",))

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _serve(self, head: bool) -> None:
        portal = self.server.portal
        portal.request_log.record(self.command, self.path)
        faults = portal.faults
        if faults.down:
            self._drop()
            return
        path = normalise_path(self.path)
        if path in faults.hang:
            deadline = time.monotonic() + HANG_SECONDS
            while path in faults.hang and time.monotonic() < deadline:
                if portal._stopping.wait(0.1):
                    break
            self._drop()
            return
        delay = max((ms for prefix, ms in list(faults.slow_ms.items()) if path.startswith(prefix)), default=0)
        if delay > 0:
            portal._stopping.wait(delay / 1000.0)
        if self._misbehave(path, head):
            return
        try:
            forced = faults.status.get(path)
            resp = portal._response(path, forced, faults.layout, urlsplit(self.path).query)
        except Exception as exc:  # a bug or a bad fault value must not kill the connection silently
            body = f"Lỗi máy chủ: {type(exc).__name__}: {exc}\n".encode("utf-8")
            self._write(500, "text/plain; charset=utf-8", body, head=head)
            return
        if resp.status == 200 and self._not_modified(resp):
            self._write(304, None, b"", head=True, resp=resp)
            return
        self._write(resp.status, resp.content_type, resp.body, head=head, resp=resp)

    def _misbehave(self, path: str, head: bool) -> bool:
        """Answer the request with a fault of `Faults` that applies to it; False if none does."""
        portal = self.server.portal
        faults = portal.faults
        if faults.fail_times.get(path, 0) > 0:
            with portal._faults_lock:
                left = faults.fail_times.get(path, 0)
                if left > 0:
                    faults.fail_times[path] = left - 1
            if left > 0:
                extra = (f"Retry-After: {faults.retry_after}",) if faults.retry_after else ()
                self._write(faults.fail_status, "text/plain; charset=utf-8", "Hệ thống đang bảo trì\n".encode("utf-8"),
                            head=head, extra=extra)
                return True
        if path in faults.redirect_loop:
            self._write(302, "text/plain; charset=utf-8", b"", head=head, extra=(f"Location: {path}",))
            return True
        if path in faults.redirect_to:
            self._write(302, "text/plain; charset=utf-8", b"", head=head,
                        extra=(f"Location: {faults.redirect_to[path]}",))
            return True
        if path in faults.huge:
            self._write(200, HTML, _huge_page(faults.huge[path]), head=head)
            return True
        if path in faults.attachment:
            body = b"%PDF-1.4\n% sample attachment\n" + b"0" * 4096
            self._write(200, "application/pdf", body, head=head,
                        extra=('Content-Disposition: attachment; filename="bao-cao.pdf"',))
            return True
        if faults.endless_pagination:
            body = portal._endless_page(path, urlsplit(self.path).query, faults.layout)
            if body is not None:
                self._write(200, HTML, body, head=head)
                return True
        return False

    def _not_modified(self, resp: Response) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or any(t.removeprefix("W/") == resp.etag for t in tags)
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            return resp.modified_ts <= since
        return False

    def _drop(self) -> None:
        """Close the connection without sending anything."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _write(self, status: int, ctype: str | None, body: bytes, head: bool = False,
               resp: Response | None = None, extra: tuple[str, ...] = ()) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
                 f"Server: {self.server_version}",
                 f"Date: {self.server.portal._http_date()}"]
        if ctype:
            lines.append(f"Content-Type: {ctype}")
        if status != 304:
            lines.append(f"Content-Length: {len(body)}")
        if resp is not None and resp.status == 200:
            lines.append(f"ETag: {resp.etag}")
            lines.append(f"Last-Modified: {resp.last_modified}")
            lines.append("Cache-Control: no-cache")
        lines.extend(extra)
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not head:
            data += body
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True


def _huge_page(size: int) -> bytes:
    """An HTML page of about ``size`` bytes (a CMS gone wrong: an endless list in one page)."""
    head = "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Trang rất lớn</title></head><body>"
    row = "<p>Nội dung lặp lại của một trang quá lớn.</p>\n"
    count = max(0, (size - len(head.encode("utf-8"))) // len(row.encode("utf-8")))
    return (head + row * count + "</body></html>").encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    portal: "SamplePortal"

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's signature
        """A client that hangs up (a browser closing its tabs, a crawler cut short) is not the server's
        error: a real web server logs nothing for it, and a traceback would hide the real ones."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class SamplePortal:
    """The sample portal served on loopback for one scenario night (or synthetic scale data).

    Use as a context manager, or call start()/stop(). set_night() and `faults` may be changed while
    it runs; both take effect on the next request.
    """

    def __init__(self, scenario: Scenario | str, night: int = 1, faults: Faults | None = None,
                 scale_units: int = 0, scale_rows: int = 0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.scenario = load_scenario(scenario) if isinstance(scenario, (str, Path)) else scenario
        self.faults = faults if faults is not None else Faults()
        self.scale_units = int(scale_units)
        self.scale_rows = int(scale_rows)
        self.host = host
        self.port = port
        self.request_log = RequestLog()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._night_lock = threading.Lock()
        self._faults_lock = threading.Lock()
        self._date_cache = (0, "")
        self._state = self._build_state(self.scenario.check_night(night))

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        """Start serving in a daemon thread; returns the base URL "http://127.0.0.1:PORT/"."""
        if self._server is not None:
            return self.base_url
        self._stopping.clear()
        server = _Server((self.host, self.port), _Handler)
        server.portal = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="sample-portal", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close every open connection (hung ones included)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "SamplePortal":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sample portal is not running (call start())")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def running(self) -> bool:
        return self._server is not None

    # ------------------------------------------------------------------ content
    @property
    def night(self) -> int:
        return self._state.night

    @property
    def site(self) -> Site:
        return self._state.site

    @property
    def synthetic(self) -> bool:
        return self.scale_units > 0

    def _build_state(self, night: int) -> _State:
        if self.synthetic:
            from .scale import build_scale_site

            site = build_scale_site(self.scenario, night, self.scale_units, self.scale_rows)
        else:
            site = build_site(self.scenario, night)
        return _State(night, site)

    def set_night(self, night: int) -> None:
        """Show another night (thread-safe); the page cache starts afresh."""
        with self._night_lock:
            self._state = self._build_state(self.scenario.check_night(night))

    def source_units(self) -> list[dict[str, Any]]:
        """Units as the server shows them now (scenario night, or the synthetic units)."""
        return self._state.site.source_units()

    def source_directory(self) -> list[dict[str, str]]:
        """Directory rows as the server shows them now."""
        return self._state.site.source_directory()

    def ground_truth(self) -> list[dict[str, str]]:
        """Expected findings for what is shown now (none for synthetic data)."""
        return [] if self.synthetic else self.scenario.ground_truth(self.night)

    # ------------------------------------------------------------------ serving internals
    def _response(self, path: str, forced_status: int | None, layout: str, query: str = "") -> Response:
        state = self._state
        renderer = state.renderers.get(layout)
        if renderer is None:
            with state.lock:
                renderer = state.renderers.get(layout)
                if renderer is None:
                    renderer = state.renderers[layout] = _Renderer(self.scenario.layout, layout)
        target = renderer.target(path, query)
        key = (layout, target if forced_status is None else f"{forced_status} {path}")
        resp = state.cache.get(key)
        if resp is not None:
            return resp
        with state.lock:
            resp = state.cache.get(key)
            if resp is not None:
                return resp
            if forced_status is not None:
                resp = Response(forced_status, HTML, renderer.error(state.site, forced_status))
            else:
                resp = renderer.route(state.site, target)
                if resp is None:  # unknown paths share one cached 404 page
                    key = (layout, "404 *")
                    resp = state.cache.get(key) or Response(404, HTML, renderer.error(state.site, 404))
            state.cache[key] = resp
            return resp

    def _endless_page(self, path: str, query: str, layout: str) -> bytes | None:
        """A directory page at or past the last one that still links a next page (endless pagination);
        None where the fault does not apply (not a paginated directory, or a page before the last)."""
        state = self._state
        renderer = state.renderers.get(layout) or _Renderer(self.scenario.layout, layout)
        spec = renderer.spec
        if not spec.directory_page_size or path != spec.directory_path:
            return None
        target = renderer.target(path, query)
        number = int(target.partition("?trang=")[2] or 1)
        pages = state.site.directory_pages(spec.directory_page_size)
        if number < len(pages) or not pages:
            return None
        return renderer.page("directory.html", state.site, rows=pages[-1], number=number, pages=number + 1,
                             first_row=(len(pages) - 1) * spec.directory_page_size)

    def _track(self, conn: socket.socket, opened: bool) -> None:
        with self._conns_lock:
            if opened:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _http_date(self) -> str:
        now = int(time.time())
        cached = self._date_cache
        if cached[0] != now:
            cached = (now, email.utils.formatdate(now, usegmt=True))
            self._date_cache = cached
        return cached[1]
