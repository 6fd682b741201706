"""Fourteen nights of alerts, delivered for real: slack-sdk to a local Slack Web API server, e-mail to
an SMTP server on loopback. Who is told what, and when, follows the policy in the profile."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from portalwatch import night as stages
from portalwatch.alerts.email import EmailSender
from portalwatch.alerts.outbox import deliver, in_quiet_time
from portalwatch.alerts.slack import SlackSender
from portalwatch.reports.score import score_portal
from portalwatch.store import open_store
from portalwatch.workdays import add_working_days
from sample_portal.slack_api import SlackApiServer
from conftest import record
from test_alerts_email import LoopbackController, Mailbox

pytestmark = pytest.mark.browser
TOKEN = "xoxb-portalwatch-test-token"
SLACK_DOWN = (5, 6)


def _morning(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(8, 0), tzinfo=stages.PORTAL_TZ)


@pytest.fixture(scope="module")
def replay(tmp_path_factory, nights, config, scenario):
    """Replay every night: record, plan and queue the alerts, deliver them (Slack down two nights)."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('alerts') / 'store.sqlite3'}")
    mailbox = Mailbox()
    smtp = LoopbackController(mailbox, hostname="127.0.0.1", port=0, server_hostname="localhost")
    smtp.start()
    plans, deliveries, slack_seen = {}, {}, {}
    with SlackApiServer(token=TOKEN) as slack_server:
        slack = SlackSender(TOKEN, base_url=slack_server.base_url, max_retries=1, sleep=lambda s: None)
        email = EmailSender("127.0.0.1", smtp.port, security="none", sender="giamsat@vungtau.baria-vungtau.gov.vn")
        for n, result in nights.items():
            changes = record(store, config, result)
            score = score_portal(result.findings, config.registry, config.roster, result.date)
            plans[n] = stages.plan_and_queue(store, config, result.date, changes, [], score, None)
            slack_server.down = n in SLACK_DOWN
            deliveries[n] = deliver(store, config.profile.name, slack=slack, email=email,
                                    policy=config.profile.policy, now=_morning(result.date))
            slack_seen[n] = len(slack_server.messages)
        posted = list(slack_server.messages)
    smtp.stop()
    yield {"store": store, "plans": plans, "deliveries": deliveries, "posted": posted, "mail": mailbox,
           "slack_seen": slack_seen}
    store.dispose()


def _truth(scenario, n, unit_id):
    return {(g["subject"], g["field"], g["category"]) for g in scenario.ground_truth(n) if g["unit_id"] == unit_id}


def _expected_unit_messages(scenario, config):
    """The policy applied to the ground truth, night by night: (unit, night) -> kind of message."""
    every = config.profile.policy.reminder_every_working_days
    expected = {}
    for unit in config.registry:
        told: dict[tuple, dt.date] = {}
        for n in range(1, scenario.nights + 1):
            night = scenario.night_date(n)
            now = _truth(scenario, n, unit.id)
            fixed = [k for k in told if k not in now]
            for key in fixed:
                del told[key]
            new = [k for k in now if k not in told]
            due = [k for k in now if k in told and add_working_days(told[k], every) <= night]
            if new or due:
                expected[(unit.id, n)] = "new" if new else "reminder"
                for key in now:
                    told[key] = night
            elif fixed:
                expected[(unit.id, n)] = "resolved"
    return expected


def test_each_unit_gets_at_most_one_message_a_night(replay, scenario):
    per_night = defaultdict(int)
    for message in replay["store"].messages():
        per_night[(message["recipient"], message["night"], message["channel"])] += 1
    assert per_night and max(per_night.values()) == 1


def test_messages_fall_on_the_nights_the_policy_says(replay, scenario, config):
    got = {(d.unit.id, n): d.kind for n, plan in replay["plans"].items() for d in plan.units}
    expected = _expected_unit_messages(scenario, config)
    assert got == expected
    kinds = set(expected.values())
    assert {"new", "reminder", "resolved"} <= kinds, "the scenario exercises every kind of message"


