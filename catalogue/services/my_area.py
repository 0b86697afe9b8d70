""" "Mein Bereich": what a signed-in member or contributor of a municipality needs on one page —
the municipality's needs with their best matches, its contact requests with their messages,
its reuse records, and what awaits the person's action. Reads only; every change is made by the
owning services (needs, brokering, reuse, freshness).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app

from catalogue.clock import local_date
from catalogue.db import db
from catalogue.models import (
    ContactRequest,
    ContactRequestStatus,
    ContentState,
    Need,
    NeedStatus,
    Reuse,
    Role,
    Solution,
    User,
)
from catalogue.permissions import Actor, can_declare_reuse, own_municipality_ags, require
from catalogue.services.brokering import requests_of_municipality
from catalogue.services.freshness import solutions_due
from catalogue.services.needs import MatchOutcome, list_needs, need_matches
from catalogue.services.reuse import reuses_of_municipality


@dataclass
class Task:
    """One thing waiting for the signed-in person, with the page where it is done."""

    text: str
    link: str
    overdue: bool = False


@dataclass
class MyArea:
    municipality_name: str
    needs: list[tuple[Need, MatchOutcome | None]]
    requests: list[ContactRequest]
    reuses: list[Reuse]
    due: list[tuple[Solution, date]]
    tasks: list[Task] = field(default_factory=list)


def _awaiting_us(request: ContactRequest, ags: str) -> tuple[str, bool] | None:
    """Who wrote last in a brokered thread, where that is not our municipality ("aus Lage",
    "vom DigitalBüro OWL"), and whether it was the DigitalBüro; None if the thread waits for
    nobody here."""
    if request.status != ContactRequestStatus.BROKERED or not request.messages:
        return None
    last = request.messages[-1]
    author = db.session.get(User, last.author_id) if last.author_id else None
    if author is not None and author.municipality_ags == ags:
        return None
    if author is not None and author.municipality is not None:
        return f"aus {author.municipality.name}", False
    return f"vom {current_app.config['OPERATOR_NAME']}", True


def my_area(*, actor: Actor, match_limit: int = 3) -> MyArea:
    message = "„Mein Bereich“ gibt es für Mitarbeitende einer Kommune."
    require(can_declare_reuse(actor), message)
    ags = own_municipality_ags(actor, message)
    municipality = actor.municipality
    needs = list_needs(actor=actor, own_only=True)
    area = MyArea(
        municipality_name=municipality.name if municipality else ags,
        needs=[
            (n, need_matches(n, limit=match_limit) if n.status == NeedStatus.OPEN else None)
            for n in needs
        ],
        requests=requests_of_municipality(ags),
        reuses=reuses_of_municipality(ags),
        due=solutions_due(local_date(), ags=ags) if actor.role == Role.CONTRIBUTOR else [],
    )
    today = local_date()
    for solution, day in area.due:
        verb = "überfällig seit" if day < today else "fällig am"
        area.tasks.append(
            Task(
                f"Angaben zu „{solution.title}“ prüfen ({verb} {day:%d.%m.%Y})",
                f"/loesungen/{solution.slug}#aktualitaet",
                overdue=day < today,
            )
        )
    for request in area.requests:
        if waiting := _awaiting_us(request, ags):
            sender, from_operator = waiting
            topic = f"Anfrage Nr. {request.id} zu „{request.solution.title}“"
            if from_operator and request.requester_municipality_ags == ags:
                # the asking side was put in touch: its next step is the other municipality
                owner = request.solution.lead_municipality
                text = (
                    f"{topic}: vermittelt – lesen Sie die Nachricht {sender} und nehmen Sie "
                    f"Kontakt mit {owner.name if owner else 'der anbietenden Kommune'} auf"
                )
            else:
                text = f"{topic}: neue Nachricht {sender} – bitte antworten"
            area.tasks.append(Task(text, f"/vermittlung/{request.id}"))
    if actor.role == Role.CONTRIBUTOR:
        returned = db.session.scalars(
            sa.select(Solution).where(
                Solution.lead_municipality_ags == ags,
                Solution.state == ContentState.CHANGES_REQUESTED,
            )
        )
        for solution in returned:
            area.tasks.append(
                Task(
                    f"„{solution.title}“: Das DigitalBüro bittet um Überarbeitung",
                    f"/mitwirken/loesungen/{solution.id}",
                )
            )
    # once contact is asked for (for this need, or for one of its good fits) it is done
    asked_needs = {r.need_id for r in area.requests}
    asked_solutions = {r.solution_id for r in area.requests if r.requester_municipality_ags == ags}
    for need, outcome in area.needs:
        strong = (
            {m.solution.id for m in outcome.matches if m.band == "strong"} if outcome else set()
        )
        if strong and need.id not in asked_needs and not strong & asked_solutions:
            area.tasks.append(
                Task(
                    f"Bedarf „{need.title}“: Es gibt gut passende Lösungen – Kontakt anfragen?",
                    f"/bedarfe/{need.id}",
                )
            )
    return area
