"""sec: session epoch per account; cost in euros as BIGINT; reset requests

Revision ID: 1796000000
Revises: 1796270288
Create Date: 2026-12-03 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1796000000"
down_revision: str | Sequence[str] | None = "1796270288"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reset_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reset_request")),
    )
    op.create_index(
        op.f("ix_reset_request_address_hash"), "reset_request", ["address_hash"], unique=False
    )
    op.create_index(
        op.f("ix_reset_request_created_at"), "reset_request", ["created_at"], unique=False
    )
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("solution") as batch:
        batch.alter_column(
            "cost_eur", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("solution") as batch:
        batch.alter_column(
            "cost_eur", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True
        )
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("session_epoch")
    op.drop_index(op.f("ix_reset_request_created_at"), table_name="reset_request")
    op.drop_index(op.f("ix_reset_request_address_hash"), table_name="reset_request")
    op.drop_table("reset_request")