def test_escalations_fall_the_night_after_the_deadline_once(replay, scenario, config):
    days = config.profile.policy.deadline_working_days
    expected = set()
    for unit in config.registry:
        opened: dict[tuple, dt.date] = {}
        for n in range(1, scenario.nights + 1):
            night = scenario.night_date(n)
            now = _truth(scenario, n, unit.id)
            opened = {k: v for k, v in opened.items() if k in now}
            for key in now:
                opened.setdefault(key, night)
            for key, start in opened.items():
                if add_working_days(start, days) < night and (unit.id, key, start) not in {e[:3] for e in expected}:
                    expected.add((unit.id, key, start, n))
    got = set()
    store = replay["store"]
    rows = {r["key"]: r for r in store.list_findings(config.profile.name, status="all")}
    for n, plan in replay["plans"].items():
        for key in plan.escalated:
            r = rows[key]
            got.add((r["unit_id"], (r["subject"], r["field"], r["category"]), n))
    assert {(u, k, n) for u, k, _, n in expected} == got
    assert got, "the scenario has findings left past their deadline"


def test_slack_down_two_nights_then_everything_delivered_once(replay):
    store = replay["store"]
    slack_rows = [m for m in store.messages() if m["channel"] == "slack"]
    assert all(m["status"] == "sent" for m in slack_rows)
    assert len(replay["posted"]) == len(slack_rows), "nothing twice, nothing lost"
    first, second = SLACK_DOWN
    assert replay["slack_seen"][second] == replay["slack_seen"][first - 1], "nothing got through while down"
    assert replay["deliveries"][first].waiting > 0 and replay["deliveries"][second + 1].sent > 0
    waited = [m for m in slack_rows if m["attempts"] > 1]
    assert waited and all(m["last_error"] is None for m in waited)


def test_every_email_delivered_once_with_vietnamese_subject(replay):
    store = replay["store"]
    email_rows = [m for m in store.messages() if m["channel"] == "email"]
    assert email_rows and all(m["status"] == "sent" for m in email_rows)
    assert len(replay["mail"].envelopes) == len(email_rows)
    import email as email_lib
    from email.header import decode_header, make_header
    subjects = {str(make_header(decode_header(email_lib.message_from_bytes(e.content)["Subject"])))
                for e in replay["mail"].envelopes}
    assert any("nội dung cần cập nhật" in s for s in subjects)


def test_quiet_hours_hold_messages_until_morning(config):
    policy = config.profile.policy
    assert in_quiet_time(dt.datetime(2022, 6, 13, 1, 30, tzinfo=stages.PORTAL_TZ), policy)
    assert not in_quiet_time(dt.datetime(2022, 6, 13, 8, 0, tzinfo=stages.PORTAL_TZ), policy)


def test_injected_channel_mention_arrives_as_text(replay, config):
    """A leader's e-mail on the portal reads "<!channel> <@U123> ...": it must reach Slack as text,
    never as a mention, and the HTML e-mail must show it escaped."""
    routes = config.registry.units["phuong-9"].routes
    posted = [m for m in replay["posted"] if m.channel == routes.slack]
    assert posted, "phuong-9 was told about its invalid e-mail"
    import json
    payloads = [json.dumps([m.text, m.blocks], ensure_ascii=False) for m in posted]
    assert any("&lt;!channel&gt;" in p and "&lt;@U123&gt;" in p for p in payloads)
    assert not any("<!channel>" in p or "<@U123>" in p for p in payloads)

    import email as email_lib
    from email import policy

    mails = [email_lib.message_from_bytes(e.content, policy=policy.default) for e in replay["mail"].envelopes
             if any(address in e.rcpt_tos for address in routes.email)]
    assert mails
    html = [part.get_content() for m in mails for part in m.walk() if part.get_content_type() == "text/html"]
    assert any("&lt;!channel&gt;" in h for h in html) and not any("<!channel>" in h for h in html)


