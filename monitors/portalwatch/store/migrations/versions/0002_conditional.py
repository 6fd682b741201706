"""Snapshots keep how a page was read and its HTTP validators, for conditional requests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("via", sa.String(10)))
        batch.add_column(sa.Column("etag", sa.String(200)))
        batch.add_column(sa.Column("last_modified", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_column("last_modified")
        batch.drop_column("etag")
        batch.drop_column("via")
