"""The preview of brokering: exactly what "Vermitteln" will share with whom, computed before
anything is sent (``plan_brokering``, read-only) and executed unchanged by
``services.brokering.broker``. Also finds the one active thread of a need/solution pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.db import db
from catalogue.errors import NotFound
from catalogue.models import ContactRequest, ContactRequestStatus, Need, Solution, User
from catalogue.permissions import Actor, can_broker, require
from catalogue.services import brokering_reach as reach
from catalogue.services.needs import need_reference
from catalogue.services.reuse import published_solution

ACTIVE = tuple(s for s in ContactRequestStatus if s.is_active)


def find_thread(
    session: orm.Session, *, solution_id: int, need_id: int | None, requester_ags: str | None
) -> ContactRequest | None:
    """The active thread for a need/solution pair (or, without a need, for the asking
    municipality and the solution)."""
    query = sa.select(ContactRequest).where(
        ContactRequest.solution_id == solution_id, ContactRequest.status.in_(ACTIVE)
    )
    if need_id:
        query = query.where(ContactRequest.need_id == need_id)
    else:
        query = query.where(
            ContactRequest.need_id.is_(None),
            ContactRequest.requester_municipality_ags == requester_ags,
        )
    return session.scalars(query.order_by(ContactRequest.id)).first()


def _accounts(count: int) -> str:
    return "1 Konto" if count == 1 else f"{count} Konten"


@dataclass
class Delivery:
    recipient: reach.Recipient
    subject: str
    text: str


@dataclass
class BrokeringPlan:
    """Exactly what "Vermitteln" will share with whom — shown before sending, then executed."""

    solution: Solution
    need: Need | None
    request: ContactRequest | None
    message: str
    deliveries: list[Delivery] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    blocked: str = ""

    def side(self, name: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.recipient.side == name]

    def summary(self) -> str:
        """The truthful confirmation: who was notified, and who could not be."""
        owner_name = self.solution.lead_municipality.name
        parts = []
        requester = self.side("requester")
        if requester:
            names = ", ".join(d.recipient.name for d in requester)
            parts.append(f"{_accounts(len(requester))} der anfragenden Kommune ({names})")
        owner = self.side("owner")
        staff = [d.recipient for d in owner if d.recipient.user is not None]
        contacts = [d.recipient for d in owner if d.recipient.user is None]
        if staff:
            names = ", ".join(r.name for r in staff)
            parts.append(f"{_accounts(len(staff))} in {owner_name} ({names})")
        if contacts:
            mails = ", ".join(r.email for r in contacts)
            who = (
                "die Ansprechperson" if len(contacts) == 1 else f"{len(contacts)} Ansprechpersonen"
            )
            parts.append(f"{who} der Lösung in {owner_name} per E-Mail ({mails})")
        text = "Benachrichtigt: " + ("; ".join(parts) if parts else "niemand") + "."
        if not owner:
            text += (
                f" {owner_name} hat weder Konten noch erreichbare Ansprechpersonen – "
                "bitte nehmen Sie selbst Kontakt auf."
            )
        if not requester:
            text += " Die anfragende Seite hat kein Konto, das benachrichtigt werden konnte."
        if self.withheld:
            text += " Abgemeldet, daher nicht angeschrieben: " + ", ".join(self.withheld) + "."
        return text


def load_pair(
    s: orm.Session, *, solution_id: int, need_id: int | None, request_id: int | None
) -> tuple[Solution, Need | None, ContactRequest | None]:
    solution = published_solution(s, solution_id)
    request = None
    if request_id:
        request = s.get(ContactRequest, request_id)
        if request is None or request.solution_id != solution.id:
            raise NotFound("Diese Kontaktanfrage gibt es nicht.")
        need_id = request.need_id
    need = s.get(Need, need_id) if need_id else None
    if need_id and need is None:
        raise NotFound("Diesen Bedarf gibt es nicht.")
    if request is None and need is not None:
        request = find_thread(s, solution_id=solution.id, need_id=need.id, requester_ags=None)
    return solution, need, request


def plan_for(
    s: orm.Session,
    *,
    solution: Solution,
    need: Need | None,
    request: ContactRequest | None,
    message: str,
) -> BrokeringPlan:
    plan = BrokeringPlan(solution, need, request, message)
    if request is not None and request.status != ContactRequestStatus.OPEN:
        plan.blocked = (
            f"Dieser Bedarf ist bereits an „{solution.title}“ vermittelt – "
            f"alles Weitere läuft in Anfrage Nr. {request.id}."
        )
    operator = current_app.config["OPERATOR_NAME"]
    requester_ags = request.requester_municipality_ags if request else None
    requester_ags = requester_ags or (need.municipality_ags if need else None)
    requester_id = request.requester_id if request else (need.author_id if need else None)
    requester = s.get(User, requester_id) if requester_id else None
    probe = ContactRequest(
        requester_municipality_ags=requester_ags, requester_id=requester_id, solution_id=0
    )
    note = f"\n\nNachricht des {operator}:\n{message}" if message else ""
    # Where nobody agreed to share contact details, the operator passes messages on: say how.
    relay = (
        f"Bitte schreiben Sie an das {operator} ({current_app.config['OPERATOR_EMAIL']}); "
        "es leitet Ihre Nachricht an die andere Kommune weiter."
    )

    def contacts(lines: list[str]) -> str:
        # nobody agreed to share details: say how to reach them instead of an empty heading
        return "Ansprechpersonen:\n" + "\n".join(lines) if lines else relay

    owner_lines = reach.owner_contact_lines(s, solution)
    owner = reach.owner_reach(s, solution)
    plan.withheld = owner.withheld
    # nobody on the owner side hears of it: the asking side must not wait for them
    unreached = (
        ""
        if owner.recipients
        else f"\n\n{solution.lead_municipality.name} wurde über den Lösungskatalog nicht "
        "benachrichtigt (dort ist niemand per E-Mail erreichbar). Bitte nehmen Sie selbst "
        "Kontakt auf."
    )
    for recipient in reach.requester_reach(s, probe):
        text = (
            f"Das {operator} hat Ihre Kommune mit „{solution.title}“ "
            f"({solution.lead_municipality.name}) in Kontakt gebracht "
            f"({need_reference(need, recipient.viewer)}). "
            + contacts(owner_lines)
            + unreached
            + note
        )
        plan.deliveries.append(Delivery(recipient, f"Vermittlung: {solution.title}", text))
    asking = need.municipality.name if need else None
    if asking is None and requester is not None and requester.municipality is not None:
        asking = requester.municipality.name
    # Whoever asked for the contact on a solution's page asked to be contacted: their name and
    # address go to the owners (the contact form says so, and the request records when it was
    # sent with that notice); other colleagues only if they opted in.
    agreed = request is not None and request.requester_agreed_at is not None
    requester_lines = reach.requester_contact_lines(s, requester_ags, requester, asked=agreed)
    # what the requester asked goes to the owners with the contact: they answer it (the thread
    # of the request is theirs to read once it is brokered)
    question = request.message.strip() if request is not None and request.message else ""
    asked = f"\n\nDie Anfrage von {asking or 'der Kommune'}:\n{question}" if question else ""
    for recipient in owner.recipients:
        text = (
            f"{asking or 'Eine Kommune'} interessiert sich für Ihre Lösung „{solution.title}“ "
            f"({need_reference(need, recipient.viewer)}). "
            + contacts(requester_lines)
            + asked
            + note
        )
        plan.deliveries.append(
            Delivery(recipient, f"Anfrage zu Ihrer Lösung: {solution.title}", text)
        )
    return plan


def plan_brokering(
    *,
    actor: Actor,
    solution_id: int,
    need_id: int | None = None,
    request_id: int | None = None,
    message: str = "",
) -> BrokeringPlan:
    """The preview of "Vermitteln" (reads only)."""
    require(can_broker(actor), "Vermitteln kann das DigitalBüro.")
    s = db.session
    solution, need, request = load_pair(
        s, solution_id=solution_id, need_id=need_id, request_id=request_id
    )
    return plan_for(s, solution=solution, need=need, request=request, message=message.strip())
