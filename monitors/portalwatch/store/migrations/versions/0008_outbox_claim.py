"""A message being delivered is claimed first (status "sending", with the time of the claim), so
two deliveries at once (the morning's and an ``alerts send`` by hand, or workers on two machines)
never send it twice; a claim left by a delivery that died is taken over once it is stale.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_at")
