"""Operations tables: after-commit side-effect jobs, stored need matches and the heartbeat of
every host's worker. They are written by ``services.jobs``, ``services.matching`` and
``services.worker`` only."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import Base


class Job(Base):
    """A side effect (reverse matching, notifications) written in the same transaction as the
    change that causes it and run after commit, once the index has applied ``after_outbox_id``.
    ``key`` makes enqueueing idempotent; ``done_at`` is set in the transaction that writes the
    job's effects, so a job's effects are committed exactly once."""

    __tablename__ = "job"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    key: orm.Mapped[str] = orm.mapped_column(sa.String(200), unique=True)
    payload: orm.Mapped[str] = orm.mapped_column(sa.Text, default="{}")
    after_outbox_id: orm.Mapped[int] = orm.mapped_column(default=0)
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    last_error: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    run_after: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    done_at: orm.Mapped[datetime | None] = orm.mapped_column(index=True)


class NeedMatchSet(Base):
    """The stored best matches of one need, computed by the worker (``/vermittlung`` reads them
    instead of matching every open need on every page load). ``outbox_id`` is the newest search
    outbox row the computation saw: newer solution changes make the set stale."""

    __tablename__ = "need_match_set"

    need_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("need.id", ondelete="CASCADE"), primary_key=True
    )
    matches: orm.Mapped[str] = orm.mapped_column(sa.Text, default="[]")  # JSON list
    outbox_id: orm.Mapped[int] = orm.mapped_column(default=0)
    computed_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)


class WorkerHeartbeat(Base):
    """One row per host: when its worker last completed a loop, how far its index lags."""

    __tablename__ = "worker_heartbeat"

    host: orm.Mapped[str] = orm.mapped_column(sa.String(100), primary_key=True)
    pid: orm.Mapped[int] = orm.mapped_column(default=0)
    started_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_success_at: orm.Mapped[datetime | None]
    last_error_at: orm.Mapped[datetime | None]
    last_error: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    cursor: orm.Mapped[int] = orm.mapped_column(default=0)
    lag_rows: orm.Mapped[int] = orm.mapped_column(default=0)
    lag_seconds: orm.Mapped[float] = orm.mapped_column(default=0.0)
    jobs_pending: orm.Mapped[int] = orm.mapped_column(default=0)


class PeriodicRun(Base):
    """One row per periodic command (digests, reminders …): when it last started and finished
    and what it did, so a timer that stopped firing shows on the operations page."""

    __tablename__ = "periodic_run"

    name: orm.Mapped[str] = orm.mapped_column(sa.String(40), primary_key=True)
    last_started_at: orm.Mapped[datetime | None]
    last_finished_at: orm.Mapped[datetime | None]
    last_summary: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
