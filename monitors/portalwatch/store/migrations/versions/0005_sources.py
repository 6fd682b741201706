"""Page snapshots keep what a page drawn by the browser loaded (its HTML, scripts and data, each
with its validators), so the next night can ask for them conditionally instead of drawing it again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("sources", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_column("sources")
