"""The morning delivery of the outbox, as a Prefect flow.

The nightly audit runs at 01:30, inside the portals' quiet hours, so what it queues waits in the
store's outbox; this flow sends it on working-day mornings (07:05; the schedule fires every day, and
on a weekend or public holiday the flow holds the messages for the next working day, while a
Saturday worked in exchange for a day off is a working day). Sending is
retried on the next run, not here: a message that could not leave stays pending in the outbox.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.states import Failed
from prefect.cache_policies import NO_CACHE

from flows.secret_blocks import secrets_to_env
from portalwatch import night as stages


@task(name="deliver-portal", retries=1, retry_delay_seconds=[60], cache_policy=NO_CACHE)
def deliver_portal(profile: str, out: str, db: str | None, now: dt.datetime | None) -> dict[str, Any]:
    from portalwatch.store import open_store

    config = stages.load_config(profile)
    store = open_store(stages.store_url(out, db))
    try:
        report = stages.deliver_alerts(store, config, send=True, now=now, working_days_only=True)
    finally:
        store.dispose()
    logger = get_run_logger()
    if report.held:
        logger.info("%s: %d messages wait in the outbox: %s", config.profile.name, report.waiting, report.held)
    logger.info("%s: %d delivered, %d waiting in the outbox, %d refused", config.profile.name, report.sent,
                report.waiting, report.failed)
    for note in report.notes:
        logger.info("%s: %s", config.profile.name, note)
    for problem in report.problems:
        logger.warning("%s: %s", config.profile.name, problem)
    return {"portal": config.profile.name, "sent": report.sent, "waiting": report.waiting,
            "failed": report.failed, "dropped": report.dropped, "problems": report.problems,
            "notes": report.notes, "held": report.held}


@flow(name="deliver-outbox", log_prints=True)
def deliver_outbox(profiles: list[str], out: str = "out", db: str | None = None, slack_secret: str | None = None,
                   smtp_password_secret: str | None = None, now: str | None = None) -> Any:
    """Send what waits in the outbox of each portal, over Slack and e-mail as the environment
    configures them (PORTALWATCH_SLACK_TOKEN, PORTALWATCH_SMTP_*).

    ``slack_secret`` and ``smtp_password_secret`` name Prefect Secret blocks holding the Slack bot
    token and the SMTP password, for workers whose environment does not carry them. Messages found
    inside the profile's quiet hours, or on a weekend or public holiday, stay pending for the next
    run. ``now`` (ISO date and time in the portal's time zone) replaces the clock, to replay a morning.

    The run ends Failed, after its table artifact, when a message was refused or still waits for a
    channel that is down or not set up (:func:`delivery_problem`).
    """
    clock = stages.clock_time(now, "now")
    secrets_to_env(slack_secret, smtp_password_secret)
    results = [deliver_portal(profile, out, db, clock) for profile in profiles]
    _publish_delivery(results)
    problem = delivery_problem(results)
    if problem is not None:
        # As `portalwatch alerts send` exits 1: Prefect's UI and automations see a morning whose
        # messages did not go, instead of a Completed run and units told a day late.
        return Failed(message=problem, data=results)
    return results


def delivery_problem(results: list[dict[str, Any]]) -> str | None:
    """Why this morning's delivery needs a person, or None: a message refused for good, or one left
    waiting by a channel down or not set up. Messages held by quiet hours or a day off are not a
    problem: they go on the next working morning, as planned."""
    troubled = [r for r in results if r["failed"] or r["problems"]]
    if not troubled:
        return None
    parts = [f"{r['portal']}: {r['failed']} refused, {r['waiting']} waiting ({'; '.join(r['problems'][:3])}"
             f"{' …' if len(r['problems']) > 3 else ''})" for r in troubled]
    return "messages not delivered: " + " | ".join(parts)


def _publish_delivery(results: list[dict[str, Any]]) -> None:
    """This morning's delivery as one Prefect table artifact, a row per portal: in Prefect's UI ops see
    at a glance a portal whose messages keep waiting (Slack or SMTP down, quiet hours) or were refused,
    without reading the run's logs."""
    from prefect.artifacts import create_table_artifact

    rows = [{"Cổng (portal)": r["portal"], "Đã gửi (delivered)": r["sent"], "Đang chờ (waiting)": r["waiting"],
             "Bị từ chối (refused)": r["failed"],
             "Không gửi: không còn nơi nhận, hoặc đơn vị mới chưa đến hạn (dropped)": r.get("dropped", 0),
             "Giữ lại vì (held)": r["held"] or "—",
             "Sự cố (problems)": "; ".join(r["problems"]) or "—"} for r in results]
    create_table_artifact(rows, key="deliver-alerts",
                          description="Tin nhắn gửi sáng nay, theo từng cổng / this morning's delivery, per portal")
