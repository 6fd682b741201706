"""A local stand-in for Slack's Web API, so alert delivery is tested with the real slack-sdk client.

It speaks just enough of the API for ``slack_sdk.WebClient``: ``chat.postMessage`` (JSON or form
body, Bearer token or ``token`` field) and ``auth.test``, and checks messages against Slack's
Block Kit limits as Slack does (``invalid_blocks``), so a renderer that overflows them fails here
rather than in production. Faults are switched at run time: the next requests answered 429 with
Retry-After or 5xx, or every connection closed without an answer. Every accepted message is
recorded, so a test can count deliveries exactly (a retried send must arrive once).

Stdlib only (ThreadingHTTPServer in a daemon thread, loopback, port 0), like the sample portal.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["SlackApiServer", "PostedMessage", "slack_limit_problems", "MAX_BLOCKS", "SECTION_TEXT_LIMIT",
           "HEADER_TEXT_LIMIT"]

MAX_BLOCKS = 50
SECTION_TEXT_LIMIT = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_LIMIT = 2000
HEADER_TEXT_LIMIT = 150
CONTEXT_ELEMENTS_MAX = 10
MESSAGE_TEXT_LIMIT = 40000
_BLOCK_TYPES = {"header", "section", "context", "divider", "actions", "image", "rich_text", "markdown"}
_REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}


def _text_problems(where: str, obj: Any, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return [f"{where}: a text object with a string 'text' is required"]
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    problems = []
    if obj.get("type") not in kinds:
        problems.append(f"{where}: type must be one of {', '.join(kinds)}")
    if not obj["text"]:
        problems.append(f"{where}: text must not be empty")
    if len(obj["text"]) > limit:
        problems.append(f"{where}: text longer than {limit} characters ({len(obj['text'])})")
    return problems


def slack_limit_problems(text: str | None, blocks: Any) -> list[str]:
    """What Slack would refuse in a message: block count, section/header lengths, element counts.

    An empty list means the message is within the limits this server (and Slack) enforce.
    """
    problems: list[str] = []
    if text is not None and len(text) > MESSAGE_TEXT_LIMIT:
        problems.append(f"text longer than {MESSAGE_TEXT_LIMIT} characters")
    if blocks is None:
        return problems
    if not isinstance(blocks, list):
        return problems + ["blocks must be an array"]
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"more than {MAX_BLOCKS} blocks ({len(blocks)})")
    for index, block in enumerate(blocks):
        where = f"blocks[{index}]"
        if not isinstance(block, dict) or block.get("type") not in _BLOCK_TYPES:
            problems.append(f"{where}: unsupported block")
            continue
        if len(str(block.get("block_id", ""))) > 255:
            problems.append(f"{where}: block_id longer than 255 characters")
        kind = block["type"]
        if kind == "header":
            problems += _text_problems(f"{where}.text", block.get("text"), HEADER_TEXT_LIMIT, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: a section needs text or fields")
            if "text" in block:
                problems += _text_problems(f"{where}.text", block["text"], SECTION_TEXT_LIMIT)
            fields_ = block.get("fields", [])
            if len(fields_) > SECTION_FIELDS_MAX:
                problems.append(f"{where}: more than {SECTION_FIELDS_MAX} fields")
            for i, item in enumerate(fields_):
                problems += _text_problems(f"{where}.fields[{i}]", item, SECTION_FIELD_LIMIT)
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > CONTEXT_ELEMENTS_MAX:
                problems.append(f"{where}: a context needs 1 to {CONTEXT_ELEMENTS_MAX} elements")
            for i, item in enumerate(elements):
                if isinstance(item, dict) and item.get("type") in ("plain_text", "mrkdwn"):
                    problems += _text_problems(f"{where}.elements[{i}]", item, SECTION_TEXT_LIMIT)
    return problems


@dataclass(frozen=True)
class PostedMessage:
    """A message the server accepted, as a Slack channel would show it."""

    channel: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    ts: str
    received_at: float
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: int | None


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    server_version = "SlackApiStandIn/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: tests read the recorded messages, not an access log on stderr."""

    def do_GET(self) -> None:
        self._serve(body=b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(body=self.rfile.read(length) if length else b"")

    # ------------------------------------------------------------------------------------------
    def _serve(self, body: bytes) -> None:
        api = self.server.api
        if api.down:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        parts = urlsplit(self.path)
        method = parts.path.rsplit("/", 1)[-1] if parts.path.startswith("/api/") else ""
        failure = api._take_failure()
        if failure is not None:
            api._log(method, failure.status)
            self._fail(failure)
            return
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            params.update(self._body_params(body))
        except ValueError:
            api._log(method, 200)
            self._json({"ok": False, "error": "invalid_form_data"})
            return
        api._log(method, 200)
        token = self._token(params)
        if token is None:
            self._json({"ok": False, "error": "not_authed"})
        elif api.token is not None and token != api.token:
            self._json({"ok": False, "error": "invalid_auth"})
        elif method == "auth.test":
            self._json({"ok": True, "url": "https://sample-workspace.slack.invalid/", "team": "Sample workspace",
                        "user": "portalwatch", "team_id": "T00000001", "user_id": "U00000001",
                        "bot_id": "B00000001", "is_enterprise_install": False})
        elif method == "chat.postMessage":
            self._json(api._post_message(params))
        else:
            self._json({"ok": False, "error": "unknown_method"})

    def _body_params(self, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        text = body.decode("utf-8")
        if content_type == "application/json":
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("a JSON object is expected")
            return data
        if content_type in ("", "application/x-www-form-urlencoded"):
            return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        raise ValueError(f"unsupported content type {content_type}")

    def _token(self, params: dict[str, Any]) -> str | None:
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            return auth[7:].strip() or None
        token = params.get("token")
        return str(token) if token else None

    def _fail(self, failure: _Failure) -> None:
        api = self.server.api
        if api.echo_request_headers:
            # like an intermediary's error page that dumps the request, credentials included
            auth = self.headers.get("Authorization", "")
            payload = (f"Upstream error; request had Authorization: {auth}\n"
                       + "".join(f"{k}: {v}\n" for k, v in self.headers.items()))
            body, content_type = payload.encode("utf-8"), "text/plain; charset=utf-8"
        else:
            error = "ratelimited" if failure.status == 429 else "internal_error"
            body, content_type = json.dumps({"ok": False, "error": error}).encode(), "application/json; charset=utf-8"
        self.send_response(failure.status, _REASONS.get(failure.status))
        if failure.retry_after is not None:
            self.send_header("Retry-After", str(failure.retry_after))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: "SlackApiServer"


class SlackApiServer:
    """Slack's Web API on 127.0.0.1, for tests: ``with SlackApiServer(token="xoxb-test") as s: s.base_url``.

    token:     the only token accepted (None accepts any); a wrong one gets ``invalid_auth``
    channels:  the channels that exist (None: any); another gets ``channel_not_found``
    down:      when True, every connection is closed without an answer
    echo_request_headers: failures answer with the request's headers in the body, as a faulty
               proxy might, to check that nothing downstream logs or raises them
    """

    def __init__(self, token: str | None = "xoxb-test", *, channels: set[str] | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.channels = channels
        self.host = host
        self.port = port
        self.down = False
        self.echo_request_headers = False
        self._lock = threading.Lock()
        self._messages: list[PostedMessage] = []
        self._requests: list[tuple[str, int]] = []
        self._failures: deque[_Failure] = deque()
        self._seq = 0
        self._epoch = int(time.time())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        """Serve in a daemon thread; returns :attr:`base_url`."""
        if self._server is None:
            server = _Server((self.host, self.port), _Handler)
            server.api = self
            self.port = server.server_address[1]
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="slack-api", daemon=True)
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving; the port then refuses connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "SlackApiServer":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What to give ``WebClient(base_url=...)``: ``http://127.0.0.1:PORT/api/``."""
        return f"http://{self.host}:{self.port}/api/"

    # ------------------------------------------------------------------ knobs and records
    def fail_next(self, n: int = 1, status: int = 429, retry_after: int | None = 1) -> None:
        """Answer the next ``n`` requests with ``status`` (Retry-After only on 429)."""
        with self._lock:
            for _ in range(n):
                self._failures.append(_Failure(status, retry_after if status == 429 else None))

    @property
    def messages(self) -> list[PostedMessage]:
        """Every accepted message, in arrival order (a copy)."""
        with self._lock:
            return list(self._messages)

    @property
    def requests(self) -> list[tuple[str, int]]:
        """Every request as (API method, HTTP status), refused and failed ones included (a copy)."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget messages, requests and pending failures; bring the server back up."""
        with self._lock:
            self._messages.clear()
            self._requests.clear()
            self._failures.clear()
        self.down = False
        self.echo_request_headers = False

    # ------------------------------------------------------------------ internals
    def _take_failure(self) -> _Failure | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def _log(self, method: str, status: int) -> None:
        with self._lock:
            self._requests.append((method, status))

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel or (self.channels is not None and channel not in self.channels):
            return {"ok": False, "error": "channel_not_found"}
        text = params.get("text")
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except ValueError:
                return {"ok": False, "error": "invalid_blocks_format"}
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        problems = slack_limit_problems(text, blocks)
        if problems:
            error = "msg_too_long" if text and len(text) > MESSAGE_TEXT_LIMIT else "invalid_blocks"
            return {"ok": False, "error": error, "errors": problems,
                    "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}}
        with self._lock:
            self._seq += 1
            ts = f"{self._epoch}.{self._seq:06d}"
            message = PostedMessage(channel, text, blocks, ts, time.time(), dict(params))
            self._messages.append(message)
        return {"ok": True, "channel": channel, "ts": ts,
                "message": {"type": "message", "text": text or "", "bot_id": "B00000001", "ts": ts}}
