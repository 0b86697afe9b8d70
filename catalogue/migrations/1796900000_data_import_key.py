"""import key: external ids of solutions imported from spreadsheets

Revision ID: 1796900000
Revises: 1796000000
Create Date: 2026-12-03 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1796900000"
down_revision: str | Sequence[str] | None = "1796000000"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namespace", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("solution_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["solution_id"],
            ["solution.id"],
            name=op.f("fk_import_key_solution_id_solution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_key")),
        sa.UniqueConstraint("namespace", "external_id", name=op.f("uq_import_key_namespace")),
    )
    op.create_index(op.f("ix_import_key_solution_id"), "import_key", ["solution_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_import_key_solution_id"), table_name="import_key")
    op.drop_table("import_key")
