"""Freshness of published solutions: every published solution has a review-by date (the stored
``review_by``, else ``REVIEW_INTERVAL_MONTHS`` after its last confirmation or publication); the
owners are reminded when it comes due and again when it is overdue, and confirm with one step
("Angaben sind aktuell"). Reminders are sent by ``catalogue reminders send`` (see
``services.reminders``) and recorded in ``Reminder`` rows, one per solution, kind and
review-by date, so running the command again sends nothing twice.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import exc, orm

from catalogue.clock import local_date, utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound
from catalogue.models import ContentState, Reminder, Role, Solution, User
from catalogue.permissions import Actor, can_confirm_freshness, require
from catalogue.services import brokering_reach as reach
from catalogue.services.audit import record_event


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due(solution: Solution) -> date | None:
    """The review-by date of a published solution (None for anything not published)."""
    if solution.state != ContentState.PUBLISHED or solution.revision_of_id is not None:
        return None
    return solution.review_by or interval_due(solution)


def interval_due(solution: Solution) -> date | None:
    """The date the review interval gives: ``REVIEW_INTERVAL_MONTHS`` after the last
    confirmation or the publication."""
    base = solution.confirmed_at or solution.published_at
    if base is None:
        return None
    return add_months(local_date(base), current_app.config["REVIEW_INTERVAL_MONTHS"])


def is_overdue(solution: Solution, today: date | None = None) -> bool:
    due = review_due(solution)
    return due is not None and due < (today or local_date())


def confirm_current(*, actor: Actor, solution_id: int) -> Solution:
    """ "Angaben sind aktuell": record the confirmation and move the review-by date on."""
    with unit_of_work() as s:
        solution = s.get(Solution, solution_id)
        if solution is None or review_due(solution) is None:
            raise NotFound("Diese Lösung gibt es nicht oder sie ist nicht veröffentlicht.")
        require(
            can_confirm_freshness(actor, solution),
            "Bestätigen können Beitragende der federführenden Kommune und das DigitalBüro.",
        )
        now = utcnow()
        solution.confirmed_at = now
        solution.review_by = add_months(
            local_date(now), current_app.config["REVIEW_INTERVAL_MONTHS"]
        )
        record_event(
            s,
            actor=actor,
            entity_type="solution",
            entity_id=solution.id,
            from_state=ContentState.PUBLISHED.value,
            to_state=ContentState.PUBLISHED.value,
            comment=f"Angaben als aktuell bestätigt; nächste Prüfung {solution.review_by:%d.%m.%Y}",
        )
    return solution


def solutions_due(today: date, *, ags: str | None = None) -> list[tuple[Solution, date]]:
    """Published solutions whose review-by date lies within the reminder window or before."""
    window = today + timedelta(days=current_app.config["REVIEW_REMINDER_DAYS"])
    query = (
        sa.select(Solution)
        .where(Solution.state == ContentState.PUBLISHED, Solution.revision_of_id.is_(None))
        .options(orm.selectinload(Solution.contacts))
        .order_by(Solution.id)
    )
    if ags:
        query = query.where(Solution.lead_municipality_ags == ags)
    due = []
    for solution in db.session.scalars(query):
        day = review_due(solution)
        if day is not None and day <= window:
            due.append((solution, day))
    due.sort(key=lambda pair: pair[1])
    return due


def already_reminded(
    s: orm.Session, subject_type: str, subject_id: int, kind: str, period: str
) -> bool:
    """Whether the reminder with this key was sent (the key a rerun must not send twice)."""
    return bool(
        s.scalar(
            sa.select(Reminder.id).where(
                Reminder.subject_type == subject_type,
                Reminder.subject_id == subject_id,
                Reminder.kind == kind,
                Reminder.period == period,
            )
        )
    )


def freshness_kind(day: date, today: date) -> str:
    return "overdue" if day < today else "due"


def recipients(s: orm.Session, solution: Solution) -> list[reach.Recipient]:
    """Who is asked to check a solution: the lead municipality's contributors and the contact
    persons not opted out (read-only; the preview uses it as well)."""
    contributors = s.scalars(
        sa.select(User).where(
            User.municipality_ags == solution.lead_municipality_ags,
            User.role == Role.CONTRIBUTOR,
            User.is_active,
        )
    )
    people = [reach.Recipient("owner", u.name, u.email, u) for u in contributors]
    known = {p.email.lower() for p in people}
    contacts = [c for c in solution.contacts if c.email and c.email.lower() not in known]
    blocked = reach.opted_out(s, [c.email for c in contacts])
    people += [
        reach.Recipient("owner", c.name, c.email)
        for c in contacts
        if c.email.lower() not in blocked
    ]
    return people


@dataclass
class FreshnessRun:
    due: int = 0
    overdue: int = 0
    mails: int = 0


def send_freshness_reminders(today: date) -> FreshnessRun:
    """Remind the owning municipality of every solution whose review-by date is due or past,
    once per solution, kind and date (a unique reminder row makes reruns send nothing)."""
    run = FreshnessRun()
    for solution, day in solutions_due(today):
        kind = freshness_kind(day, today)
        try:
            with unit_of_work() as s:
                if already_reminded(s, "solution", solution.id, kind, day.isoformat()):
                    continue
                people = recipients(s, solution)
                s.add(
                    Reminder(
                        subject_type="solution",
                        subject_id=solution.id,
                        kind=kind,
                        period=day.isoformat(),
                        recipients=len(people),
                    )
                )
                s.flush()  # a concurrent run loses here, on the unique key
                when = (
                    f"war am {day:%d.%m.%Y} fällig und ist überfällig"
                    if kind == "overdue"
                    else f"ist am {day:%d.%m.%Y} fällig"
                )
                text = f"Die Prüfung der Angaben zu „{solution.title}“ {when}. "
                subject = (
                    f"Überfällig: Angaben zu {solution.title} prüfen"
                    if kind == "overdue"
                    else f"Bitte prüfen: Angaben zu {solution.title}"
                )
                for person in people:
                    ask = (
                        "Bitte sehen Sie den Eintrag durch und bestätigen Sie „Angaben sind "
                        "aktuell“ oder überarbeiten Sie ihn."
                        if person.user is not None
                        else "Bitte sehen Sie den Eintrag durch und teilen Sie dem "
                        f"{current_app.config['OPERATOR_NAME']} "
                        f"({current_app.config['OPERATOR_EMAIL']}) mit, ob die Angaben noch "
                        "stimmen oder was sich geändert hat."
                    )
                    reach.deliver(
                        s,
                        person,
                        text=text + ask,
                        link=f"/loesungen/{solution.slug}",
                        subject=subject,
                    )
        except exc.IntegrityError:
            continue
        run.mails += len(people)
        if kind == "overdue":
            run.overdue += 1
        else:
            run.due += 1
    return run
