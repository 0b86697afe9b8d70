"""Liveness and readiness figures for monitoring (``/healthz``, ``/readyz``). Only counts, ages
and booleans: no personal data, no content, nothing that needs a login."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app

from catalogue.clock import utcnow
from catalogue.db import db


def readiness() -> tuple[bool, dict[str, Any]]:
    """(ready, checks). Ready when the database answers, this host's index is readable, the
    index lags less than ``READY_MAX_LAG_SECONDS`` and — in worker mode — this host's worker
    succeeded within ``READY_MAX_HEARTBEAT_SECONDS``."""
    from catalogue.models import WorkerHeartbeat
    from catalogue.services import jobs, search_sync, worker

    config = current_app.config
    checks: dict[str, Any] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(error).__name__}
        return False, checks
    try:
        readable = search_sync.index_exists() and search_sync.get_index().check_readable()
        checks["index"] = {"ok": readable}
        if readable:  # an older analysis still serves (worse) until the worker rebuilds it
            checks["index"]["analysis_current"] = not search_sync.index_outdated()
    except Exception as error:  # noqa: BLE001
        checks["index"] = {"ok": False, "error": type(error).__name__}
    try:
        lag = search_sync.lag()
        checks["outbox"] = {
            "ok": lag["oldest_pending_seconds"] <= config["READY_MAX_LAG_SECONDS"],
            "pending_rows": lag["pending_outbox_rows"],
            "oldest_pending_seconds": lag["oldest_pending_seconds"],
            "pending_jobs": jobs.pending_jobs(),
            "failing_jobs": len(jobs.failing_jobs()),
        }
    except Exception as error:  # noqa: BLE001
        db.session.rollback()
        checks["outbox"] = {"ok": False, "error": type(error).__name__}
    if config["SEARCH_SYNC"] == "worker":
        beat = db.session.get(WorkerHeartbeat, worker.host_id())
        age = (
            (utcnow() - beat.last_success_at).total_seconds()
            if beat is not None and beat.last_success_at is not None
            else None
        )
        checks["worker"] = {
            "ok": age is not None and age <= config["READY_MAX_HEARTBEAT_SECONDS"],
            "last_success_seconds_ago": round(age, 1) if age is not None else None,
        }
    return all(c["ok"] for c in checks.values()), checks


def attention() -> dict[str, int]:
    """What an operator should look at although the host can serve (``/readyz`` reports it
    beside the checks; readiness itself stays about this host): mails given up or being
    retried, jobs that keep failing, workers without a recent successful loop, an index built
    with an older analysis (``catalogue search rebuild``; the worker does it at its start)."""
    from catalogue.services import jobs, mail, periodic, search_sync, worker

    try:
        mails = mail.mail_overview(limit=0)
        return {
            "failed_mails": mails.counts["fehler"],
            "retrying_mails": mails.counts["wiederholt"],
            "failing_jobs": len(jobs.failing_jobs()),
            "stale_workers": len(worker.stale_hosts(worker.heartbeats())),
            "overdue_timers": sum(1 for r in periodic.run_views() if r.problem),
            "outdated_index": int(search_sync.index_outdated()),
        }
    except Exception:  # noqa: BLE001 - readiness is answered even when these figures are not
        db.session.rollback()
        return {}
