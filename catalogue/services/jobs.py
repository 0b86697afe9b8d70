"""Side-effect jobs: written by services inside their unit of work (so a rolled-back change
queues nothing), run after commit by the worker — or, in inline mode, by the process itself —
once this host's index has applied the change (``after_outbox_id``).

A job runs in two steps: ``prepare`` only reads (and ends its read transactions, so a long job
never holds locks), ``apply`` writes the effects in the same transaction that marks the job
done. Effects are therefore committed exactly once even if two hosts pick up the same job or a
worker dies half-way; a failing job is retried with backoff and shows its attempts and last
error. This module must not send mail itself: mails are rows, delivered by ``services.mail``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import affected_rows, db, unit_of_work
from catalogue.models import Job, SearchOutbox

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # a claimed job is retried by anyone after this
MAX_BACKOFF = timedelta(hours=1)
NOT_READY_DELAY = timedelta(seconds=1)


class NotReady(Exception):
    """Raised by ``prepare`` when the job's inputs are not there yet (e.g. stored matches not
    refreshed): the job is looked at again shortly, without counting as a failed attempt."""


@dataclass(frozen=True)
class Handler:
    prepare: Callable[[dict[str, Any]], Any]
    apply: Callable[[orm.Session, dict[str, Any], Any], None]


HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def enqueue_job(session: orm.Session, *, kind: str, key: str, payload: dict[str, Any]) -> None:
    """Queue a job in the caller's unit of work; a second job with the same key is ignored.
    It runs once the index of the running host has applied every outbox row written so far."""
    session.flush()
    if session.scalar(sa.select(Job.id).where(Job.key == key)) is not None:
        return
    newest = session.scalar(sa.select(sa.func.max(SearchOutbox.id))) or 0
    session.add(Job(kind=kind, key=key, payload=json.dumps(payload), after_outbox_id=newest))


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(cursor: int) -> tuple[int, str, dict[str, Any], int] | None:
    """Take the oldest due job; compare-and-set on ``run_after`` so that only one process wins
    even where ``SKIP LOCKED`` is not available (SQLite)."""
    now = utcnow()
    for _ in range(5):
        with unit_of_work() as s:
            job = s.scalar(
                sa.select(Job)
                .execution_options(populate_existing=True)
                .where(Job.done_at.is_(None), Job.run_after <= now, Job.after_outbox_id <= cursor)
                .order_by(Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job is None:
                return None
            won = affected_rows(
                s.execute(
                    sa.update(Job)
                    .where(Job.id == job.id, Job.done_at.is_(None), Job.run_after == job.run_after)
                    .values(attempts=Job.attempts + 1, run_after=now + LEASE)
                    .execution_options(synchronize_session=False)
                )
            )
            claimed = (job.id, job.kind, json.loads(job.payload), job.after_outbox_id)
        if won:
            return claimed
    return None


def _run(job_id: int, kind: str, payload: dict[str, Any], after_outbox_id: int) -> bool:
    handler = HANDLERS.get(kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {kind!r}")
        prepared = handler.prepare({**payload, "_after_outbox_id": after_outbox_id})
        db.session.rollback()  # end the read transaction before writing
        with unit_of_work() as s:
            job = s.get(Job, job_id, with_for_update=True, populate_existing=True)
            if job is None or job.done_at is not None:
                return False  # another host finished it first
            handler.apply(s, payload, prepared)
            job.done_at = utcnow()
            job.last_error = ""
        return True
    except NotReady:
        db.session.rollback()
        with unit_of_work() as s:
            s.execute(
                sa.update(Job)
                .where(Job.id == job_id, Job.done_at.is_(None))
                .values(attempts=Job.attempts - 1, run_after=utcnow() + NOT_READY_DELAY)
            )
        return False
    except Exception as error:
        db.session.rollback()
        log.exception("job %s (%s) failed; it will be retried", job_id, kind)
        with unit_of_work() as s:
            job = s.get(Job, job_id, populate_existing=True)
            if job is not None:
                job.last_error = f"{type(error).__name__}: {error}"[:2000]
                job.run_after = utcnow() + backoff(job.attempts)
        return False


def run_due_jobs(*, cursor: int, limit: int = 20) -> int:
    """Run up to ``limit`` due jobs whose change this host's index (``cursor``) has applied."""
    done = 0
    for _ in range(limit):
        claimed = _claim(cursor)
        if claimed is None:
            break
        done += _run(*claimed)
    return done


def pending_jobs(kind: str | None = None) -> int:
    query = sa.select(sa.func.count(Job.id)).where(Job.done_at.is_(None))
    if kind is not None:
        query = query.where(Job.kind == kind)
    return db.session.scalar(query) or 0


def failing_jobs(limit: int = 50) -> list[Job]:
    """Jobs that failed at least once and are not done (for the admin page and monitoring)."""
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.done_at.is_(None), Job.last_error != "")
            .order_by(Job.id)
            .limit(limit)
        )
    )
