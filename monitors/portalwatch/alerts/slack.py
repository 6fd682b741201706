"""Posting alerts to Slack with slack-sdk: retries, per-channel pacing, errors the outbox can act on.

slack-sdk's WebClient retries only connection errors by default; a nightly run that posts dozens
of messages will meet 429s and the odd 5xx, so rate-limit and server-error retries are added, and
posts to one channel are spaced (Slack allows about one message per second per channel) by
sleeping only when needed. Failures become :class:`DeliveryError` with ``retryable``: the outbox
tries a retryable one again next time and reports a non-retryable one (bad token, unknown
channel) to ops at once.

The token never appears in a log line or an error message: slack-sdk's loggers get a filter that
redacts it, and Slack errors are re-raised without the library's exception (whose text may echo
the response of a misbehaving intermediary).
"""

from __future__ import annotations

import http.client
import logging
import os
import random
import re
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import (ConnectionErrorRetryHandler, HttpRequest, HttpResponse,
                                  RateLimitErrorRetryHandler, RetryHandler, RetryIntervalCalculator, RetryState)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

from ..errors import DeliveryError

__all__ = ["SlackSender", "slack_token_from_env", "TOKEN_ENV",
           "redact_slack_logs", "NOT_RETRYABLE_ERRORS"]

TOKEN_ENV = "PORTALWATCH_SLACK_TOKEN"
log = logging.getLogger(__name__)

#: Slack errors that will not go away by trying again: configuration or message problems
NOT_RETRYABLE_ERRORS = frozenset({
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission",
    "missing_scope", "not_allowed_token_type", "ekm_access_denied", "team_access_not_granted",
    "channel_not_found", "not_in_channel", "is_archived", "restricted_action", "user_not_in_channel",
    "msg_too_long", "no_text", "too_many_attachments", "invalid_blocks", "invalid_blocks_format",
    "invalid_arguments", "invalid_form_data", "invalid_charset", "unknown_method", "method_deprecated",
    "deprecated_endpoint",
})
#: Slack errors that say "later": Slack's own trouble
RETRYABLE_ERRORS = frozenset({"ratelimited", "rate_limited", "internal_error", "fatal_error",
                              "service_unavailable", "request_timeout"})
_SERVER_ERRORS = (500, 502, 503, 504)
#: a Retry-After longer than this is not waited for: the outbox will try later
MAX_RETRY_AFTER_S = 120
_SDK_LOGGERS = ("slack_sdk", "slack_sdk.web", "slack_sdk.web.base_client", "slack_sdk.web.client",
                "slack_sdk.web.slack_response", "slack_sdk.http_retry", "slack_sdk.proxy_env_variable_loader")
_TOKEN_PATTERN = re.compile(r"xox[a-zA-Z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
_REDACTED = "xox?-(redacted)"

Clock = Callable[[], float]
Sleep = Callable[[float], None]


# ----------------------------------------------------------------------------------------- logging
class _RedactTokens(logging.Filter):
    """Rewrites a record so no Slack token (ours or any token-shaped string) is in its message."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()

    def _redact(self, text: str) -> str:
        for token in self.tokens:
            text = text.replace(token, _REDACTED)
        return _TOKEN_PATTERN.sub(_REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep only the template
            message = str(record.msg)
        redacted = self._redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            # formatted tracebacks would carry the exception text unfiltered
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_FILTER = _RedactTokens()
_FILTER_LOCK = threading.Lock()


def redact_slack_logs(token: str | None = None) -> None:
    """Install (once) the redacting filter on slack-sdk's loggers and ours, and learn ``token``."""
    with _FILTER_LOCK:
        if token:
            _FILTER.tokens.add(token)
        for name in (*_SDK_LOGGERS, __name__):
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)


# ----------------------------------------------------------------------------------------- tokens
def slack_token_from_env() -> str | None:
    """The bot token from PORTALWATCH_SLACK_TOKEN, or None."""
    value = os.environ.get(TOKEN_ENV, "").strip()
    return value or None



