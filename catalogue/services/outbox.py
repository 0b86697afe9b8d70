"""Writing search outbox rows. Called by services inside their unit of work so that the row
commits (or rolls back) together with the change it describes."""

from __future__ import annotations

from sqlalchemy import orm

from catalogue.models import OutboxOp, SearchOutbox


def enqueue(session: orm.Session, doc_id: str, op: OutboxOp = OutboxOp.UPSERT) -> None:
    session.add(SearchOutbox(doc_id=doc_id, op=op))


def prune(*, keep_days: int) -> tuple[int, int]:
    """Delete outbox rows and finished jobs older than ``keep_days``; returns (rows, jobs).

    Outbox rows are only deleted below the lowest cursor any host reported in its heartbeat, so
    a host whose index is behind (or a host that is down for a while) can still catch up; a host
    that was away longer than that rebuilds its index (``catalogue search rebuild``).
    """
    from datetime import timedelta

    import sqlalchemy as sa

    from catalogue.clock import utcnow
    from catalogue.db import affected_rows, unit_of_work
    from catalogue.models import Job, WorkerHeartbeat

    horizon = utcnow() - timedelta(days=keep_days)
    with unit_of_work() as s:
        lowest = s.scalar(sa.select(sa.func.min(WorkerHeartbeat.cursor)))
        rows = 0
        if lowest:
            rows = affected_rows(
                s.execute(
                    sa.delete(SearchOutbox).where(
                        SearchOutbox.created_at < horizon, SearchOutbox.id <= lowest
                    )
                )
            )
        jobs = affected_rows(
            s.execute(sa.delete(Job).where(Job.done_at.is_not(None), Job.done_at < horizon))
        )
    return rows or 0, jobs or 0
