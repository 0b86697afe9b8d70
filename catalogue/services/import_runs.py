"""Spreadsheet imports started on the web page run in the background, with visible progress.

A web request only checks the file (the dry run of ``services.table_import``, well under a
second for 500 rows) and queues an ``ImportRun``; the worker — or, in inline mode, the web
process's side-effect thread — writes it one batch of rows per step. Each batch and the run's
``done_rows`` are committed in one transaction, so a crash or a database restart loses at most
the batch in flight, and the next step re-plans from the import keys and continues: rows that
were written are found by their ID and come out "unverändert". A failing batch is retried with
backoff (attempts and the last error are shown on the run's page); after ``MAX_ATTEMPTS`` the
run stops as "abgebrochen" and says so. The file is dropped when the run is finished.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from catalogue.clock import utcnow
from catalogue.db import affected_rows, db, unit_of_work
from catalogue.errors import NotFound, PermissionDenied
from catalogue.exchange import spreadsheet
from catalogue.models import ImportRun, ImportRunStatus, User
from catalogue.permissions import Actor, is_curator, signed_in_id
from catalogue.services import jobs, table_import

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

# The parsed file of the run this process is writing: batches follow each other in the same
# worker, so the file is read once per run and process, not once per batch of 100 rows.
# Holds at most one entry and is emptied when the run ends.
_SHEETS: dict[tuple[int, datetime], spreadsheet.Sheet] = {}


def _sheet(run: ImportRun) -> spreadsheet.Sheet:
    key = (run.id, run.created_at)  # ids repeat across databases (tests, a restore)
    if key not in _SHEETS:
        _SHEETS.clear()
        _SHEETS[key] = spreadsheet.read_sheet(run.filename, run.content)
    return _SHEETS[key]


@dataclass(frozen=True)
class Started:
    """The answer to "Importieren": the queued run, or the dry run with the problems that
    stop the file (then nothing was queued)."""

    run: ImportRun | None
    check: table_import.TableImport


def start_import(*, actor: Actor, filename: str, content: bytes, publish: bool) -> Started:
    """Check a spreadsheet and, if it has no problem, queue it for the background import."""
    check = table_import.import_table(
        actor=actor, filename=filename, content=content, dry_run=True, publish=publish
    )
    db.session.rollback()  # end the dry run's read transaction
    if not check.ok:
        return Started(None, check)
    with unit_of_work() as s:
        run = ImportRun(
            created_by_id=signed_in_id(actor),
            filename=filename[:255],
            content=content,
            publish=publish,
            total_rows=len(check.rows),
        )
        s.add(run)
    return Started(run, check)


def get_run(*, actor: Actor, run_id: int) -> ImportRun:
    """A run, for the account that started it and for the DigitalBüro."""
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise NotFound("Diesen Import gibt es nicht.")
    if run.created_by_id != signed_in_id(actor) and not is_curator(actor):
        raise PermissionDenied("Diesen Import hat ein anderes Konto gestartet.")
    return run


def recent_runs(*, actor: Actor, limit: int = 5) -> list[ImportRun]:
    """The newest runs the account started (for the import page)."""
    return list(
        db.session.scalars(
            sa.select(ImportRun)
            .where(ImportRun.created_by_id == signed_in_id(actor))
            .order_by(ImportRun.id.desc())
            .limit(limit)
        )
    )


def counts(run: ImportRun) -> dict[str, int]:
    """Rows per outcome label so far ("wird angelegt": 120, …)."""
    raw: dict[str, int] = json.loads(run.counts or "{}")
    return {table_import.ACTION_LABELS[k]: v for k, v in raw.items() if v}


def pending_runs() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ImportRun)
            .where(ImportRun.status.in_((ImportRunStatus.QUEUED, ImportRunStatus.RUNNING)))
        )
        or 0
    )


def troubled_runs(limit: int = 20) -> list[ImportRun]:
    """Runs with a failed batch that are still retrying or have stopped (operations page)."""
    return list(
        db.session.scalars(
            sa.select(ImportRun)
            .where(ImportRun.last_error != "")
            .order_by(ImportRun.id.desc())
            .limit(limit)
        )
    )


def _claim() -> int | None:
    """The oldest due run, taken with a compare-and-set on ``run_after`` (one process wins)."""
    now = utcnow()
    with unit_of_work() as s:
        found = s.execute(
            sa.select(ImportRun.id, ImportRun.run_after)
            .where(
                ImportRun.status.in_((ImportRunStatus.QUEUED, ImportRunStatus.RUNNING)),
                ImportRun.run_after <= now,
            )
            .order_by(ImportRun.id)
            .limit(1)
        ).first()
        if found is None:
            return None
        run_id, run_after = found
        won = affected_rows(
            s.execute(
                sa.update(ImportRun)
                .where(ImportRun.id == run_id, ImportRun.run_after == run_after)
                .values(
                    status=ImportRunStatus.RUNNING,
                    attempts=ImportRun.attempts + 1,
                    run_after=now + jobs.LEASE,
                )
                .execution_options(synchronize_session=False)
            )
        )
    return run_id if won else None


def run_import_step() -> int:
    """Write the next batch of the oldest due import; the number of rows written (0: none)."""
    run_id = _claim()
    if run_id is None:
        return 0
    try:
        return _write_batch(run_id)
    except Exception as error:
        db.session.rollback()
        log.exception("import run %s: batch failed; it will be retried", run_id)
        _record_failure(run_id, error)
        return 0


def _write_batch(run_id: int) -> int:
    with unit_of_work() as s:
        run = s.get_one(ImportRun, run_id, populate_existing=True)
        actor = s.get_one(User, run.created_by_id)
        sheet = _sheet(run)
        batch = sheet.rows[run.done_rows : run.done_rows + table_import.BATCH_SIZE]
        planned = table_import.plan_rows(actor, batch)
        problems = [p for outcome, _ in planned for p in outcome.problems]
        if sheet.problems or problems:
            # The file was fine when it was queued; something changed since (a solution went
            # into review, an account lost its rights). Stop and say which rows.
            raise ValueError("; ".join([str(p) for p in sheet.problems] + problems)[:1500])
        table_import.apply_rows(actor, planned, run.publish)
        tally = Counter(json.loads(run.counts or "{}"))
        tally.update(outcome.action for outcome, _ in planned)
        run.counts = json.dumps(dict(tally))
        run.done_rows += len(batch)
        run.attempts = 0
        run.last_error = ""
        run.run_after = utcnow()
        if run.done_rows >= run.total_rows:
            run.status = ImportRunStatus.DONE
            run.finished_at = utcnow()
            run.content = b""
            _SHEETS.clear()
    return len(batch)


def _record_failure(run_id: int, error: Exception) -> None:
    with unit_of_work() as s:
        run = s.get(ImportRun, run_id, populate_existing=True)
        if run is None:
            return
        run.last_error = f"{type(error).__name__}: {error}"[:2000]
        if run.attempts >= MAX_ATTEMPTS:
            run.status = ImportRunStatus.FAILED
            run.finished_at = utcnow()
            run.content = b""
            _SHEETS.clear()
        else:
            run.run_after = utcnow() + jobs.backoff(run.attempts)
