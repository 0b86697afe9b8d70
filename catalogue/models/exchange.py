"""Needs (Bedarfe), reuse records (Nachnutzung) and contact requests (Vermittlung): the
DigitalBüro's brokering domain."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import Base
from catalogue.models._types import enum_column
from catalogue.models.enums import (
    ContactOutcome,
    ContactRequestStatus,
    NeedStatus,
    NeedVisibility,
    ReuseStatus,
)
from catalogue.models.municipality import Municipality
from catalogue.models.solution import Solution
from catalogue.models.user import User


class Need(Base):
    __tablename__ = "need"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    municipality_ags: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("municipality.ags"), index=True
    )
    author_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    text: orm.Mapped[str] = orm.mapped_column(sa.Text)
    category: orm.Mapped[str | None] = orm.mapped_column(sa.String(40))
    tags: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # comma separated
    visibility: orm.Mapped[NeedVisibility] = orm.mapped_column(
        enum_column(NeedVisibility), default=NeedVisibility.PUBLIC
    )
    status: orm.Mapped[NeedStatus] = orm.mapped_column(
        enum_column(NeedStatus), default=NeedStatus.OPEN, index=True
    )
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)

    municipality: orm.Mapped[Municipality] = orm.relationship()
    author: orm.Mapped[User | None] = orm.relationship()

    @property
    def is_confidential(self) -> bool:
        """Visible only to the DigitalBüro and the need's own municipality."""
        return self.visibility == NeedVisibility.CURATORS


class Reuse(Base):
    __tablename__ = "reuse"
    __table_args__ = (sa.UniqueConstraint("solution_id", "municipality_ags"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    solution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    municipality_ags: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("municipality.ags"), index=True
    )
    status: orm.Mapped[ReuseStatus] = orm.mapped_column(enum_column(ReuseStatus))
    ended_reason: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
    confirmed_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
    confirmed_at: orm.Mapped[datetime | None]
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)

    solution: orm.Mapped[Solution] = orm.relationship()
    municipality: orm.Mapped[Municipality] = orm.relationship()


class ContactRequest(Base):
    __tablename__ = "contact_request"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    solution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    need_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("need.id", ondelete="SET NULL"), index=True
    )
    requester_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
    requester_municipality_ags: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("municipality.ags")
    )
    message: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    status: orm.Mapped[ContactRequestStatus] = orm.mapped_column(
        enum_column(ContactRequestStatus), default=ContactRequestStatus.OPEN, index=True
    )
    broker_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
    reuse_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("reuse.id", ondelete="SET NULL")
    )
    outcome: orm.Mapped[ContactOutcome | None] = orm.mapped_column(
        enum_column(ContactOutcome), nullable=True
    )
    brokered_at: orm.Mapped[datetime | None]
    # When the requester agreed, by sending the contact form (which says so), that their name
    # and address go to the solution's owners. Requests made before the form said so, and
    # threads the DigitalBüro opened for a need, carry none: their requester is not named.
    requester_agreed_at: orm.Mapped[datetime | None]
    # Last message or state change: follow-up reminders count the silence from here.
    last_activity_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)

    solution: orm.Mapped[Solution] = orm.relationship()
    need: orm.Mapped[Need | None] = orm.relationship()
    reuse: orm.Mapped[Reuse | None] = orm.relationship()
    requester: orm.Mapped[User | None] = orm.relationship(foreign_keys=[requester_id])
    requester_municipality: orm.Mapped[Municipality | None] = orm.relationship()
    messages: orm.Mapped[list[ContactMessage]] = orm.relationship(
        cascade="all, delete-orphan", order_by="ContactMessage.id"
    )

    @property
    def unasked(self) -> bool:
        """The DigitalBüro brokered a need of its own accord: nobody sent the contact form."""
        return (
            self.requester_agreed_at is None
            and self.brokered_at is not None
            and self.need_id is not None
        )


class ContactMessage(Base):
    """One message in a contact request's thread (the request itself, the DigitalBüro's
    brokering note, answers of either side, reminders and outcomes)."""

    __tablename__ = "contact_message"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    request_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("contact_request.id", ondelete="CASCADE"), index=True
    )
    author_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Snapshot "Name (Kommune)" so the thread stays readable after an account is deleted.
    author_label: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="message")
    body: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)


class Reminder(Base):
    """One sent reminder. The unique key makes ``catalogue reminders send`` idempotent: a
    subject gets exactly one reminder of a kind per period (e.g. per review-by date)."""

    __tablename__ = "reminder"
    __table_args__ = (sa.UniqueConstraint("subject_type", "subject_id", "kind", "period"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    subject_type: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    subject_id: orm.Mapped[int]
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    period: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    recipients: orm.Mapped[int] = orm.mapped_column(default=0)
    sent_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)


class MailOptOut(Base):
    """An address (typically a contact person without an account) that asked, through the
    link in a mail, not to receive brokering or reminder mails any more."""

    __tablename__ = "mail_opt_out"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    email: orm.Mapped[str] = orm.mapped_column(sa.String(254), unique=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
