"""From tonight's plan to the outbox, and from the outbox to Slack, e-mail or files (dry run).

Messages are rendered once and queued in the store with an idempotency key per recipient, channel
and night, so a night replayed queues nothing twice and a message is delivered at most once. What
cannot be delivered (Slack or SMTP down) stays pending and goes out on a later run; a permanent
refusal (invalid credentials, unknown channel) is marked failed and reported to ops. Nothing is
sent during quiet hours or a maintenance window: it waits in the outbox. The scheduled morning
delivery also holds it on a weekend or a public holiday (the ``holidays`` calendar), for the next
working-day morning, when the units read their messages.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import files
from ..errors import DeliveryError
from ..profile.registry import Registry, Routes
from ..profile.schema import PolicyRules
from ..workdays import is_working_day
from .policy import AlertPlan
from .render import (render_ops_html, render_ops_slack, render_ops_text, render_unit_html, render_unit_slack,
                     render_unit_text, render_vp_html, render_vp_slack, render_vp_text)

__all__ = ["outbox_messages", "write_dry_run", "write_kept", "deliver", "DeliveryReport", "senders_from_env", "in_quiet_time",
           "describe_delivery", "route_now"]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Rendered:
    recipient: str
    routes: Routes
    subject: str
    text: str
    html: str
    slack_text: str
    blocks: list[dict[str, Any]]


def _rendered(plan: AlertPlan, registry: Registry) -> list[Rendered]:
    out = []
    for digest in plan.units:
        subject, text = render_unit_text(digest)
        fallback, blocks = render_unit_slack(digest)
        out.append(Rendered(digest.unit.id, digest.unit.routes, subject, text, render_unit_html(digest), fallback,
                            blocks))
    if plan.vp is not None and (plan.vp.rows or plan.vp.escalations):
        vp = registry.units.get(registry.vp_office or "")
        subject, text = render_vp_text(plan.vp)
        fallback, blocks = render_vp_slack(plan.vp)
        out.append(Rendered("vp-office", vp.routes if vp else Routes(), subject, text, render_vp_html(plan.vp),
                            fallback, blocks))
    if plan.ops is not None:
        subject, text = render_ops_text(plan.ops)
        fallback, blocks = render_ops_slack(plan.ops)
        out.append(Rendered("ops", registry.ops, subject, text, render_ops_html(plan.ops), fallback, blocks))
    return out


def outbox_messages(plan: AlertPlan, registry: Registry, portal: str, night: dt.date,
                    take: int = 1) -> list[dict[str, Any]]:
    """One outbox row per recipient and channel (a Slack channel, or the e-mail addresses together).

    ``take`` above 1 is a night audited again because the portal did not answer the first time: its
    messages are new (the VP office's digest with the night's real figures), so their keys differ
    from the first take's."""
    rows = []
    for item in _rendered(plan, registry):
        base = f"{portal}/{night.isoformat()}/{item.recipient}" + (f"/take{take}" if take > 1 else "")
        if item.routes.slack:
            rows.append({"recipient": item.recipient, "channel": "slack", "address": item.routes.slack,
                         "idempotency_key": f"{base}/slack/{item.routes.slack}", "subject": item.subject,
                         "body_text": item.slack_text, "body_html": None,
                         "blocks": json.dumps(item.blocks, ensure_ascii=False)})
        if item.routes.email:
            addresses = ",".join(item.routes.email)
            rows.append({"recipient": item.recipient, "channel": "email", "address": addresses,
                         "idempotency_key": f"{base}/email/{addresses}"[:200], "subject": item.subject,
                         "body_text": item.text, "body_html": item.html, "blocks": None})
    return rows


