"""Accounts. A user has one role and, except DigitalBüro staff, one municipality.

Password hashing lives in ``services.accounts``; this module holds no logic beyond the
Flask-Login protocol.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import Base
from catalogue.models._types import enum_column
from catalogue.models.enums import Role
from catalogue.models.municipality import Municipality


class User(Base):
    __tablename__ = "user_account"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    email: orm.Mapped[str] = orm.mapped_column(sa.String(254), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    password_hash: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    role: orm.Mapped[Role] = orm.mapped_column(enum_column(Role))
    municipality_ags: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("municipality.ags"), index=True
    )
    is_active: orm.Mapped[bool] = orm.mapped_column(default=True)
    share_contact: orm.Mapped[bool] = orm.mapped_column(default=False)
    # E-mail when a newly published solution fits an open need of the person's municipality
    # well (reverse matching); the notification in the app comes either way.
    mail_match_alerts: orm.Mapped[bool] = orm.mapped_column(default=True, server_default=sa.true())
    phone: orm.Mapped[str] = orm.mapped_column(sa.String(60), default="")
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_login_at: orm.Mapped[datetime | None]
    # Raised to end every session of the account (sign-out, "other sessions", deactivation).
    session_epoch: orm.Mapped[int] = orm.mapped_column(default=0, server_default="0")

    municipality: orm.Mapped[Municipality | None] = orm.relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Session identity: the id plus a fingerprint of the password hash and the session
        epoch, so that a new password or a raised epoch ends every session holding the old one."""
        return f"{self.id}:{self.session_fingerprint}"

    @property
    def session_fingerprint(self) -> str:
        import hashlib

        material = f"{self.password_hash or ''}:{self.session_epoch or 0}"
        return hashlib.sha256(material.encode()).hexdigest()[:16]


class AccountToken(Base):
    """Single-use tokens for invitations and password resets. Only a hash is stored."""

    __tablename__ = "account_token"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: orm.Mapped[str] = orm.mapped_column(sa.String(20))  # invite | reset
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    expires_at: orm.Mapped[datetime]
    used_at: orm.Mapped[datetime | None]

    user: orm.Mapped[User] = orm.relationship()


class ResetRequest(Base):
    """One row per password-reset request, for known and unknown addresses alike: it throttles
    reset mails per address, and writing it on both paths makes them equal work (no timing
    difference reveals whether an account exists). Only a hash of the address is stored."""

    __tablename__ = "reset_request"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    address_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)


class Notification(Base):
    """An in-app notification for one user (review outcomes, new submissions, brokering)."""

    __tablename__ = "notification"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    text: orm.Mapped[str] = orm.mapped_column(sa.Text)
    link: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    read_at: orm.Mapped[datetime | None]


class OutgoingMail(Base):
    """Every e-mail the app sends. Without SMTP configured it is only logged and listed here
    for admins, so the demo works offline."""

    __tablename__ = "outgoing_mail"
    # The operations page and every /readyz probe count the unsent mails by state: a partial
    # index keeps that to the few unsent rows however long the mail history grows.
    __table_args__ = (
        sa.Index(
            "ix_outgoing_mail_unsent",
            "created_at",
            sqlite_where=sa.text("sent_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL"),
        ),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    recipient: orm.Mapped[str] = orm.mapped_column(sa.String(254))
    subject: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    body: orm.Mapped[str] = orm.mapped_column(sa.Text)
    # Sent as the List-Unsubscribe header, so mail programs offer "Abbestellen" ("" = none).
    unsubscribe_url: orm.Mapped[str] = orm.mapped_column(
        sa.String(500), default="", server_default=""
    )
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    sent_at: orm.Mapped[datetime | None]
    error: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    # Delivery bookkeeping (services.mail): due while next_attempt_at is set and sent_at is not.
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    next_attempt_at: orm.Mapped[datetime | None] = orm.mapped_column(default=utcnow, index=True)
