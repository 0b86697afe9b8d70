"""mail settings: staff can stop the reverse-match e-mails; mails carry a List-Unsubscribe URL

Revision ID: 1797300000
Revises: 1797200000
Create Date: 2026-12-05 13:30:00

Every staff account of a need's municipality received an e-mail for every new solution that fits
the need well, and nobody could turn that off. ``user_account.mail_match_alerts`` (default on)
is the setting; ``outgoing_mail.unsubscribe_url`` is sent as the ``List-Unsubscribe`` header of
digests, reverse-match mails and mails to contact persons. ``ix_outgoing_mail_unsent`` (partial,
``sent_at IS NULL``) keeps the operations page's and ``/readyz``'s counts of unsent mails to the
unsent rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1797300000"
down_revision: str | Sequence[str] | None = "1797200000"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("mail_match_alerts", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.add_column(
            sa.Column("unsubscribe_url", sa.String(length=500), nullable=False, server_default="")
        )
    op.create_index(
        "ix_outgoing_mail_unsent",
        "outgoing_mail",
        ["created_at"],
        sqlite_where=sa.text("sent_at IS NULL"),
        postgresql_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outgoing_mail_unsent", table_name="outgoing_mail")
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.drop_column("unsubscribe_url")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("mail_match_alerts")
