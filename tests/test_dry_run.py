"""A dry run writes tonight's messages and sends nothing; it never swallows messages that a night
run with --send queued and could not deliver yet (quiet hours, Slack or SMTP not configured or down)."""

from __future__ import annotations

import pytest

from conftest import record
from portalwatch import night as stages
from portalwatch.store import open_store

pytestmark = pytest.mark.browser


def _statuses(store, night):
    return {m["status"] for m in store.messages() if m["night"] == night}


def test_a_dry_run_night_leaves_what_a_send_night_queued_waiting(tmp_path, nights, config):
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        first, second = nights[1], nights[2]
        stages.plan_and_queue(store, config, first.date, record(store, config, first), [], None, None, send=True)
        queued = [m["id"] for m in store.pending_messages()]
        assert queued, "the send night queued messages"

        stages.plan_and_queue(store, config, second.date, record(store, config, second), [], None, None, send=False)
        report = stages.deliver_alerts(store, config, send=False)

        assert report.dry_run and report.sent == 0 and report.waiting == len(queued)
        assert [m["id"] for m in store.pending_messages()] == queued, "the send night's messages still wait"
        assert _statuses(store, first.date) == {"pending"}
        assert _statuses(store, second.date) == {"dry-run"}, "tonight's are written, never sent later"
        assert all(m["sent_at"] is not None for m in store.messages() if m["night"] == second.date)
    finally:
        store.dispose()
