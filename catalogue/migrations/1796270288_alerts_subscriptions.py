"""alerts: subscriptions and their delivered solutions

Revision ID: 1796270288
Revises: 1796400000
Create Date: 2026-12-03 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "1796270288"
down_revision: str | Sequence[str] | None = "1796400000"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "search",
                "category",
                "kreis",
                "open_needs",
                name="subscriptionkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("kreis", sa.String(length=5), nullable=True),
        sa.Column(
            "frequency",
            sa.Enum(
                "daily",
                "weekly",
                name="digestfrequency",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_period", sa.String(length=10), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_subscription_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
    )
    op.create_index(op.f("ix_subscription_user_id"), "subscription", ["user_id"], unique=False)
    op.create_table(
        "subscription_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("solution_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["solution_id"],
            ["solution.id"],
            name=op.f("fk_subscription_delivery_solution_id_solution"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_subscription_delivery_subscription_id_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_delivery")),
        sa.UniqueConstraint(
            "subscription_id",
            "solution_id",
            name=op.f("uq_subscription_delivery_subscription_id"),
        ),
    )
    op.create_index(
        op.f("ix_subscription_delivery_solution_id"),
        "subscription_delivery",
        ["solution_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_subscription_delivery_subscription_id"),
        "subscription_delivery",
        ["subscription_id"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(
        op.f("ix_subscription_delivery_subscription_id"), table_name="subscription_delivery"
    )
    op.drop_index(op.f("ix_subscription_delivery_solution_id"), table_name="subscription_delivery")
    op.drop_table("subscription_delivery")
    op.drop_index(op.f("ix_subscription_user_id"), table_name="subscription")
    op.drop_table("subscription")
