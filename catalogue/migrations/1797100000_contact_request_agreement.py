"""contact request agreement: when the requester agreed that their name goes to the owners

Revision ID: 1797100000
Revises: 1797000000
Create Date: 2026-12-04 20:40:00

Requests made before the contact form said that name and address are passed on keep NULL, so
brokering them names the requester only if they opted in to share contact details.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1797100000"
down_revision: str | Sequence[str] | None = "1797000000"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_request") as batch:
        batch.add_column(sa.Column("requester_agreed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_request") as batch:
        batch.drop_column("requester_agreed_at")
