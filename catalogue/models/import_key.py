"""External ids of imported solutions (spreadsheet import): the key that makes a repeated import
update the same solution instead of creating a second one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.db import Base, utcnow


class ImportKey(Base):
    __tablename__ = "import_key"
    __table_args__ = (sa.UniqueConstraint("namespace", "external_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    namespace: orm.Mapped[str] = orm.mapped_column(sa.String(40))  # e.g. "tabelle"
    external_id: orm.Mapped[str] = orm.mapped_column(sa.String(100))
    solution_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True
    )
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
