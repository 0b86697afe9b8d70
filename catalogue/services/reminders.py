"""Periodic reminders, run by ``catalogue reminders send`` (a systemd timer, daily): freshness
reminders for solutions (``services.freshness``) and follow-ups for contact requests nobody
answered for ``CONTACT_REQUEST_ANSWER_DAYS``. Idempotent: each reminder is a ``Reminder`` row with a
unique (subject, kind, period) key — a request's period is its last activity, so a thread gets
one follow-up per silence, and a new message starts a new period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import exc, orm

from catalogue.clock import day_start, local_date
from catalogue.db import db, unit_of_work
from catalogue.models import ContactMessage, ContactRequest, ContactRequestStatus, Reminder
from catalogue.services import brokering_reach as reach
from catalogue.services.freshness import (
    FreshnessRun,
    already_reminded,
    freshness_kind,
    recipients,
    send_freshness_reminders,
    solutions_due,
)
from catalogue.services.needs import need_reference


@dataclass
class ReminderRun:
    freshness: FreshnessRun
    contact_requests: int = 0
    contact_mails: int = 0

    def summary(self) -> str:
        return (
            f"Aktualität: {self.freshness.due} fällig, {self.freshness.overdue} überfällig, "
            f"{self.freshness.mails} Empfänger. Vermittlungen: {self.contact_requests} "
            f"nachgefasst, {self.contact_mails} Empfänger."
        )


def silent_requests(today: date) -> list[ContactRequest]:
    """Open or brokered requests without any activity for ``CONTACT_REQUEST_ANSWER_DAYS``."""
    cutoff = day_start(today - timedelta(days=current_app.config["CONTACT_REQUEST_ANSWER_DAYS"]))
    return list(
        db.session.scalars(
            sa.select(ContactRequest)
            .where(
                ContactRequest.status.in_(
                    [ContactRequestStatus.OPEN, ContactRequestStatus.BROKERED]
                ),
                ContactRequest.last_activity_at < cutoff,
            )
            .options(orm.selectinload(ContactRequest.solution))
            .order_by(ContactRequest.id)
        )
    )


def _request_reach(s: orm.Session, request: ContactRequest) -> list[reach.Recipient]:
    if request.status == ContactRequestStatus.OPEN:
        return reach.curator_reach(s)
    return reach.owner_reach(s, request.solution).recipients + reach.curator_reach(s)


def _remind_request(request: ContactRequest, today: date) -> int | None:
    """Open: the DigitalBüro has not brokered yet. Brokered: the owner side has not answered —
    they are reminded, and the DigitalBüro is told."""
    period = request.last_activity_at.isoformat()
    with unit_of_work() as s:
        if already_reminded(s, "contact_request", request.id, "no_answer", period):
            return None
        days = current_app.config["CONTACT_REQUEST_ANSWER_DAYS"]
        people = _request_reach(s, request)
        reminder = Reminder(
            subject_type="contact_request",
            subject_id=request.id,
            kind="no_answer",
            period=period,
            recipients=len(people),
        )
        s.add(reminder)
        s.flush()  # a concurrent run loses here, on the unique key
        silent = max(days, (today - local_date(request.last_activity_at)).days)
        for person in people:
            waiting = (
                "wartet auf Vermittlung"
                if request.status == ContactRequestStatus.OPEN
                else "ist noch unbeantwortet"
            )
            # the DigitalBüro is not asked to report to itself
            step = (
                "Bitte vermitteln Sie oder schließen Sie die Anfrage."
                if person.side == "curators" and request.status == ContactRequestStatus.OPEN
                else "Bitte fragen Sie bei der Kommune der Lösung nach."
                if person.side == "curators"
                else "Bitte antworten Sie oder melden Sie sich beim DigitalBüro."
            )
            text = (
                f"Erinnerung: Die Anfrage zu „{request.solution.title}“ "
                f"({need_reference(request.need, person.viewer)}) {waiting} – seit "
                f"{silent} Tagen gab es keine Nachricht. {step}"
            )
            link = (
                f"/vermittlung/{request.id}"
                if person.user is not None
                else f"/loesungen/{request.solution.slug}"
            )
            reach.deliver(
                s,
                person,
                text=text,
                link=link,
                subject=f"Erinnerung: Anfrage zu {request.solution.title}",
            )
        names = ", ".join(p.name for p in people) or "niemand erreichbar"
        s.add(
            ContactMessage(
                request_id=request.id,
                author_label="Lösungskatalog",
                kind="reminder",
                body=f"Erinnerung nach {silent} Tagen ohne Antwort an: {names}.",
            )
        )
    return len(people)


def send_reminders(today: date | None = None) -> ReminderRun:
    """Send the due freshness and contact-request reminders once (idempotent; daily job)."""
    today = today or local_date()
    run = ReminderRun(send_freshness_reminders(today))
    for request in silent_requests(today):
        try:
            sent = _remind_request(request, today)
        except exc.IntegrityError:
            continue
        if sent is not None:
            run.contact_requests += 1
            run.contact_mails += sent
    return run


@dataclass(frozen=True)
class PlannedReminder:
    what: str  # "Aktualität fällig" | "Aktualität überfällig" | "Vermittlung nachfassen"
    title: str
    addresses: list[str]


def preview_reminders(today: date | None = None) -> list[PlannedReminder]:
    """What ``send_reminders`` would send on ``today``, reading only: the same selection and
    the same once-only keys, nothing written (``reminders send --dry-run``)."""
    today = today or local_date()
    s = db.session
    planned = []
    for solution, day in solutions_due(today):
        kind = freshness_kind(day, today)
        if not already_reminded(s, "solution", solution.id, kind, day.isoformat()):
            what = "Aktualität überfällig" if kind == "overdue" else "Aktualität fällig"
            people = recipients(s, solution)
            planned.append(PlannedReminder(what, solution.title, [p.email for p in people]))
    for request in silent_requests(today):
        period = request.last_activity_at.isoformat()
        if not already_reminded(s, "contact_request", request.id, "no_answer", period):
            people = _request_reach(s, request)
            title = f"Anfrage Nr. {request.id} zu {request.solution.title}"
            planned.append(
                PlannedReminder("Vermittlung nachfassen", title, [p.email for p in people])
            )
    return planned
