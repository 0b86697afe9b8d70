"""Demo data for the reuse loop: needs, a brokered contact request and a confirmed reuse.

`make run` shows the catalogue with demo solutions; without this, "Mein Bereich", the
DigitalBüro's work queues, "Vermittlung" and the region picture would all be empty on first
sight. Everything is created through the same services the pages use, as the demo accounts
(so notifications, audit entries and outbox events are the real ones). Only in demo mode;
idempotent: a second run finds the demo needs and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound, PermissionDenied
from catalogue.models import Need, Solution, User
from catalogue.services import brokering, needs, reuse

MEMBER = "mitglied@demo.example"
CURATOR = "kuratierung@demo.example"

# (title, text, the demo solution the member asks about or None)
DEMO_NEEDS = (
    (
        "Kita-Plätze: Anmeldung und Vergabe ohne Papierlisten",
        "Hallo zusammen, bei uns melden Eltern ihre Kinder bei jeder Kita einzeln an, oft bei "
        "vier oder fünf Einrichtungen gleichzeitig. Die Leitungen führen eigene Wartelisten auf "
        "Papier, und das Jugendamt weiß im Frühjahr nicht, wie viele Plätze wirklich fehlen. "
        "Wir suchen eine Online-Vormerkung, über die Eltern ihre Wunsch-Kitas angeben und die "
        "Vergabe gemeinsam mit den Trägern abgestimmt wird.",
        "Kita-Navigator: Online-Vormerkung für Betreuungsplätze",
    ),
    (
        "Grabstellen und Nutzungsrechte auf dem Friedhof digital verwalten",
        "Die Friedhofsverwaltung führt Grabstellen, Nutzungsrechte und Ruhefristen noch in "
        "Karteikarten. Wir möchten einen Lageplan mit den Grabfeldern und Erinnerungen, wenn "
        "Nutzungsrechte auslaufen.",
        None,
    ),
)
REQUEST_MESSAGE = (
    "Wir möchten die Kita-Platzvergabe zum nächsten Kita-Jahr umstellen. Wie lange hat die "
    "Einführung bei Ihnen gedauert, und wie haben Sie die freien Träger eingebunden?"
)
BROKER_MESSAGE = (
    "Gütersloh nutzt den Kita-Navigator seit drei Kita-Jahren; die Ansprechperson dort hat die "
    "Einbindung der Träger begleitet. Bitte schreiben Sie sich direkt."
)
REUSED_SOLUTION = "Hundesteuer online an-, um- und abmelden"


@dataclass
class LoopResult:
    needs: int = 0
    requests: int = 0
    reuses: int = 0
    existing: bool = False


def _user(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        raise NotFound(f"Das Demo-Konto {email} fehlt. Bitte zuerst `catalogue seed accounts`.")
    return user


def _solution(title: str) -> Solution:
    solution = db.session.scalar(sa.select(Solution).where(Solution.title == title))
    if solution is None:
        raise NotFound(f"Die Demo-Lösung „{title}“ fehlt. Bitte zuerst `catalogue seed demo`.")
    return solution


def load_demo_loop() -> LoopResult:
    """Walk the reuse loop once as the demo accounts: Paderborn's two needs, a brokered contact
    request and a confirmed reuse (demo mode only, from the command line; idempotent)."""
    if not current_app.config.get("DEMO_MODE"):
        raise PermissionDenied("Demo-Vorgänge gibt es nur im Demo-Modus (CATALOGUE_DEMO_MODE).")
    member, curator = _user(MEMBER), _user(CURATOR)
    # everything it needs is looked up before anything is written: a missing demo solution
    # leaves no half-walked loop behind that a second run would take for done
    asked = {title: _solution(title) for _, _, title in DEMO_NEEDS if title is not None}
    reused = _solution(REUSED_SOLUTION)
    titles = [title for title, _, _ in DEMO_NEEDS]
    existing = sa.select(sa.func.count()).where(
        Need.title.in_(titles), Need.municipality_ags == member.municipality_ags
    )
    if db.session.scalar(existing):
        return LoopResult(existing=True)
    result = LoopResult()
    with unit_of_work():  # one transaction: the services' own units of work join it
        for title, text, asked_about in DEMO_NEEDS:
            need = needs.create_need(actor=member, title=title, text=text)
            result.needs += 1
            if asked_about is None:
                continue
            solution = asked[asked_about]
            request = brokering.request_contact(
                actor=member, solution_id=solution.id, message=REQUEST_MESSAGE, need_id=need.id
            )
            brokering.broker(
                actor=curator,
                solution_id=solution.id,
                request_id=request.id,
                message=BROKER_MESSAGE,
            )
            result.requests += 1
        record = reuse.declare_reuse(
            actor=member,
            solution_id=reused.id,
            status="in_operation",
            note="Seit Januar im Echtbetrieb, Formulare vom Vorbild übernommen.",
        )
        reuse.confirm_reuse(actor=curator, reuse_id=record.id)
        result.reuses += 1
    return result