def write_dry_run(plan: AlertPlan, registry: Registry, folder: Path) -> list[Path]:
    """Every message of the night as files: ``<recipient>.txt`` (subject first), ``.html`` and
    ``.slack.json`` (the Block Kit payload), whatever routes the recipient has.

    The folder holds tonight's plan only: files of an earlier take of the night (one the portal did
    not answer, audited again) are removed, so no stale message is left beside the new ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file() and old.name.endswith((".txt", ".html", ".slack.json")):
            old.unlink()
    paths = []
    for item in _rendered(plan, registry):
        # the .txt last: a night run again after a failure takes a .txt as a complete set
        files.write_text(folder / f"{item.recipient}.html", item.html)
        files.write_text(folder / f"{item.recipient}.slack.json",
                         json.dumps({"text": item.slack_text, "blocks": item.blocks}, ensure_ascii=False, indent=1))
        paths.append(files.write_text(folder / f"{item.recipient}.txt", f"Tiêu đề: {item.subject}\n\n{item.text}"))
    return paths


def write_kept(rows: list[dict[str, Any]], folder: Path) -> list[Path]:
    """A night's messages as the outbox kept them (``rows``, one per recipient and channel), written
    as :func:`write_dry_run` writes them: for a night run again after its files were lost (a folder
    it could not write, a disk that filled up after the store recorded it), whose plan is not made
    twice. A recipient with no route (ops, with a registry sheet) has no row, and so no file. A
    recipient whose ``.txt`` is there is left as it is: its ``.txt``, written last, is there only
    once the recipient's files are complete."""
    folder.mkdir(parents=True, exist_ok=True)
    by_recipient: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        if not (folder / f"{row['recipient']}.txt").is_file():
            by_recipient.setdefault(row["recipient"], {})[row["channel"]] = row
    paths = []
    for recipient, channels in by_recipient.items():
        email, slack = channels.get("email"), channels.get("slack")
        first = email or slack
        if email is not None and email["body_html"]:
            files.write_text(folder / f"{recipient}.html", email["body_html"])
        if slack is not None:
            files.write_text(folder / f"{recipient}.slack.json",
                             json.dumps({"text": slack["body_text"], "blocks": json.loads(slack["blocks"] or "[]")},
                                        ensure_ascii=False, indent=1))
        paths.append(files.write_text(folder / f"{recipient}.txt",
                                      f"Tiêu đề: {first['subject'] or ''}\n\n{first['body_text']}"))
    return paths


def in_quiet_time(now: dt.datetime, policy: PolicyRules) -> bool:
    """Inside the policy's quiet hours or a maintenance window (``now`` in the portal's time zone)."""
    if policy.quiet_hours:
        start, end = (dt.time.fromisoformat(t) for t in policy.quiet_hours)
        clock = now.time().replace(tzinfo=None)
        if (start <= clock < end) if start < end else (clock >= start or clock < end):
            return True
    naive = now.replace(tzinfo=None)
    return any(dt.datetime.fromisoformat(a) <= naive < dt.datetime.fromisoformat(b) for a, b in policy.maintenance)


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    waiting: int = 0          # left pending: quiet time, or a retryable failure
    failed: int = 0           # refused for good
    problems: list[str] = field(default_factory=list)
    dry_run: bool = False     # nothing was sent: tonight's messages are the files of the night's alerts/
    held: str | None = None   # why nothing was tried: quiet hours, a maintenance window, a day off
    dropped: int = 0          # not sent: the registry no longer has the recipient, or that channel for it
    taken: int = 0            # left to another delivery running at the same time, which claimed them first
    notes: list[str] = field(default_factory=list)   # why each was dropped, or sent to a new address


def route_now(recipient: str, channel: str, registry: Registry) -> str | None:
    """Where a queued message goes by the registry as it is now, or None when it has no such route
    any more: the unit left the registry, or dropped that channel.

    Messages wait in the outbox (quiet hours, a weekend, SMTP down) while the registry may change: a
    mailbox retired overnight must not be written to, and a unit dissolved is told nothing more."""
    routes = _routes_of(recipient, registry)
    if routes is None:
        return None
    if channel == "slack":
        return routes.slack
    return ",".join(routes.email) or None


def _routes_of(recipient: str, registry: Registry) -> Routes | None:
    """A recipient's routes in the registry, or None when the registry no longer has the recipient."""
    if recipient == "ops":
        return registry.ops
    unit_id = registry.vp_office if recipient == "vp-office" else _unit_of(recipient, registry)
    unit = registry.units.get(unit_id or "")
    return unit.routes if unit is not None else None


