"""The DigitalBüro's work queues: what waits for an action, with counts and ages.

Each queue has a key, a German label, a count, the age of its oldest item and a list of items.
Which page a queue links to is the web layer's business (``web.digitalbuero``); this module only
reads and never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import local_date, utcnow
from catalogue.db import db
from catalogue.errors import NotFound
from catalogue.models import (
    BarrierReport,
    ContactRequest,
    ContactRequestStatus,
    ContentState,
    ExperienceReport,
    Need,
    NeedStatus,
    Reuse,
    ReuseStatus,
    Solution,
    ZeroResultQuery,
)
from catalogue.permissions import Actor, can_view_dashboard, require

# Matching every open need against the index is the one costly queue; beyond this many open
# needs only the newest are checked (the page says so).
WEAK_MATCH_LIMIT = 150


@dataclass(frozen=True)
class QueueItem:
    kind: str  # solution | report | need | contact_request | reuse
    entry: Any
    since: datetime | None
    detail: str = ""


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    hint: str
    items: list[QueueItem]
    count: int | None = None  # when not every item is listed (zero-result searches, barriers)
    oldest: datetime | None = None

    @property
    def total(self) -> int:
        return self.count if self.count is not None else len(self.items)

    @property
    def oldest_since(self) -> datetime | None:
        if self.oldest is not None:
            return self.oldest
        stamps = [i.since for i in self.items if i.since is not None]
        return min(stamps) if stamps else None


QUEUE_LABELS = {
    "pruefung": "Einreichungen warten auf Prüfung",
    "bedarfe": "Offene Bedarfe ohne Vermittlung",
    "anfragen": "Kontaktanfragen zu vermitteln",
    "nachnutzungen": "Nachnutzungen zu bestätigen",
    "ueberfaellig": "Einträge überfällig zur Aktualisierung",
    "barrieren": "Gemeldete Barrieren",
    "suchen": "Suchen ohne Treffer",
    "schwache-treffer": "Bedarfe ohne guten Treffer",
}


def _submissions() -> list[QueueItem]:
    s = db.session
    items = [
        QueueItem("solution", row, row.updated_at)
        for row in s.scalars(
            sa.select(Solution)
            .where(Solution.state == ContentState.SUBMITTED)
            .options(orm.selectinload(Solution.lead_municipality))
        )
    ]
    items += [
        QueueItem("report", row, row.updated_at)
        for row in s.scalars(
            sa.select(ExperienceReport)
            .where(ExperienceReport.state == ContentState.SUBMITTED)
            .options(orm.selectinload(ExperienceReport.municipality))
        )
    ]
    return items


def _needs_without_brokering() -> list[QueueItem]:
    # A need leaves this queue when it is brokered or waits in the request queue; a request
    # its asker closed unbrokered puts it back here.
    handled = sa.select(ContactRequest.need_id).where(
        ContactRequest.need_id.is_not(None),
        sa.or_(
            ContactRequest.brokered_at.is_not(None),
            ContactRequest.status == ContactRequestStatus.OPEN,
        ),
    )
    return [
        QueueItem("need", need, need.created_at)
        for need in db.session.scalars(
            sa.select(Need)
            .where(Need.status == NeedStatus.OPEN, Need.id.not_in(handled))
            .options(orm.selectinload(Need.municipality))
        )
    ]


def _requests_to_broker() -> list[QueueItem]:
    """Every request not yet brokered, from the day it arrives (its age says how long it
    waits)."""
    return [
        QueueItem("contact_request", row, row.created_at, row.solution.title)
        for row in db.session.scalars(
            sa.select(ContactRequest)
            .where(
                ContactRequest.status == ContactRequestStatus.OPEN,
                ContactRequest.brokered_at.is_(None),
            )
            .options(orm.selectinload(ContactRequest.solution))
        )
    ]


def _reuses_to_confirm() -> list[QueueItem]:
    return [
        QueueItem("reuse", row, row.created_at, row.status.label)
        for row in db.session.scalars(
            sa.select(Reuse)
            .join(Reuse.solution)
            .where(
                Reuse.confirmed_at.is_(None),
                Reuse.status.in_(ReuseStatus.started()),  # an interest is nothing to confirm
                Solution.state == ContentState.PUBLISHED,
            )
            .options(orm.contains_eager(Reuse.solution), orm.selectinload(Reuse.municipality))
        )
    ]


def _overdue(today: date) -> list[QueueItem]:
    items = []
    for row in db.session.scalars(
        sa.select(Solution)
        .where(
            Solution.state == ContentState.PUBLISHED,
            Solution.revision_of_id.is_(None),
            Solution.review_by < today,
        )
        .options(orm.selectinload(Solution.lead_municipality))
    ):
        due = row.review_by
        if due is None:  # excluded by the query; narrows the type
            continue
        since = datetime(due.year, due.month, due.day)
        items.append(QueueItem("solution", row, since, f"fällig seit {due:%d.%m.%Y}"))
    return items


def _weak_matches() -> tuple[list[QueueItem], int]:
    """Open needs whose best stored match is not "passt gut" (read from the match sets the
    worker keeps current, never a matching run per need in the request)."""
    from catalogue.services.matching import stored_matches

    open_needs = list(
        db.session.scalars(
            sa.select(Need)
            .where(Need.status == NeedStatus.OPEN)
            .options(orm.selectinload(Need.municipality))
            .order_by(Need.created_at.desc(), Need.id.desc())
        )
    )
    shown = open_needs[:WEAK_MATCH_LIMIT]
    stored = stored_matches(shown, limit=1)
    items = []
    for need in shown:
        outcome = stored[need.id]
        if outcome.matches is None or outcome.has_strong:
            continue  # not computed yet (the worker is on it), or a good match exists
        best = outcome.matches[0] if outcome.matches else None
        detail = (
            f"bester Treffer: {best.solution.title} ({best.band_label})" if best else "kein Treffer"
        )
        items.append(QueueItem("need", need, need.created_at, detail))
    return items, len(open_needs)


def _count_and_oldest(
    column_count: orm.InstrumentedAttribute[int],
    column_oldest: orm.InstrumentedAttribute[datetime],
    *where: sa.ColumnElement[bool],
) -> tuple[int, datetime | None]:
    row = db.session.execute(
        sa.select(sa.func.count(column_count), sa.func.min(column_oldest)).where(*where)
    ).one()
    return row[0] or 0, row[1]


def _sorted(items: list[QueueItem]) -> list[QueueItem]:
    return sorted(items, key=lambda i: (i.since is None, i.since or datetime.min))


def work_queues(
    *, actor: Actor, answer_days: int = 7, now: datetime | None = None, with_weak: bool = True
) -> list[Queue]:
    """Every queue, in the order of the DigitalBüro's morning routine."""
    require(can_view_dashboard(actor), "Diese Übersicht ist dem DigitalBüro vorbehalten.")
    now = now or utcnow()
    barriers, barriers_oldest = _count_and_oldest(
        BarrierReport.id, BarrierReport.created_at, BarrierReport.resolved_at.is_(None)
    )
    searches, searches_oldest = _count_and_oldest(ZeroResultQuery.id, ZeroResultQuery.first_seen)
    queues = [
        Queue("pruefung", QUEUE_LABELS["pruefung"], "Prüfen und freigeben", _submissions()),
        Queue(
            "bedarfe",
            QUEUE_LABELS["bedarfe"],
            "Passende Lösung suchen und vermitteln",
            _needs_without_brokering(),
        ),
        Queue(
            "anfragen",
            QUEUE_LABELS["anfragen"],
            f"Noch nicht vermittelt – vermitteln oder nachfragen (nach {answer_days} Tagen "
            "erinnert der Katalog)",
            _requests_to_broker(),
        ),
        Queue(
            "nachnutzungen",
            QUEUE_LABELS["nachnutzungen"],
            "Von Kommunen gemeldet, noch nicht vom DigitalBüro bestätigt",
            _reuses_to_confirm(),
        ),
        Queue(
            "ueberfaellig",
            QUEUE_LABELS["ueberfaellig"],
            "Das Datum „Prüfen bis“ ist überschritten",
            _overdue(local_date(now)),
        ),
        Queue(
            "barrieren",
            QUEUE_LABELS["barrieren"],
            "Noch nicht als erledigt markiert",
            [],
            count=barriers,
            oldest=barriers_oldest,
        ),
        Queue(
            "suchen",
            QUEUE_LABELS["suchen"],
            "Suchbegriffe, zu denen der Katalog nichts fand – Hinweis auf Bedarf",
            [],
            count=searches,
            oldest=searches_oldest,
        ),
    ]
    if with_weak:
        weak, _checked = _weak_matches()
        queues.append(
            Queue(
                "schwache-treffer",
                QUEUE_LABELS["schwache-treffer"],
                "Offene Bedarfe, deren bester Treffer schwach ist oder fehlt",
                weak,
            )
        )
    return queues


def work_queue(
    *, actor: Actor, key: str, answer_days: int = 7, now: datetime | None = None
) -> Queue:
    """One queue with its items, oldest first (for the filtered list page)."""
    if key not in QUEUE_LABELS or key in ("barrieren", "suchen", "pruefung"):
        raise NotFound("Diese Arbeitsliste gibt es nicht.")
    queues = work_queues(
        actor=actor, answer_days=answer_days, now=now, with_weak=key == "schwache-treffer"
    )
    queue = next(q for q in queues if q.key == key)
    return Queue(queue.key, queue.label, queue.hint, _sorted(queue.items), queue.count)


def age_in_days(since: datetime | None, now: datetime | None = None) -> int | None:
    if since is None:
        return None
    return max(0, ((now or utcnow()) - since).days)
