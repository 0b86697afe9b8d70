"""periodic run: when each periodic command (digests, reminders) last started and finished

Revision ID: 1797200000
Revises: 1797100000
Create Date: 2026-12-05 10:30:00

The operations page shows a timer that stopped firing (nothing recorded when digests or
reminders last ran before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1797200000"
down_revision: str | Sequence[str] | None = "1797100000"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "periodic_run",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_started_at", sa.DateTime(), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_periodic_run")),
    )


def downgrade() -> None:
    op.drop_table("periodic_run")