def _unit_of(recipient: str, registry: Registry) -> str | None:
    """The registry's unit a recipient is: its id, or a former id of it (``formerly``: messages
    queued under it go to the unit); None for ops and the VP office's digest, which are about the
    whole portal, and for a unit the registry no longer has."""
    if recipient in ("ops", "vp-office"):
        return None
    return recipient if recipient in registry.units else registry.former.get(recipient)


def _why_dropped(message: dict[str, Any], address: str | None, registry: Registry,
                 not_due: dict[str, dt.date]) -> str | None:
    """Why a queued message is not to be sent now (``address``: its route by the registry now), or
    None: its recipient or that channel left the registry, or its unit is new and not yet due."""
    recipient, channel = message["recipient"], message["channel"]
    unsent = f"{recipient}: {channel} to {message['address']} not sent: "
    if address is None:
        return unsent + (f"the registry has no {channel} route for it any more"
                         if _routes_of(recipient, registry) is not None else "it is no longer in the registry")
    unit_id = _unit_of(recipient, registry)
    if unit_id in not_due:
        return unsent + (f"a new unit (registry since), not held to the portal until the end of "
                         f"{not_due[unit_id]:%d/%m/%Y}")
    return None


#: What ops set so a channel can deliver (README, Alerts).
SENDER_SETTINGS = {"slack": "PORTALWATCH_SLACK_TOKEN", "email": "PORTALWATCH_SMTP_HOST"}


def _no_sender(channel: str, address: str) -> str:
    """A message that waits because its channel is not set up, saying what to set."""
    setting = SENDER_SETTINGS.get(channel, "")
    return (f"chưa cấu hình gửi {channel} tới {address}: đặt {setting} / no {channel} sender configured for "
            f"{address}: set {setting}")


def describe_delivery(summary: dict[str, Any]) -> str | None:
    """What became of a night's alerts, in one line, from its summary.json (``delivery``), for the
    CLI's summary and Prefect's; None when the night delivered nothing at all.

    A night run again after it was recorded planned and queued its messages on its first run only:
    the line says so, rather than "0 messages written", which would read as alerts lost."""
    delivery = summary.get("delivery")
    if not delivery:
        return None
    if not delivery.get("dry_run"):
        dropped = (f", {delivery['dropped']} dropped (the registry no longer sends them: a route removed, "
                   f"or a unit new and not yet due)" if delivery.get("dropped") else "")
        return f"{delivery['sent']} delivered, {delivery['waiting']} waiting, {delivery['failed']} refused{dropped}"
    waiting = (f"; {delivery['waiting']} queued by nights run with --send wait in the outbox "
               f"(portalwatch alerts send)" if delivery.get("waiting") else "")
    written = delivery.get("written", 0)
    if (summary.get("store") or {}).get("already_recorded"):
        again = f"; {written} missing written again" if written else ""
        return (f"dry run: night recorded before, its messages not planned again "
                f"({summary.get('unit_messages', 0)} to units, in alerts/{again}), none sent{waiting}")
    return f"dry run: {written} message{'' if written == 1 else 's'} written, none sent{waiting}"


def senders_from_env(environ: dict[str, str] | None = None) -> tuple[Any, Any]:
    """The Slack and SMTP senders the environment configures (None where it configures none).

    A malformed variable raises :class:`~portalwatch.errors.ConfigError` naming it; a night run with
    ``--send`` calls this before it fetches anything, so the mistake costs no night."""
    from ..errors import ConfigError
    from ..settings import http_url_setting, int_setting
    from .email import _SECURITIES, EmailSender
    from .slack import SlackSender

    env = dict(os.environ if environ is None else environ)
    slack = email = None
    if env.get("PORTALWATCH_SLACK_TOKEN"):
        base = (http_url_setting(env, "PORTALWATCH_SLACK_BASE_URL", "https://slack.com/api/")
                if env.get("PORTALWATCH_SLACK_BASE_URL") else None)
        slack = SlackSender(env["PORTALWATCH_SLACK_TOKEN"], base_url=base)
    if env.get("PORTALWATCH_SMTP_HOST"):
        port = int_setting(env, "PORTALWATCH_SMTP_PORT", 1, 65_535) if env.get("PORTALWATCH_SMTP_PORT") else 587
        security = env.get("PORTALWATCH_SMTP_SECURITY") or "starttls"
        if security not in _SECURITIES:
            raise ConfigError(f"environment variable PORTALWATCH_SMTP_SECURITY={security!r}: expected one of "
                              f"{', '.join(_SECURITIES)}")
        sender = env.get("PORTALWATCH_SMTP_FROM", "portalwatch@localhost")
        try:
            email = EmailSender(env["PORTALWATCH_SMTP_HOST"], port, security=security,  # type: ignore[arg-type]
                                username=env.get("PORTALWATCH_SMTP_USER") or None, sender=sender)
        except ConfigError as exc:
            if exc.key != "smtp.sender":
                raise
            raise ConfigError(f"environment variable PORTALWATCH_SMTP_FROM={sender!r}: expected an e-mail address "
                              f"such as portalwatch@vungtau.gov.vn") from None
    return slack, email