def test_smtp_down_then_every_email_delivered_once(tmp_path, nights, config):
    """The mail server is down in the morning: e-mails wait in the outbox (nothing refused for good);
    the next delivery, with the server back on the same port, sends each of them once."""
    import socket

    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    result = nights[1]
    changes = record(store, config, result)
    score = score_portal(result.findings, config.registry, config.roster, result.date)
    stages.plan_and_queue(store, config, result.date, changes, [], score, None)
    emails = [m for m in store.messages() if m["channel"] == "email"]
    assert emails

    with socket.socket() as probe:  # a port nothing listens on, for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = EmailSender("127.0.0.1", port, security="none", sender="giamsat@vungtau.baria-vungtau.gov.vn",
                         timeout_s=5)
    down = deliver(store, config.profile.name, slack=None, email=sender, policy=config.profile.policy,
                   now=_morning(result.date))
    assert down.sent == 0 and down.failed == 0 and down.waiting >= len(emails)
    assert down.problems, "ops are told why the e-mails wait"
    assert all(m["status"] == "pending" for m in store.messages() if m["channel"] == "email")

    mailbox = Mailbox()
    smtp = LoopbackController(mailbox, hostname="127.0.0.1", port=port, server_hostname="localhost")
    smtp.start()
    try:
        back = deliver(store, config.profile.name, slack=None, email=sender, policy=config.profile.policy,
                       now=_morning(result.date) + dt.timedelta(hours=1))
        again = deliver(store, config.profile.name, slack=None, email=sender, policy=config.profile.policy,
                        now=_morning(result.date) + dt.timedelta(hours=2))
    finally:
        smtp.stop()
        store.dispose()
    assert back.sent >= len(emails) and again.sent == 0
    assert len(mailbox.envelopes) == len(emails), "each e-mail once"


def test_the_morning_delivery_holds_messages_on_public_holidays_and_weekends(tmp_path, nights, config):
    """The schedule fires every morning at 07:05; on National Day (Friday 02/09/2022) and on the
    weekend after it the messages wait, and the Monday morning sends them. A Saturday worked in
    exchange for a day off (26/04/2025, for Friday 02/05/2025) is a working day: deadlines count it,
    so the messages go out. Ops sending by hand (`portalwatch alerts send`) are not held."""
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    result = nights[1]
    stages.plan_and_queue(store, config, result.date, record(store, config, result), [], None, None)
    emails = [m for m in store.messages() if m["channel"] == "email"]
    assert emails
    mailbox = Mailbox()
    smtp = LoopbackController(mailbox, hostname="127.0.0.1", port=0, server_hostname="localhost")
    smtp.start()
    try:
        sender = EmailSender("127.0.0.1", smtp.port, security="none", sender="giamsat@vungtau.baria-vungtau.gov.vn")

        def morning(day: int, **kwargs):
            return deliver(store, config.profile.name, slack=None, email=sender, policy=config.profile.policy,
                           now=_morning(dt.date(2022, 9, day)), **kwargs)

        for day in (2, 3):                                   # National Day, then a Saturday
            held = morning(day, working_days_only=True)
            assert held.sent == 0 and held.waiting == len(store.pending_messages())
            assert held.held == f"{day:02d}/09/2022 is not a working day"
            assert not mailbox.envelopes and all(m["status"] == "pending" for m in store.messages())
        monday = morning(5, working_days_only=True)
        assert monday.held is None and monday.sent == len(emails) == len(mailbox.envelopes)

        stages.plan_and_queue(store, config, nights[2].date, record(store, config, nights[2]), [], None, None)
        by_hand = morning(2)                                 # not held: a person asked
        assert by_hand.held is None and by_hand.sent > 0

        stages.plan_and_queue(store, config, nights[3].date, record(store, config, nights[3]), [], None, None)
        waiting = sum(m["channel"] == "email" for m in store.pending_messages())
        worked = deliver(store, config.profile.name, slack=None, email=sender, policy=config.profile.policy,
                         now=_morning(dt.date(2025, 4, 26)), working_days_only=True)
        assert waiting and worked.held is None and worked.sent == waiting, "a worked Saturday delivers"
    finally:
        smtp.stop()
        store.dispose()
