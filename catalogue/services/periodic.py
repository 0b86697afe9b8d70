"""The record of periodic commands (``alerts send-digests``, ``reminders send``, ``outbox
prune``): when each last started and finished and what it did. Timers run them on
the servers; this record lets the operations page show a timer that stopped firing or a run that
broke off — nothing else would notice a digest or reminder that never goes out.

Must not run the commands itself; the command line calls ``started`` and ``finished``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.models import PeriodicRun

# name → (what it is, how long after its last finish it counts as overdue: daily timers)
COMMANDS: dict[str, tuple[str, timedelta]] = {
    "digests": ("Abo-Zusammenfassungen (alerts send-digests)", timedelta(hours=26)),
    "reminders": ("Erinnerungen (reminders send)", timedelta(hours=26)),
    "outbox-prune": ("Outbox bereinigen (outbox prune)", timedelta(hours=26)),
}
BROKEN_AFTER = timedelta(hours=1)  # started, not finished: broke off (or still running)


def started(name: str) -> None:
    """A periodic command begins (its own short transaction, before the work)."""
    with unit_of_work() as s:
        row = s.get(PeriodicRun, name) or PeriodicRun(name=name, last_summary="")
        row.last_started_at = utcnow()
        s.add(row)


def finished(name: str, summary: str) -> None:
    """A periodic command completed; ``summary`` is what it printed."""
    with unit_of_work() as s:
        row = s.get(PeriodicRun, name) or PeriodicRun(name=name)
        row.last_finished_at = utcnow()
        row.last_summary = summary[:500]
        s.add(row)


@dataclass(frozen=True)
class RunView:
    name: str
    label: str
    started_at: datetime | None
    finished_at: datetime | None
    summary: str
    problem: str  # "" or why an operator should look


def run_views(now: datetime | None = None) -> list[RunView]:
    now = now or utcnow()
    rows = {r.name: r for r in db.session.scalars(sa.select(PeriodicRun))}
    views = []
    for name, (label, every) in COMMANDS.items():
        row = rows.get(name)
        start = row.last_started_at if row else None
        end = row.last_finished_at if row else None
        problem = ""
        if start and (end is None or end < start) and now - start > BROKEN_AFTER:
            problem = "abgebrochen: gestartet, aber nicht beendet"
        elif end and now - end > every:
            problem = f"überfällig: läuft sonst täglich, zuletzt vor {(now - end).days} Tagen"
        views.append(RunView(name, label, start, end, row.last_summary if row else "", problem))
    return views