def deliver(store: Any, portal: str, *, slack: Any, email: Any, policy: PolicyRules, now: dt.datetime,
            dry_run: bool = False, working_days_only: bool = False,
            registry: Registry | None = None) -> DeliveryReport:
    """Send what is pending in the outbox (oldest first).

    With the ``registry``, each message goes where the registry says now, not where it said when the
    message was queued (:func:`route_now`); one whose recipient or channel it no longer has is
    dropped, kept in the outbox with the reason, and not sent. So is one to a unit the registry now
    says is too new to be held to the portal (``since``): its findings are withdrawn the next night,
    and a message queued before ``since`` was written would chase it for them the morning before.

    A dry run sends nothing and changes nothing: what is pending was queued by a night run with
    ``--send`` and still waits for a real delivery (a dry-run night queues its own messages as
    already written, :func:`~portalwatch.night.plan_and_queue`); the report counts it as waiting."""
    report = DeliveryReport(dry_run=dry_run)
    pending = store.pending_messages(portal)
    if dry_run:
        report.waiting = len(pending)
        return report
    if in_quiet_time(now, policy):
        report.held = "quiet hours or a maintenance window"
    elif working_days_only and not is_working_day(now.date()):
        report.held = f"{now:%d/%m/%Y} is not a working day"
    if report.held:
        report.waiting = len(pending)
        return report
    not_due = registry.not_due(now.date(), policy.deadline_working_days) if registry is not None else {}
    for message in pending:
        if registry is not None:
            address = route_now(message["recipient"], message["channel"], registry)
            why = _why_dropped(message, address, registry, not_due)
            if why is not None:
                store.mark_message(message["id"], "dropped", why)
                report.dropped += 1
                report.notes.append(why)
                continue
            if address != message["address"]:
                report.notes.append(f"{message['recipient']}: {message['channel']} sent to {address}, the "
                                    f"registry's route now (queued for {message['address']})")
                message = {**message, "address": address}
        sender = slack if message["channel"] == "slack" else email
        if sender is None:
            report.waiting += 1
            report.problems.append(_no_sender(message["channel"], message["address"]))
            continue
        if not store.claim_message(message["id"]):
            report.taken += 1        # another delivery running now took it first: theirs to send
            continue
        try:
            if message["channel"] == "slack":
                sender.send(message["address"], message["body_text"], json.loads(message["blocks"] or "[]"))
            else:
                sender.send(message["address"].split(","), message["subject"] or "", message["body_text"],
                            message["body_html"], message_id_key=message["idempotency_key"])
        except DeliveryError as exc:
            retryable = getattr(exc, "retryable", True)
            store.mark_message(message["id"], "pending" if retryable else "failed", str(exc))
            if retryable:
                report.waiting += 1
            else:
                report.failed += 1
            report.problems.append(f"{message['channel']} {message['address']}: {exc}")
            continue
        store.mark_message(message["id"], "sent", address=message["address"])
        report.sent += 1
    if report.taken:
        report.notes.append(f"{report.taken} left to another delivery running at the same time, which took them "
                            f"first (each message is sent once)")
    return report