# ----------------------------------------------------------------------------------------- retries
class _PacedRetry(RetryHandler):
    """Mixin: wait through the sender's sleep function, so tests see the waits and never spend them."""

    sleep: Sleep = time.sleep

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None, error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        self.sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class _RateLimitRetry(RateLimitErrorRetryHandler):
    """429: wait as long as Slack's Retry-After says (a little more), unless that is too long."""

    def __init__(self, max_retry_count: int, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep

    @staticmethod
    def _retry_after(response: HttpResponse | None) -> float | None:
        if response is None:
            return None
        for name, values in response.headers.items():
            if name.lower() == "retry-after":
                value = values[0] if isinstance(values, (list, tuple)) else values
                try:
                    return max(0.0, float(value))
                except (TypeError, ValueError):
                    return None
        return None

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        wait = self._retry_after(response)
        return wait is None or wait <= MAX_RETRY_AFTER_S

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None, error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        wait = self._retry_after(response)
        self.sleep((1.0 if wait is None else wait) + random.random() * 0.5)
        state.increment_current_attempt()


class _ServerErrorRetry(_PacedRetry, ServerErrorRetryHandler):
    """5xx: Slack's own trouble, usually brief; retried with backoff (502 and 504 too)."""

    def __init__(self, max_retry_count: int, sleep: Sleep, interval: RetryIntervalCalculator | None) -> None:
        super().__init__(max_retry_count=max_retry_count, **({"interval_calculator": interval} if interval else {}))
        self.sleep = sleep

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return response is not None and response.status_code in _SERVER_ERRORS


class _ConnectionRetry(_PacedRetry, ConnectionErrorRetryHandler):
    """Refused, reset or dropped connections: retried with backoff."""

    def __init__(self, max_retry_count: int, sleep: Sleep, interval: RetryIntervalCalculator | None) -> None:
        super().__init__(max_retry_count=max_retry_count, **({"interval_calculator": interval} if interval else {}))
        self.sleep = sleep


# ----------------------------------------------------------------------------------------- sender
class SlackSender:
    """Posts messages with chat.postMessage; one instance per night's run (it keeps the pacing).

    token:          the bot token; None reads PORTALWATCH_SLACK_TOKEN
    base_url:       the Web API root (tests point it at a local server); None is Slack's
    min_interval_s: the least time between two posts to one channel
    max_retries:    retries for each of 429, 5xx and connection errors
    clock, sleep:   injectable so tests observe pacing and retry waits without waiting
    """

    def __init__(self, token: str | None = None, *, base_url: str | None = None, min_interval_s: float = 1.0,
                 max_retries: int = 3, timeout_s: int = 30, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep, retry_interval: RetryIntervalCalculator | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        token = (token or "").strip() or slack_token_from_env()
        if not token:
            raise DeliveryError(f"Chưa cấu hình token Slack: đặt biến môi trường {TOKEN_ENV} "
                                f"(no Slack token: set {TOKEN_ENV})", retryable=False)
        redact_slack_logs(token)
        self._token = token
        self.min_interval_s = float(min_interval_s)
        self._clock = clock
        self._sleep = sleep
        self._last_post: dict[str, float] = {}
        self._lock = threading.Lock()
        options: dict[str, Any] = {"token": token, "timeout": timeout_s, "ssl": ssl_context}
        if base_url:
            options["base_url"] = base_url
        self.client = WebClient(**options)
        self.client.retry_handlers = [
            _RateLimitRetry(max_retries, sleep),
            _ServerErrorRetry(max_retries, sleep, retry_interval),
            _ConnectionRetry(max_retries, sleep, retry_interval),
        ]

    def __repr__(self) -> str:
        return f"SlackSender(base_url={self.client.base_url!r}, token=(redacted))"

    def _pace(self, channel: str) -> None:
        """Sleep only as long as this channel still needs; other channels are not held up."""
        with self._lock:
            last = self._last_post.get(channel)
            wait = 0.0 if last is None else last + self.min_interval_s - self._clock()
        if wait > 0:
            self._sleep(wait)

    def send(self, channel: str, text: str, blocks: Sequence[dict[str, Any]] | None = None) -> str:
        """Post one message; returns its ``ts``. Raises :class:`DeliveryError` with ``retryable``."""
        self._pace(channel)
        try:
            response = self.client.chat_postMessage(
                channel=channel, text=text, blocks=list(blocks) if blocks else None,
                unfurl_links=False, unfurl_media=False, link_names=False, parse="none")
        except SlackApiError as exc:
            raise self._api_failure(channel, exc) from None
        except (URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise DeliveryError(f"Không kết nối được tới Slack để gửi tới kênh {channel} "
                                f"(connection failed: {type(reason).__name__})", retryable=True) from exc
        except SlackClientError as exc:
            raise DeliveryError(f"Không gửi được tin Slack tới kênh {channel} ({type(exc).__name__})",
                                retryable=False) from None
        finally:
            with self._lock:
                self._last_post[channel] = self._clock()
        ts = response.get("ts")
        log.info("Slack: đã gửi tới %s (ts=%s)", channel, ts)
        return str(ts)

    @staticmethod
    def _api_failure(channel: str, exc: SlackApiError) -> DeliveryError:
        status = getattr(exc.response, "status_code", 0) or 0
        data = exc.response.data if isinstance(getattr(exc.response, "data", None), dict) else {}
        error = str(data.get("error") or "") if data.get("ok") is False else ""
        if not re.fullmatch(r"[a-z_]{1,60}", error):
            error = "unexpected_response"
        if status == 429 or status >= 500 or error in RETRYABLE_ERRORS:
            retryable = True
        elif error in NOT_RETRYABLE_ERRORS:
            retryable = False
        else:
            retryable = status >= 400 and status not in (400, 401, 403, 404)
        return DeliveryError(f"Slack từ chối tin gửi tới kênh {channel}: {error} (HTTP {status})",
                             retryable=retryable)
