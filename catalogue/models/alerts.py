"""Alerts: a signed-in person's subscriptions (a search, a category, a Kreis, or new solutions
for their municipality's open needs) and the record of which solution each subscription was
sent, so that a solution is never mailed twice to the same subscription.

Holds no logic beyond labels; ``services.alerts`` decides what is due and what matches.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import Base
from catalogue.models._types import enum_column
from catalogue.models.user import User


class SubscriptionKind(StrEnum):
    SEARCH = "search"
    CATEGORY = "category"
    KREIS = "kreis"
    OPEN_NEEDS = "open_needs"

    @property
    def label(self) -> str:
        return {
            "search": "Suche",
            "category": "Kategorie",
            "kreis": "Kreis",
            "open_needs": "Neue Lösungen für unsere offenen Bedarfe",
        }[self.value]


class DigestFrequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def label(self) -> str:
        return {"daily": "täglich", "weekly": "wöchentlich"}[self.value]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Subscription(Base):
    """What one person wants to hear about, and how often. ``filters`` holds the search's facet
    filters as JSON (facet field → values); ``last_period`` is the digest period (``2026-12-03``
    or ``2026-W49``) last evaluated, so that each period gets at most one digest."""

    __tablename__ = "subscription"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: orm.Mapped[SubscriptionKind] = orm.mapped_column(enum_column(SubscriptionKind))
    query: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    filters: orm.Mapped[str] = orm.mapped_column(sa.Text, default="{}")
    category: orm.Mapped[str | None] = orm.mapped_column(sa.String(40))
    kreis: orm.Mapped[str | None] = orm.mapped_column(sa.String(5))
    frequency: orm.Mapped[DigestFrequency] = orm.mapped_column(
        enum_column(DigestFrequency), default=DigestFrequency.WEEKLY
    )
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_period: orm.Mapped[str] = orm.mapped_column(sa.String(10), default="")
    last_run_at: orm.Mapped[datetime | None]

    user: orm.Mapped[User] = orm.relationship()


class SubscriptionDelivery(Base):
    """One solution sent in one subscription's digest (the unique pair makes "never twice" a
    database guarantee, also when two hosts run the digest command at once)."""

    __tablename__ = "subscription_delivery"
    __table_args__ = (sa.UniqueConstraint("subscription_id", "solution_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    subscription_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    solution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    period: orm.Mapped[str] = orm.mapped_column(sa.String(10))
    sent_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
