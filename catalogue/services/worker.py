"""The loop that keeps a host's index current and runs side effects after commit.

One ``process_once`` = apply the search outbox to this host's index, run the due jobs whose
change the index now contains (reverse matching, notifications), deliver due mails, write one
batch of a queued spreadsheet import, refresh a few stale stored matches, write this host's
heartbeat. Every step is its own short
transaction and the session is closed before the loop sleeps: the worker is never "idle in
transaction" and never holds locks a migration or VACUUM waits for.

``run_worker`` (``catalogue search worker``) survives every database or index error: it logs,
backs off (0.5 s doubling up to ``MAX_BACKOFF``, 2 s) and tries again; only SIGTERM/SIGINT stop it,
after the current step. In inline mode ``after_commit`` does the same work in a background
thread of the web process (synchronously in tests), never inside the request.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app

from catalogue.clock import utcnow
from catalogue.db import affected_rows, db, unit_of_work
from catalogue.models import ImportRun, Job, WorkerHeartbeat
from catalogue.services import import_runs, jobs, mail, matching, periodic, search_sync

if TYPE_CHECKING:
    from catalogue.permissions import Actor

log = logging.getLogger(__name__)

MAX_BACKOFF = 2.0  # recovery after a database restart within seconds


def host_id() -> str:
    return current_app.config.get("HOST_ID") or socket.gethostname()


@dataclass(frozen=True)
class Cycle:
    synced_rows: int
    index_locked: bool
    jobs: int
    mails: int
    matches: int
    cursor: int
    imported_rows: int = 0


def process_once(*, index_wait: float = 5.0, refresh_matches: bool | None = True) -> Cycle:
    locked = False
    rows = 0
    search_sync.get_index()  # this host's index exists from the worker's first loop on
    try:
        rows = search_sync.sync_outbox(wait=index_wait).rows
    except search_sync.IndexLocked:
        locked = True  # a rebuild runs on this host; jobs for applied rows may still run
    db.session.rollback()  # end the read transaction of the sync
    if not locked:
        write_heartbeat(success=True)  # the index is current: report it before slower steps
    cursor = search_sync.SyncState.load().cursor
    if refresh_matches is None:  # inline, synchronous: only when an approval waits for them
        refresh_matches = jobs.pending_jobs("reverse_match") > 0
    matches = matching.refresh_stale_matches() if refresh_matches else 0
    done_jobs = jobs.run_due_jobs(cursor=cursor)
    mails = mail.deliver_due()
    imported = import_runs.run_import_step()  # one batch of a queued spreadsheet import
    write_heartbeat(success=True)
    db.session.rollback()  # no transaction stays open while the caller sleeps
    return Cycle(rows, locked, done_jobs, mails, matches, cursor, imported)


def write_heartbeat(*, success: bool, error: str = "") -> None:
    """Record this host's worker state (last success or error, cursor, lag, pending jobs) in
    its heartbeat row, read by /readyz and the operations page."""
    lag = search_sync.lag()
    pending = jobs.pending_jobs()
    db.session.rollback()
    now = utcnow()
    values: dict[str, Any] = {
        "pid": os.getpid(),
        "cursor": lag["cursor"],
        "lag_rows": lag["pending_outbox_rows"],
        "lag_seconds": lag["oldest_pending_seconds"],
        "jobs_pending": pending,
    }
    if success:
        values["last_success_at"] = now
    else:
        values.update(last_error_at=now, last_error=error[:2000])
    host = host_id()
    for _ in range(2):  # several processes of one host may write it at the same moment
        try:
            with unit_of_work() as s:
                updated = affected_rows(
                    s.execute(
                        sa.update(WorkerHeartbeat)
                        .where(WorkerHeartbeat.host == host)
                        .values(**values)
                    )
                )
                if not updated:
                    s.add(WorkerHeartbeat(host=host, started_at=now, **values))
            return
        except sa.exc.IntegrityError:
            continue


def _record_failure(error: BaseException) -> None:
    """Best effort: the database may be the thing that is down."""
    try:
        db.session.rollback()
        write_heartbeat(success=False, error=f"{type(error).__name__}: {error}")
    except Exception:  # noqa: BLE001 - logged by the caller already
        db.session.rollback()
    finally:
        db.session.close()


def run_worker(*, interval: float = 1.0, stop: threading.Event | None = None) -> None:
    """Loop until SIGTERM/SIGINT (or ``stop`` is set); never exits on an error."""
    stop = stop or threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("search worker: signal %s received, stopping after this step", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
    try:
        search_sync.rebuild_if_outdated()  # after an upgrade that changed the analysis
    except Exception:  # noqa: BLE001 - the loop serves the old index; /readyz reports it
        db.session.rollback()
        log.exception("search worker: rebuilding the outdated index failed")
    failures = 0
    while not stop.is_set():
        try:
            cycle = process_once()
            db.session.close()  # return the connection to the pool between polls
            if failures:
                log.warning("search worker recovered after %s failed attempts", failures)
            failures = 0
            if not cycle.imported_rows:  # an import with more batches goes on at once
                stop.wait(interval)
        except Exception as error:  # noqa: BLE001 - the worker must survive every error
            failures += 1
            delay = min(0.5 * 2 ** (failures - 1), MAX_BACKOFF)
            log.exception(
                "search worker step failed (attempt %s); retrying in %.1f s", failures, delay
            )
            _record_failure(error)
            stop.wait(delay)
    db.session.close()
    log.info("search worker stopped")


def heartbeats() -> list[WorkerHeartbeat]:
    return list(db.session.scalars(sa.select(WorkerHeartbeat).order_by(WorkerHeartbeat.host)))


def forget_host(host: str) -> bool:
    """Remove a decommissioned host's heartbeat. While it is listed, `outbox prune` keeps every
    outbox row it has not applied (its cursor is the lowest), and it shows as overdue. A host
    that is still running reports again after its next loop. Returns whether it was listed."""
    with unit_of_work() as s:
        beat = s.get(WorkerHeartbeat, host)
        if beat is None:
            return False
        s.delete(beat)
    log.info("heartbeat of host %s removed", host)
    return True


# Inline mode ------------------------------------------------------------------------------------

_running = threading.local()


class _InlineRunner:
    """One daemon thread per web process (created lazily, after gunicorn forked)."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self.pid = os.getpid()
        self.thread = threading.Thread(
            target=self._loop, name="catalogue-side-effects", daemon=True
        )
        self.thread.start()

    def _loop(self) -> None:
        interval = float(self.app.config["INLINE_POLL_SECONDS"])
        while not self.stopped.is_set():
            self.wake.wait(interval)
            self.wake.clear()
            if self.stopped.is_set():
                return
            with self.app.app_context():
                _running.active = True
                try:
                    if process_once(index_wait=0).imported_rows:
                        self.wake.set()  # an import has more batches: go on without waiting
                except Exception:  # noqa: BLE001 - retried on the next wake-up
                    log.exception("inline side effects failed; they will be retried")
                    db.session.rollback()
                finally:
                    _running.active = False
                    db.session.close()


