"""Spreadsheet imports: the external ids of imported solutions (the key that makes a repeated
import update the same solution instead of creating a second one) and the background runs of
imports started on the web page."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import Base
from catalogue.models._types import enum_column
from catalogue.models.enums import ImportRunStatus


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


class ImportRun(Base):
    """An import started on the web page and carried out by the worker, one batch of rows per
    step (``done_rows`` advances in the transaction that writes the batch). The file is kept
    until the run is finished, then dropped (``content`` emptied)."""

    __tablename__ = "import_run"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    created_by_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    filename: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    content: orm.Mapped[bytes] = orm.mapped_column(sa.LargeBinary)
    publish: orm.Mapped[bool] = orm.mapped_column(default=False)
    status: orm.Mapped[ImportRunStatus] = orm.mapped_column(
        enum_column(ImportRunStatus), default=ImportRunStatus.QUEUED, index=True
    )
    total_rows: orm.Mapped[int] = orm.mapped_column(default=0)
    done_rows: orm.Mapped[int] = orm.mapped_column(default=0)
    counts: orm.Mapped[str] = orm.mapped_column(sa.Text, default="{}")  # JSON: action → rows
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    last_error: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    run_after: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    finished_at: orm.Mapped[datetime | None]
