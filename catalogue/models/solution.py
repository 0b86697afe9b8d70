"""Solutions (Lösungen) and what hangs off them: tags, partner municipalities, links,
contact persons and attachments.

A solution row carries content plus its workflow ``state``. Editing a published solution creates a
second row with ``revision_of_id`` pointing at the published one; approving the revision copies
its content over (see ``services.workflow``). ``version`` is bumped on every content change and is
what the search index compares to detect drift.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import Base
from catalogue.models._types import enum_column
from catalogue.models.enums import ContentState, ProjectStatus, Readiness, SolutionKind
from catalogue.models.municipality import Municipality
from catalogue.models.user import User

solution_tag = sa.Table(
    "solution_tag",
    Base.metadata,
    sa.Column("solution_id", sa.ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)

solution_partner = sa.Table(
    "solution_partner",
    Base.metadata,
    sa.Column("solution_id", sa.ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("municipality_ags", sa.ForeignKey("municipality.ags"), primary_key=True),
)


class Tag(Base):
    __tablename__ = "tag"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(80), unique=True)


class Solution(Base):
    __tablename__ = "solution"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    slug: orm.Mapped[str] = orm.mapped_column(sa.String(160), unique=True)
    state: orm.Mapped[ContentState] = orm.mapped_column(
        enum_column(ContentState), default=ContentState.DRAFT, index=True
    )
    revision_of_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("solution.id"), index=True
    )
    version: orm.Mapped[int] = orm.mapped_column(default=1)

    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    summary: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    problem: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    description: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # Markdown
    category: orm.Mapped[str] = orm.mapped_column(sa.String(40), index=True)
    kind: orm.Mapped[SolutionKind] = orm.mapped_column(enum_column(SolutionKind))
    project_status: orm.Mapped[ProjectStatus] = orm.mapped_column(enum_column(ProjectStatus))
    readiness: orm.Mapped[Readiness] = orm.mapped_column(enum_column(Readiness))
    lead_municipality_ags: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("municipality.ags"), index=True
    )
    lead_organisation: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    # Partners that are not municipalities of the catalogue (companies, universities, Kreise
    # elsewhere), one per line.
    partner_organisations: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    ozg_references: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # one per line
    leika_keys: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # one per line
    technology: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    products: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    licence: orm.Mapped[str] = orm.mapped_column(sa.String(120), default="")
    repository_url: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    effort_person_days: orm.Mapped[int | None]
    # Whole euros; BIGINT because large projects exceed the 2.1 billion of a 32-bit INTEGER.
    cost_eur: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    cost_note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    funding: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    duration_months: orm.Mapped[int | None]
    review_by: orm.Mapped[date | None]
    # When the owners last confirmed "Angaben sind aktuell" (freshness, services.freshness).
    confirmed_at: orm.Mapped[datetime | None]
    source_note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)
    published_at: orm.Mapped[datetime | None] = orm.mapped_column(index=True)

    lead_municipality: orm.Mapped[Municipality] = orm.relationship()
    created_by: orm.Mapped[User | None] = orm.relationship()
    tags: orm.Mapped[list[Tag]] = orm.relationship(secondary=solution_tag, order_by=Tag.name)
    partners: orm.Mapped[list[Municipality]] = orm.relationship(
        secondary=solution_partner, order_by=Municipality.name
    )
    links: orm.Mapped[list[SolutionLink]] = orm.relationship(
        cascade="all, delete-orphan", order_by="SolutionLink.position"
    )
    contacts: orm.Mapped[list[ContactPerson]] = orm.relationship(
        cascade="all, delete-orphan", order_by="ContactPerson.position"
    )
    attachments: orm.Mapped[list[Attachment]] = orm.relationship(
        cascade="all, delete-orphan", order_by="Attachment.created_at"
    )
    revision_of: orm.Mapped[Solution | None] = orm.relationship(remote_side=[id])

    @property
    def is_published(self) -> bool:
        return self.state == ContentState.PUBLISHED

    @property
    def ozg_reference_list(self) -> list[str]:
        return [line.strip() for line in self.ozg_references.splitlines() if line.strip()]

    @property
    def partner_organisation_list(self) -> list[str]:
        return [line.strip() for line in self.partner_organisations.splitlines() if line.strip()]

    @property
    def leika_key_list(self) -> list[str]:
        return [line.strip() for line in self.leika_keys.splitlines() if line.strip()]


class SolutionLink(Base):
    __tablename__ = "solution_link"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    solution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    title: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    url: orm.Mapped[str] = orm.mapped_column(sa.String(1000))
    position: orm.Mapped[int] = orm.mapped_column(default=0)


class ContactPerson(Base):
    """A contact for a solution. Personal data: shown to signed-in municipal staff only."""

    __tablename__ = "contact_person"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    solution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    name: orm.Mapped[str] = orm.mapped_column(sa.String(160))
    role: orm.Mapped[str] = orm.mapped_column(sa.String(160), default="")
    email: orm.Mapped[str] = orm.mapped_column(sa.String(254), default="")
    phone: orm.Mapped[str] = orm.mapped_column(sa.String(60), default="")
    position: orm.Mapped[int] = orm.mapped_column(default=0)


class Attachment(Base):
    """A file stored outside the web root (``UPLOAD_DIR``) under a random name."""

    __tablename__ = "attachment"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    solution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    filename: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    stored_name: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    content_type: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    size: orm.Mapped[int]
    uploaded_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