_runners: dict[int, _InlineRunner] = {}
_runners_lock = threading.Lock()


def after_commit() -> None:
    """After-commit hook. Inline mode: apply the outbox to the index if nobody else holds its
    lock (never waits), then hand jobs and mail to the background thread — or, when
    ``INLINE_SIDE_EFFECTS`` is ``sync`` (tests), run them here in the same order."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["SEARCH_SYNC"] != "inline" or getattr(_running, "active", False):
        return
    try:
        search_sync.try_sync()
    except Exception:  # noqa: BLE001 - the request already committed; the cursor catches up
        log.exception("search index sync after commit failed; it will be retried")
    if _inline_mode(app) == "sync":
        # A fresh app context has its own session: the caller's objects stay untouched.
        _running.active = True
        try:
            with app.app_context():
                try:
                    while process_once(index_wait=0, refresh_matches=None).imported_rows:
                        pass  # tests: a queued import runs to its end here
                except Exception:  # noqa: BLE001 - never fail the request that already committed
                    db.session.rollback()
                    log.exception("side effects after commit failed; they will be retried")
        finally:
            _running.active = False
        return
    with _runners_lock:
        runner = _runners.get(id(app))
        if runner is None or runner.pid != os.getpid() or not runner.thread.is_alive():
            runner = _runners[id(app)] = _InlineRunner(app)
    runner.wake.set()


def stop_inline_runner(app: Flask) -> None:
    """Stop this process's background thread for ``app`` (tests, shutdown)."""
    with _runners_lock:
        runner = _runners.pop(id(app), None)
    if runner is not None:
        runner.stopped.set()
        runner.wake.set()
        runner.thread.join(30)


