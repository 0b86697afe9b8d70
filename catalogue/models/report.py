"""Experience reports (Erfahrungsberichte): one municipality's structured lessons about one
solution, as originator or as reuser. Same workflow and revision scheme as solutions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import Base
from catalogue.models._types import enum_column
from catalogue.models.enums import ContentState, ReportRole
from catalogue.models.municipality import Municipality
from catalogue.models.solution import Solution
from catalogue.models.user import User


class ExperienceReport(Base):
    __tablename__ = "experience_report"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    solution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    municipality_ags: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("municipality.ags"), index=True
    )
    role: orm.Mapped[ReportRole] = orm.mapped_column(enum_column(ReportRole))
    state: orm.Mapped[ContentState] = orm.mapped_column(
        enum_column(ContentState), default=ContentState.DRAFT, index=True
    )
    revision_of_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("experience_report.id"), index=True
    )
    version: orm.Mapped[int] = orm.mapped_column(default=1)

    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    what_worked: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    what_did_not: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    effort: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    cost: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    duration: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    advice: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)

    author_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)
    published_at: orm.Mapped[datetime | None] = orm.mapped_column(index=True)

    solution: orm.Mapped[Solution] = orm.relationship()
    municipality: orm.Mapped[Municipality] = orm.relationship()
    author: orm.Mapped[User | None] = orm.relationship()

    @property
    def full_text(self) -> str:
        return "\n".join(
            part for part in (self.title, self.what_worked, self.what_did_not, self.advice) if part
        )
