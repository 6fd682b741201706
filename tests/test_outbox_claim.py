"""Two deliveries at once (the morning's and an ``alerts send`` by hand, or workers on two machines,
one store) send each message once: a delivery claims a message before sending it. Real stores
(SQLite and PostgreSQL) and real slack-sdk calls to a local Slack Web API."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

from portalwatch.alerts.outbox import deliver
from portalwatch.alerts.slack import SlackSender
from portalwatch.profile.schema import PolicyRules
from portalwatch.store import open_store
from portalwatch.store.store import CLAIM_STALE
from sample_portal.slack_api import SlackApiServer

NIGHT = dt.date(2022, 6, 13)
MORNING = dt.datetime(2022, 6, 14, 7, 5, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def _queue(store, count: int) -> None:
    store.queue_messages("p", NIGHT, [
        {"recipient": f"phuong-{n}", "channel": "slack", "address": f"#pw-phuong-{n}",
         "idempotency_key": f"p/{NIGHT}/phuong-{n}/slack", "subject": None,
         "body_text": f"Phường {n}: 1 nội dung cần cập nhật", "body_html": None, "blocks": None}
        for n in range(count)])


def test_a_message_claimed_by_one_delivery_is_not_sent_by_another(store_url):
    first, second = open_store(store_url), open_store(store_url)
    try:
        _queue(first, 2)
        one, two = (m["id"] for m in first.pending_messages("p"))
        assert first.claim_message(one) and not second.claim_message(one), "one delivery has it"
        assert [m["id"] for m in second.pending_messages("p")] == [two], "a claimed message is not waiting"
        first.mark_message(one, "sent")
        assert not second.claim_message(one), "a sent message is never taken again"
        second.mark_message(one, "pending")
        assert {m["id"]: m["status"] for m in second.messages("p")}[one] == "sent", "nor marked by another"
        # a delivery that died between claiming and marking: its claim is taken over once stale
        long_ago = dt.datetime.now(dt.timezone.utc) - CLAIM_STALE - dt.timedelta(minutes=1)
        assert first.claim_message(two, now=long_ago)
        assert [m["id"] for m in second.pending_messages("p")] == [two]
        assert second.claim_message(two) and not first.claim_message(two)
        second.mark_message(two, "pending", "slack: 503")
        row = {m["id"]: m for m in first.messages("p")}[two]
        assert (row["status"], row["claimed_at"], row["last_error"]) == ("pending", None, "slack: 503")
    finally:
        first.dispose()
        second.dispose()


class _Together:
    """A store whose deliveries both read the outbox before either sends: the overlap that two
    deliveries started at the same minute have, made certain."""

    def __init__(self, store, barrier: threading.Barrier) -> None:
        self._store, self._barrier = store, barrier

    def pending_messages(self, *args, **kwargs):
        pending = self._store.pending_messages(*args, **kwargs)
        self._barrier.wait(timeout=30)
        return pending

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_two_deliveries_at_once_send_each_message_once(store_url):
    stores = [open_store(store_url) for _ in range(2)]
    _queue(stores[0], 12)
    barrier = threading.Barrier(2)
    reports = [None, None]
    try:
        with SlackApiServer(token="xoxb-test") as api:
            def morning(i: int) -> None:
                sender = SlackSender("xoxb-test", base_url=api.base_url, max_retries=1, sleep=lambda s: None)
                reports[i] = deliver(_Together(stores[i], barrier), "p", slack=sender, email=None,
                                     policy=PolicyRules(quiet_hours=None), now=MORNING)

            threads = [threading.Thread(target=morning, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            posted = Counter(m.channel for m in api.messages)
        rows = stores[0].messages("p")
    finally:
        for store in stores:
            store.dispose()
    assert posted == Counter({f"#pw-phuong-{n}": 1 for n in range(12)}), "each message posted once"
    assert {r["status"] for r in rows} == {"sent"} and all(r["attempts"] == 1 for r in rows)
    assert sum(r.sent for r in reports) == 12 and sum(r.taken for r in reports) == 12, \
        "what one delivery sent, the other found taken"
    assert all(not r.problems for r in reports)
    assert any("left to another delivery running at the same time" in note for r in reports for note in r.notes)
