"""Immutable audit rows (review events), the search outbox and accessibility feedback.

Review events are only ever inserted; the ORM guard below refuses updates and deletes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event, orm

from catalogue.clock import utcnow
from catalogue.db import Base
from catalogue.models._types import enum_column
from catalogue.models.enums import OutboxOp
from catalogue.models.user import User


class ReviewEvent(Base):
    __tablename__ = "review_event"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    entity_type: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    entity_id: orm.Mapped[int]
    actor_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
    from_state: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    to_state: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    comment: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)

    actor: orm.Mapped[User | None] = orm.relationship()

    __table_args__ = (sa.Index("ix_review_event_entity", "entity_type", "entity_id"),)


@event.listens_for(ReviewEvent, "before_update")
@event.listens_for(ReviewEvent, "before_delete")
def _review_events_are_immutable(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("review events are immutable")


class SearchOutbox(Base):
    """One row per change that the search index must apply; written in the same transaction."""

    __tablename__ = "search_outbox"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    doc_id: orm.Mapped[str] = orm.mapped_column(sa.String(40), index=True)
    op: orm.Mapped[OutboxOp] = orm.mapped_column(enum_column(OutboxOp))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)


class BarrierReport(Base):
    """A "Barriere melden" report from the accessibility statement page."""

    __tablename__ = "barrier_report"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    page_url: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    description: orm.Mapped[str] = orm.mapped_column(sa.Text)
    contact_email: orm.Mapped[str] = orm.mapped_column(sa.String(254), default="")
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    resolved_at: orm.Mapped[datetime | None]


class ZeroResultQuery(Base):
    """A search that found nothing — a demand signal for the DigitalBüro. Holds only the
    normalised query text and counts, never who searched."""

    __tablename__ = "zero_result_query"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    query: orm.Mapped[str] = orm.mapped_column(sa.String(200), unique=True)
    count: orm.Mapped[int] = orm.mapped_column(default=1)
    first_seen: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_seen: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)


class SearchSetting(Base):
    """Curator-editable search configuration (currently: the thesaurus text)."""

    __tablename__ = "search_setting"

    key: orm.Mapped[str] = orm.mapped_column(sa.String(40), primary_key=True)
    value: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