def _inline_mode(app: Flask) -> str:
    mode = app.config.get("INLINE_SIDE_EFFECTS") or ""
    return mode or ("sync" if app.config.get("TESTING") else "thread")


@dataclass(frozen=True)
class OperationsOverview:
    heartbeats: list[WorkerHeartbeat]
    pending_jobs: int
    failing_jobs: list[Job]
    lag: dict[str, Any]
    pending_imports: int
    troubled_imports: list[ImportRun]
    mail: mail.MailOverview
    stale_hosts: frozenset[str]  # no successful worker loop within READY_MAX_HEARTBEAT_SECONDS
    periodic_runs: list[periodic.RunView]
    outdated_index: bool = False  # this host's index was built with an older analysis

    @property
    def warnings(self) -> list[str]:
        """What needs an operator, in one list at the top of the page."""
        found = [f"Worker auf {host} ist überfällig" for host in sorted(self.stale_hosts)]
        jobs_failing, failed, retried = (
            len(self.failing_jobs),
            self.mail.counts.get("fehler", 0),
            self.mail.counts.get("wiederholt", 0),
        )
        if jobs_failing:
            found.append(
                "1 Auftrag schlägt fehl"
                if jobs_failing == 1
                else f"{jobs_failing} Aufträge schlagen fehl"
            )
        if failed:
            found.append(f"{failed} E-Mail{'' if failed == 1 else 's'} endgültig nicht zugestellt")
        if retried:
            found.append(
                "1 E-Mail wird erneut versucht"
                if retried == 1
                else f"{retried} E-Mails werden erneut versucht"
            )
        found += [f"{r.label}: {r.problem}" for r in self.periodic_runs if r.problem]
        if not self.mail.smtp_configured:
            found.append("Kein SMTP-Server eingerichtet: E-Mails werden nicht versendet")
        if self.outdated_index:
            found.append(
                "Der Suchindex dieses Servers wurde mit einer älteren Textanalyse gebaut und "
                "findet manche Wörter nicht. Der Worker baut ihn bei seinem nächsten Start neu "
                "auf; ohne Worker „catalogue search rebuild“ ausführen"
            )
        return found


def stale_hosts(beats: list[WorkerHeartbeat]) -> frozenset[str]:
    limit = float(current_app.config["READY_MAX_HEARTBEAT_SECONDS"])
    now = utcnow()
    return frozenset(
        b.host
        for b in beats
        if b.last_success_at is None or (now - b.last_success_at).total_seconds() > limit
    )


def operations_overview(*, actor: Actor) -> OperationsOverview:
    """What the admin page "Betrieb" shows: every host's worker, this host's index lag, jobs."""
    from catalogue.permissions import can_manage_users, require

    require(can_manage_users(actor))
    beats = heartbeats()
    return OperationsOverview(
        heartbeats=beats,
        pending_jobs=jobs.pending_jobs(),
        failing_jobs=jobs.failing_jobs(),
        lag=search_sync.lag(),
        pending_imports=import_runs.pending_runs(),
        troubled_imports=import_runs.troubled_runs(),
        mail=mail.mail_overview(),
        stale_hosts=stale_hosts(beats),
        periodic_runs=periodic.run_views(),
        outdated_index=search_sync.index_outdated(),
    )
