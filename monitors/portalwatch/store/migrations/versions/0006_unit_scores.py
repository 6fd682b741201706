"""Each night keeps every unit's content score, or why the unit was not scored (its page or the
directory could not be read), so Home Affairs' yearly figures count only the nights a unit was read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_scores",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_id", sa.String(100), primary_key=True),
        sa.Column("score", sa.Float),
        sa.Column("not_read", sa.String(20)),
    )


def downgrade() -> None:
    op.drop_table("unit_scores")
