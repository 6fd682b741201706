"""Slack delivery through the real slack-sdk WebClient, against the local Slack Web API server.

Waits (per-channel pacing and retry back-off) go through an injected clock, so the tests observe
how long the sender would wait without waiting and without any timed assertion.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback

import pytest

from portalwatch.alerts.digest import DigestItem, UnitDigest
from portalwatch.alerts.render import render_unit_slack
from portalwatch.alerts.slack import TOKEN_ENV, SlackSender
from portalwatch.errors import DeliveryError
from portalwatch.findings.model import Finding
from portalwatch.profile.registry import Routes, Unit
from sample_portal.slack_api import SlackApiServer, slack_limit_problems

TOKEN = "xoxb-1111-2222-PortalwatchTestToken"
CHANNEL = "#phuong-5"


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture()
def api():
    with SlackApiServer(token=TOKEN) as server:
        yield server


@pytest.fixture()
def clock():
    return FakeClock()


def sender_for(server: SlackApiServer, clock: FakeClock, token: str = TOKEN, **kwargs) -> SlackSender:
    return SlackSender(token, base_url=server.base_url, clock=clock, sleep=clock.sleep, **kwargs)


def unit_message() -> tuple[str, list[dict]]:
    unit = Unit(id="phuong-5", name="Phường 5", kind="ward", routes=Routes(slack=CHANNEL))
    finding = Finding(
        key="f0e1d2c3b4a596877869", portal="vungtau-2022", unit_id="phuong-5", unit_name="Phường 5", subject="unit",
        field="intro", rule="unit_field_not_placeholder", category="placeholder", severity="high",
        value="Ủy ban nhân dân Phường 5 ... <!channel> <script>alert(1)</script> <@U123>",
        expected="Trang đơn vị công bố phần giới thiệu / the unit page publishes its introduction",
        suggestion="Gửi nội dung giới thiệu chức năng, nhiệm vụ cho Ban biên tập.",
        url="http://127.0.0.1:8765/he-thong-chinh-tri/phuong-5", legal_basis="NĐ 42/2022/NĐ-CP, Điều 4 khoản 1 điểm e",
        message_vi="Phần giới thiệu của Phường 5 có nội dung lạ, cần rà soát.",
        message_en="The introduction of Phường 5 contains unexpected text.")
    digest = UnitDigest(unit=unit, night=dt.date(2022, 6, 20),
                        portal_title="Trang thông tin điện tử thành phố Vũng Tàu",
                        new=(DigestItem(finding, dt.date(2022, 6, 20), dt.date(2022, 6, 27)),), still_open=(),
                        resolved=())
    return render_unit_slack(digest)


def test_a_rendered_digest_is_delivered_once(api, clock):
    text, blocks = unit_message()
    ts = sender_for(api, clock).send(CHANNEL, text, blocks)

    [message] = api.messages
    assert message.ts == ts and message.channel == CHANNEL
    assert message.text == text and message.blocks == blocks
    assert slack_limit_problems(message.text, message.blocks) == []
    stored = json.dumps(message.blocks, ensure_ascii=False)
    assert "<!channel>" not in stored and "&lt;!channel&gt;" in stored
    assert message.raw["unfurl_links"] is False and message.raw["link_names"] is False
    assert api.requests == [("chat.postMessage", 200)]
    assert clock.sleeps == []


def test_rate_limited_post_is_retried_after_retry_after_and_delivered_once(api, clock):
    api.fail_next(1, status=429, retry_after=7)
    sender_for(api, clock).send(CHANNEL, "Nhắc lại: 1 nội dung chưa khắc phục – Phường 5")

    assert len(api.messages) == 1
    assert api.requests == [("chat.postMessage", 429), ("chat.postMessage", 200)]
    [wait] = clock.sleeps
    assert 7 <= wait < 8


def test_server_errors_are_retried(api, clock):
    api.fail_next(2, status=500)
    sender_for(api, clock).send(CHANNEL, "Đã khắc phục: 1 nội dung – Phường 5")
    assert len(api.messages) == 1
    assert [status for _, status in api.requests] == [500, 500, 200]
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize("status", [429, 500, 503])
def test_persistent_trouble_is_a_retryable_delivery_error(api, clock, status):
    api.fail_next(10, status=status, retry_after=1)
    with pytest.raises(DeliveryError) as caught:
        sender_for(api, clock, max_retries=2).send(CHANNEL, "x")
    assert caught.value.retryable is True
    assert api.messages == [] and len(api.requests) == 3


def test_a_retry_after_too_long_to_wait_for_is_left_to_the_outbox(api, clock):
    api.fail_next(1, status=429, retry_after=3600)
    with pytest.raises(DeliveryError) as caught:
        sender_for(api, clock).send(CHANNEL, "x")
    assert caught.value.retryable is True
    assert clock.sleeps == [] and len(api.requests) == 1


def test_invalid_auth_is_not_retryable(api, clock):
    with pytest.raises(DeliveryError, match="invalid_auth") as caught:
        sender_for(api, clock, token="xoxb-9999-wrong").send(CHANNEL, "x")
    assert caught.value.retryable is False
    assert api.messages == [] and api.requests == [("chat.postMessage", 200)]


def test_unknown_channel_is_not_retryable(clock):
    with SlackApiServer(token=TOKEN, channels={CHANNEL}) as api:
        with pytest.raises(DeliveryError, match="channel_not_found") as caught:
            sender_for(api, clock).send("#khong-ton-tai", "x")
        assert caught.value.retryable is False and api.messages == []


def test_blocks_beyond_slack_limits_are_refused_and_not_retried(api, clock):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51
    with pytest.raises(DeliveryError, match="invalid_blocks") as caught:
        sender_for(api, clock).send(CHANNEL, "x", blocks)
    assert caught.value.retryable is False


def test_server_down_is_a_retryable_delivery_error(api, clock):
    api.down = True
    with pytest.raises(DeliveryError) as caught:
        sender_for(api, clock, max_retries=2).send(CHANNEL, "x")
    assert caught.value.retryable is True
    assert api.messages == [] and len(clock.sleeps) == 2


def test_connection_refused_is_a_retryable_delivery_error(clock):
    with SlackApiServer(token=TOKEN) as api:
        base_url = api.base_url
    with pytest.raises(DeliveryError) as caught:
        SlackSender(TOKEN, base_url=base_url, clock=clock, sleep=clock.sleep, max_retries=1).send(CHANNEL, "x")
    assert caught.value.retryable is True


def test_posts_to_one_channel_are_spaced_and_other_channels_are_not_held_up(api, clock):
    sender = sender_for(api, clock, min_interval_s=1.0)
    sender.send("#phuong-5", "1")
    sender.send("#phuong-5", "2")          # right after: waits the whole second
    sender.send("#phong-tu-phap", "3")     # another channel: no wait
    clock.now += 0.4
    sender.send("#phuong-5", "4")          # 0.4 s have passed: waits the rest
    clock.now += 5
    sender.send("#phuong-5", "5")          # long enough ago: no wait
    assert clock.sleeps == pytest.approx([1.0, 0.6])
    assert [(m.channel, m.text) for m in api.messages] == [
        ("#phuong-5", "1"), ("#phuong-5", "2"), ("#phong-tu-phap", "3"), ("#phuong-5", "4"), ("#phuong-5", "5")]


def test_the_token_is_never_logged_nor_in_errors(api, clock, caplog):
    caplog.set_level(logging.DEBUG)
    api.echo_request_headers = True  # a faulty intermediary answering errors with our request headers
    api.fail_next(1, status=500)
    sender = sender_for(api, clock, max_retries=2)
    sender.send(CHANNEL, "1 nội dung cần cập nhật – Phường 5")
    api.fail_next(10, status=502)
    with pytest.raises(DeliveryError) as caught:
        sender.send(CHANNEL, "1 nội dung cần cập nhật – Phường 5")
    assert len(api.messages) == 1

    # slack-sdk did try to log the echoed header (at ERROR); the filter redacted it
    assert "xox?-(redacted)" in caplog.text and "non-JSON" in caplog.text
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "PortalwatchTestToken" not in logged and "xoxb-1111" not in logged
    error_text = "".join(traceback.format_exception(caught.value))
    assert "PortalwatchTestToken" not in error_text and TOKEN not in repr(sender)


def test_the_token_comes_from_the_environment(api, clock, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    sender = SlackSender(base_url=api.base_url, clock=clock, sleep=clock.sleep)
    assert sender.client.auth_test()["ok"] is True
    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(DeliveryError, match=TOKEN_ENV) as caught:
        SlackSender(base_url=api.base_url)
    assert caught.value.retryable is False
