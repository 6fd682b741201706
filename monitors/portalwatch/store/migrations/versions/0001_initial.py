"""The history store: runs, snapshots, records, findings with their lifecycle, events, unit state, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("portal", sa.String(100), nullable=False),
        sa.Column("night", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("pages_failed", sa.Integer, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("opened", sa.Integer, nullable=False),
        sa.Column("resolved", sa.Integer, nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("notices", sa.Text),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_runs_portal_night", "runs", ["portal", "night"])
    op.create_table(
        "page_contents",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("html", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("page_type", sa.String(50), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("final_url", sa.Text),
        sa.Column("content_hash", sa.String(64), sa.ForeignKey("page_contents.hash")),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_snapshots_run_id", "snapshots", ["run_id"])
    op.create_table(
        "records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.String(100)),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_records_run_id", "records", ["run_id"])
    op.create_table(
        "findings",
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("unit_name", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("field", sa.String(50), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("first_seen", sa.Date, nullable=False),
        sa.Column("opened_at", sa.Date, nullable=False),
        sa.Column("last_seen", sa.Date, nullable=False),
        sa.Column("resolved_at", sa.Date),
        sa.Column("times_seen", sa.Integer, nullable=False),
        sa.Column("reopened", sa.Integer, nullable=False),
        sa.Column("notified_at", sa.Date),
        sa.Column("escalated_at", sa.Date),
        sa.Column("value", sa.Text),
        sa.Column("expected", sa.Text),
        sa.Column("suggestion", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("legal_basis", sa.Text),
        sa.Column("message_vi", sa.Text),
        sa.Column("message_en", sa.Text),
    )
    op.create_index("ix_findings_unit_id", "findings", ["unit_id"])
    op.create_table(
        "finding_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("portal", sa.String(100), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("night", sa.Date, nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="SET NULL")),
        sa.UniqueConstraint("portal", "key", "night", "event", name="uq_finding_events_once"),
    )
    op.create_index("ix_finding_events_key", "finding_events", ["portal", "key"])
    op.create_table(
        "unit_state",
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("unit_id", sa.String(100), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("last_changed", sa.Date, nullable=False),
        sa.Column("last_seen", sa.Date, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("portal", sa.String(100), nullable=False),
        sa.Column("night", sa.Date, nullable=False),
        sa.Column("recipient", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("subject", sa.Text),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text),
        sa.Column("blocks", sa.Text),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_outbox_status", "outbox", ["portal", "status"])


def downgrade() -> None:
    for table in ("outbox", "unit_state", "finding_events", "findings", "records", "snapshots", "page_contents",
                  "runs"):
        op.drop_table(table)
