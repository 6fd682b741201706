"""The history store's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

    runs            one row per night of a portal (and its attempts): status, counts, run notices
    page_contents   rendered HTML, zlib-compressed, stored once per content hash
    snapshots       which page answered what on which run (URL, status, hash, when)
    records         the extracted unit and directory records of each run (JSON)
    findings        one row per finding key: its lifecycle (open, notified, escalated, resolved)
    finding_events  what happened to a finding on which night (opened, seen, resolved, reopened, ...)
    unit_state      per unit, a hash of what its page shows and the night it last changed
    unit_scores     each unit's content score of each night, or why it was not scored (page, directory, date)
    night_findings  each night's findings as it wrote them (JSON), to write a lost night's files again
    outbox          messages to deliver; what could not be delivered waits here for a later run
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData,
                        String, Table, Text, UniqueConstraint)

__all__ = ["metadata", "runs", "page_contents", "snapshots", "records", "findings", "finding_events",
           "unit_state", "unit_scores", "night_findings", "outbox"]

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"})

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", String(100), nullable=False),
    Column("night", Date, nullable=False),
    Column("status", String(20), nullable=False),            # running, completed, failed, superseded (audited again)
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("pages", Integer, nullable=False, default=0),
    Column("pages_failed", Integer, nullable=False, default=0),
    Column("findings", Integer, nullable=False, default=0),
    Column("opened", Integer, nullable=False, default=0),
    Column("resolved", Integer, nullable=False, default=0),
    Column("score", Float),
    Column("notices", Text),                                 # JSON list of run notices for ops
    Column("error", Text),
    Column("extract_key", String(64)),                       # how its records were extracted (0003)
    Index("ix_runs_portal_night", "portal", "night"),
)

page_contents = Table(
    "page_contents", metadata,
    Column("hash", String(64), primary_key=True),            # sha256 of the HTML
    Column("html", LargeBinary, nullable=False),             # zlib-compressed UTF-8
    Column("size", Integer, nullable=False),
)

snapshots = Table(
    "snapshots", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("page_type", String(50), nullable=False),
    Column("status", Integer, nullable=False),
    Column("final_url", Text),
    Column("content_hash", String(64), ForeignKey("page_contents.hash")),
    Column("rendered_at", DateTime(timezone=True), nullable=False),
    Column("error", Text),
    Column("via", String(10)),                               # http, browser (None before 0002)
    Column("etag", String(200)),                             # validators of a page read over HTTP,
    Column("last_modified", String(64)),                     # for conditional requests the next night
    Column("wait_for_seen", Text),                           # the wait_for selector seen on the page
    Column("sources", Text),                                 # JSON [[url, etag, last_modified], ...]: what
)                                                            # a page drawn by the browser loaded

records = Table(
    "records", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),              # unit, directory
    Column("unit_id", String(100)),
    Column("data", Text, nullable=False),                    # JSON, NFC
)

findings = Table(
    "findings", metadata,
    Column("portal", String(100), primary_key=True),
    Column("key", String(40), primary_key=True),
    Column("unit_id", String(100), nullable=False, index=True),
    Column("unit_name", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("field", String(50), nullable=False),
    Column("rule", String(100), nullable=False),
    Column("category", String(40), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("status", String(20), nullable=False),            # open, notified, escalated, resolved, withdrawn
    Column("first_seen", Date, nullable=False),
    Column("opened_at", Date, nullable=False),               # the night of the current spell's (re)opening
    Column("last_seen", Date, nullable=False),
    Column("resolved_at", Date),
    Column("times_seen", Integer, nullable=False),
    Column("reopened", Integer, nullable=False, default=0),
    Column("notified_at", Date),
    Column("escalated_at", Date),
    Column("value", Text),
    Column("expected", Text),
    Column("suggestion", Text),
    Column("url", Text),
    Column("legal_basis", Text),
    Column("message_vi", Text),
    Column("message_en", Text),
)

finding_events = Table(
    "finding_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", String(100), nullable=False),
    Column("key", String(40), nullable=False),
    Column("night", Date, nullable=False),
    Column("event", String(20), nullable=False),             # opened, seen, resolved, reopened, notified, escalated, withdrawn
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL")),
    UniqueConstraint("portal", "key", "night", "event", name="uq_finding_events_once"),
    Index("ix_finding_events_key", "portal", "key"),
)

unit_state = Table(
    "unit_state", metadata,
    Column("portal", String(100), primary_key=True),
    Column("unit_id", String(100), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("last_changed", Date, nullable=False),
    Column("last_seen", Date, nullable=False),
)

unit_scores = Table(
    "unit_scores", metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", String(100), primary_key=True),
    Column("score", Float),                                  # on 12; None when the unit was not scored
    Column("not_read", String(20)),                          # why not: its page, the directory, its date (0006)
)

night_findings = Table(
    "night_findings", metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(40), primary_key=True),
    Column("data", Text, nullable=False),                    # the finding as findings.jsonl has it (0007)
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", String(100), nullable=False),
    Column("night", Date, nullable=False),
    Column("recipient", String(100), nullable=False),        # unit id, vp-office or ops
    Column("channel", String(10), nullable=False),           # slack, email
    Column("address", Text, nullable=False),                 # channel name or e-mail addresses
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("subject", Text),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text),
    Column("blocks", Text),                                  # Slack Block Kit JSON
    # pending, sending (claimed by a delivery), sent, failed (permanently), dropped, dry-run
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("claimed_at", DateTime(timezone=True)),           # when a delivery claimed it (0008)
    Index("ix_outbox_status", "portal", "status"),
)
