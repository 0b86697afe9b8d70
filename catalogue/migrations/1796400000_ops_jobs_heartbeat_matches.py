"""ops: side-effect jobs, stored need matches, worker heartbeats, mail delivery bookkeeping

Revision ID: 1796400000
Revises: 1796269117
Create Date: 2026-12-03 03:45:00

Additive only (new tables, nullable/defaulted columns): safe to run while the worker runs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1796400000"
down_revision: str | Sequence[str] | None = "1796269117"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("after_outbox_id", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("run_after", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("key", name=op.f("uq_job_key")),
    )
    op.create_index(op.f("ix_job_done_at"), "job", ["done_at"], unique=False)
    op.create_table(
        "need_match_set",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("matches", sa.Text(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
            name=op.f("fk_need_match_set_need_id_need"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("need_id", name=op.f("pk_need_match_set")),
    )
    op.create_table(
        "worker_heartbeat",
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("lag_rows", sa.Integer(), nullable=False),
        sa.Column("lag_seconds", sa.Float(), nullable=False),
        sa.Column("jobs_pending", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_worker_heartbeat")),
    )
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch.create_index(batch.f("ix_outgoing_mail_next_attempt_at"), ["next_attempt_at"])
    # Mails queued before this migration and never handled are delivered by the worker.
    op.execute(
        "UPDATE outgoing_mail SET next_attempt_at = created_at WHERE sent_at IS NULL AND error = ''"
    )


def downgrade() -> None:
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.drop_index(batch.f("ix_outgoing_mail_next_attempt_at"))
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
    op.drop_table("worker_heartbeat")
    op.drop_table("need_match_set")
    op.drop_index(op.f("ix_job_done_at"), table_name="job")
    op.drop_table("job")
