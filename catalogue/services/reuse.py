"""Reuse records (Nachnutzung) and contact requests / brokering (Vermittlung) — the
DigitalBüro's core outcome: a need or a person is put in touch with a solution's owner, and the
contact is tracked until it turns into reuse or is closed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.db import db, unit_of_work, utcnow
from catalogue.errors import InvalidTransition, NotFound, ValidationFailed
from catalogue.models import (
    ContactRequest,
    ContactRequestStatus,
    ContentState,
    Municipality,
    Need,
    NeedStatus,
    Reuse,
    ReuseStatus,
    Solution,
    User,
)
from catalogue.permissions import (
    can_broker,
    can_declare_reuse,
    can_request_contact,
    can_update_reuse,
    is_curator,
    require,
)
from catalogue.services.audit import record_event
from catalogue.services.needs import transition_need
from catalogue.services.notifications import municipality_staff, notify, notify_curators
from catalogue.services.outbox import enqueue, solution_doc_id

REUSE_ORDER = [
    ReuseStatus.INTERESTED,
    ReuseStatus.EVALUATING,
    ReuseStatus.PILOT,
    ReuseStatus.IN_OPERATION,
]


def _published_solution(session, solution_id: int) -> Solution:
    solution = session.get(Solution, solution_id)
    if (
        solution is None
        or solution.state != ContentState.PUBLISHED
        or solution.revision_of_id is not None
    ):
        raise NotFound("Diese Lösung gibt es nicht oder sie ist nicht veröffentlicht.")
    return solution


def declare_reuse(*, actor: Any, solution_id: int, status: str, note: str = "") -> Reuse:
    """ "Wir nutzen das" / "interessiert": create or update the actor's municipality's record."""
    require(
        can_declare_reuse(actor),
        "Nachnutzung melden können angemeldete Mitarbeitende einer Kommune.",
    )
    try:
        new_status = ReuseStatus(status)
    except ValueError:
        raise ValidationFailed(
            {"status": "Bitte wählen Sie einen Stand der Nachnutzung."}
        ) from None
    if new_status == ReuseStatus.ENDED:
        raise ValidationFailed(
            {"status": "Eine Nachnutzung beenden Sie in Ihrer Übersicht, mit Begründung."}
        )
    with unit_of_work() as s:
        solution = _published_solution(s, solution_id)
        if solution.lead_municipality_ags == actor.municipality_ags:
            raise ValidationFailed(
                {
                    "status": "Ihre Kommune ist federführend für diese Lösung – das ist keine Nachnutzung."
                }
            )
        reuse = s.scalar(
            sa.select(Reuse).where(
                Reuse.solution_id == solution_id, Reuse.municipality_ags == actor.municipality_ags
            )
        )
        old = None
        if reuse is None:
            reuse = Reuse(
                solution_id=solution_id,
                municipality_ags=actor.municipality_ags,
                status=new_status,
                note=note.strip(),
                created_by_id=actor.id,
            )
            s.add(reuse)
            s.flush()
        else:
            old = reuse.status.value
            reuse.status = new_status
            reuse.note = note.strip() or reuse.note
            reuse.ended_reason = ""
        record_event(
            s,
            actor=actor,
            entity_type="reuse",
            entity_id=reuse.id,
            from_state=old,
            to_state=new_status.value,
        )
        enqueue(s, solution_doc_id(solution_id))  # reuse counts are a sort key in search
        notify_curators(
            s,
            text=f"{actor.municipality.name} meldet Nachnutzung „{new_status.label}“ für „{solution.title}“.",
            link=f"/loesungen/{solution.slug}",
        )
    return reuse


def update_reuse(*, actor: Any, reuse_id: int, status: str, ended_reason: str = "") -> Reuse:
    with unit_of_work() as s:
        reuse = s.get(Reuse, reuse_id)
        if reuse is None:
            raise NotFound("Diese Nachnutzung gibt es nicht.")
        require(can_update_reuse(actor, reuse))
        try:
            new_status = ReuseStatus(status)
        except ValueError:
            raise ValidationFailed(
                {"status": "Bitte wählen Sie einen Stand der Nachnutzung."}
            ) from None
        if new_status == ReuseStatus.ENDED and not ended_reason.strip():
            raise ValidationFailed(
                {
                    "ended_reason": "Bitte nennen Sie den Grund, warum die Nachnutzung endet – das hilft anderen Kommunen."
                }
            )
        if reuse.status == ReuseStatus.ENDED and new_status != ReuseStatus.INTERESTED:
            raise InvalidTransition("Eine beendete Nachnutzung beginnt wieder mit „interessiert“.")
        record_event(
            s,
            actor=actor,
            entity_type="reuse",
            entity_id=reuse.id,
            from_state=reuse.status.value,
            to_state=new_status.value,
            comment=ended_reason.strip(),
        )
        reuse.status = new_status
        reuse.ended_reason = ended_reason.strip() if new_status == ReuseStatus.ENDED else ""
        enqueue(s, solution_doc_id(reuse.solution_id))
    return reuse


def confirm_reuse(*, actor: Any, reuse_id: int) -> Reuse:
    require(is_curator(actor), "Nachnutzungen bestätigt das DigitalBüro.")
    with unit_of_work() as s:
        reuse = s.get(Reuse, reuse_id)
        if reuse is None:
            raise NotFound("Diese Nachnutzung gibt es nicht.")
        reuse.confirmed_by_id = actor.id
        reuse.confirmed_at = utcnow()
        record_event(
            s,
            actor=actor,
            entity_type="reuse",
            entity_id=reuse.id,
            from_state=reuse.status.value,
            to_state=reuse.status.value,
            comment="bestätigt",
        )
    return reuse


def reuses_of_municipality(ags: str) -> list[Reuse]:
    return list(
        db.session.scalars(
            sa.select(Reuse)
            .where(Reuse.municipality_ags == ags)
            .options(orm.selectinload(Reuse.solution))
            .order_by(Reuse.updated_at.desc())
        )
    )


def own_reuse(actor: Any, solution_id: int) -> Reuse | None:
    if not can_declare_reuse(actor):
        return None
    return db.session.scalar(
        sa.select(Reuse).where(
            Reuse.solution_id == solution_id, Reuse.municipality_ags == actor.municipality_ags
        )
    )


# Contact requests and brokering ---------------------------------------------------------------


def _contact_lines(session, solution: Solution) -> list[str]:
    """Contact details the owners agreed to share: the solution's contact persons and staff of
    the lead municipality who opted in (``share_contact``)."""
    lines = [
        " – ".join(p for p in (c.name, c.role, c.email, c.phone) if p) for c in solution.contacts
    ]
    for user in municipality_staff(session, solution.lead_municipality_ags):
        if user.share_contact:
            lines.append(" – ".join(p for p in (user.name, user.email, user.phone) if p))
    return lines


def _requester_lines(session, ags: str | None, requester: User | None) -> list[str]:
    lines = []
    if requester is not None and requester.share_contact:
        lines.append(" – ".join(p for p in (requester.name, requester.email, requester.phone) if p))
    if ags:
        for user in municipality_staff(session, ags):
            if user.share_contact and (requester is None or user.id != requester.id):
                lines.append(" – ".join(p for p in (user.name, user.email, user.phone) if p))
    return lines


def request_contact(
    *, actor: Any, solution_id: int, message: str, need_id: int | None = None
) -> ContactRequest:
    require(can_request_contact(actor), "Kontaktanfragen stellen angemeldete Mitarbeitende.")
    if len(message.strip()) < 10:
        raise ValidationFailed(
            {"message": "Bitte schreiben Sie kurz, worum es Ihnen geht (mindestens 10 Zeichen)."}
        )
    with unit_of_work() as s:
        solution = _published_solution(s, solution_id)
        request = ContactRequest(
            solution_id=solution.id,
            need_id=need_id,
            requester_id=actor.id,
            requester_municipality_ags=actor.municipality_ags,
            message=message.strip(),
        )
        s.add(request)
        s.flush()
        record_event(
            s,
            actor=actor,
            entity_type="contact_request",
            entity_id=request.id,
            from_state=None,
            to_state=ContactRequestStatus.OPEN.value,
        )
        notify_curators(
            s,
            text=f"Kontaktanfrage zu „{solution.title}“.",
            link=f"/vermittlung/{request.id}",
            mail_subject=f"Kontaktanfrage: {solution.title}",
            base_url=current_app.config["BASE_URL"],
        )
    return request


def broker(
    *,
    actor: Any,
    solution_id: int,
    need_id: int | None = None,
    request_id: int | None = None,
    message: str = "",
) -> ContactRequest:
    """Confirm a match: both sides are notified with the contact details their people agreed
    to share; the need becomes "vermittelt"; the contact request is tracked."""
    require(can_broker(actor), "Vermitteln kann das DigitalBüro.")
    with unit_of_work() as s:
        solution = _published_solution(s, solution_id)
        need = s.get(Need, need_id) if need_id else None
        if need_id and need is None:
            raise NotFound("Diesen Bedarf gibt es nicht.")
        if request_id:
            request = s.get(ContactRequest, request_id)
            if request is None:
                raise NotFound("Diese Kontaktanfrage gibt es nicht.")
            if request.status != ContactRequestStatus.OPEN:
                raise InvalidTransition("Diese Anfrage ist bereits vermittelt oder geschlossen.")
        else:
            request = ContactRequest(
                solution_id=solution.id,
                need_id=need.id if need else None,
                requester_id=need.author_id if need else None,
                requester_municipality_ags=need.municipality_ags if need else None,
                message=message.strip() or (need.text if need else ""),
            )
            s.add(request)
            s.flush()
        requester = s.get(User, request.requester_id) if request.requester_id else None
        old = request.status.value if request.id and request_id else None
        request.status = ContactRequestStatus.BROKERED
        request.broker_id = actor.id
        record_event(
            s,
            actor=actor,
            entity_type="contact_request",
            entity_id=request.id,
            from_state=old,
            to_state=ContactRequestStatus.BROKERED.value,
            comment=message.strip(),
        )
        if need is not None and need.status == NeedStatus.OPEN:
            transition_need(
                s,
                actor=actor,
                need=need,
                new=NeedStatus.BROKERED,
                comment=f"Vermittelt an „{solution.title}“",
            )
        base_url = current_app.config["BASE_URL"]
        owner_contacts = _contact_lines(s, solution) or [
            f"Bitte wenden Sie sich an das {current_app.config['OPERATOR_NAME']}."
        ]
        requester_ags = request.requester_municipality_ags
        requester_contacts = _requester_lines(s, requester_ags, requester) or [
            f"Das {current_app.config['OPERATOR_NAME']} stellt den Kontakt her."
        ]
        topic = f"zum Bedarf „{need.title}“" if need else "auf Anfrage"
        requester_municipality = s.get(Municipality, requester_ags) if requester_ags else None
        requester_name = requester_municipality.name if requester_municipality else None
        if requester_ags:
            text = (
                f"Das {current_app.config['OPERATOR_NAME']} hat Ihre Kommune mit „{solution.title}“ "
                f"({solution.lead_municipality.name}) in Kontakt gebracht {topic}. Ansprechpersonen:\n"
                + "\n".join(owner_contacts)
            )
            for user in municipality_staff(s, requester_ags):
                notify(
                    s,
                    user=user,
                    text=text,
                    link=f"/loesungen/{solution.slug}",
                    mail_subject=f"Vermittlung: {solution.title}",
                    base_url=base_url,
                )
        text = (
            f"{requester_name or 'Eine Kommune'} interessiert sich für Ihre Lösung „{solution.title}“ ({topic}). "
            "Ansprechpersonen:\n" + "\n".join(requester_contacts)
        )
        for user in municipality_staff(s, solution.lead_municipality_ags):
            notify(
                s,
                user=user,
                text=text,
                link=f"/loesungen/{solution.slug}",
                mail_subject=f"Anfrage zu Ihrer Lösung: {solution.title}",
                base_url=base_url,
            )
    return request


def close_contact_request(*, actor: Any, request_id: int, reason: str) -> ContactRequest:
    require(can_broker(actor))
    if not reason.strip():
        raise ValidationFailed({"reason": "Bitte nennen Sie den Grund für das Schließen."})
    with unit_of_work() as s:
        request = s.get(ContactRequest, request_id)
        if request is None:
            raise NotFound("Diese Kontaktanfrage gibt es nicht.")
        if request.status in (ContactRequestStatus.CLOSED, ContactRequestStatus.REUSE):
            raise InvalidTransition("Diese Anfrage ist bereits abgeschlossen.")
        record_event(
            s,
            actor=actor,
            entity_type="contact_request",
            entity_id=request.id,
            from_state=request.status.value,
            to_state=ContactRequestStatus.CLOSED.value,
            comment=reason.strip(),
        )
        request.status = ContactRequestStatus.CLOSED
    return request


def convert_to_reuse(
    *, actor: Any, request_id: int, status: str = ReuseStatus.INTERESTED.value
) -> Reuse:
    """The contact led to reuse: record it for the requesting municipality."""
    require(can_broker(actor))
    with unit_of_work() as s:
        request = s.get(ContactRequest, request_id)
        if request is None:
            raise NotFound("Diese Kontaktanfrage gibt es nicht.")
        if not request.requester_municipality_ags:
            raise ValidationFailed({"status": "Die Anfrage ist keiner Kommune zugeordnet."})
        reuse = s.scalar(
            sa.select(Reuse).where(
                Reuse.solution_id == request.solution_id,
                Reuse.municipality_ags == request.requester_municipality_ags,
            )
        )
        if reuse is None:
            reuse = Reuse(
                solution_id=request.solution_id,
                municipality_ags=request.requester_municipality_ags,
                status=ReuseStatus(status),
                created_by_id=actor.id,
                confirmed_by_id=actor.id,
                confirmed_at=utcnow(),
                note="Aus einer Vermittlung entstanden.",
            )
            s.add(reuse)
            s.flush()
        record_event(
            s,
            actor=actor,
            entity_type="reuse",
            entity_id=reuse.id,
            from_state=None,
            to_state=reuse.status.value,
            comment=f"aus Vermittlung #{request.id}",
        )
        record_event(
            s,
            actor=actor,
            entity_type="contact_request",
            entity_id=request.id,
            from_state=request.status.value,
            to_state=ContactRequestStatus.REUSE.value,
        )
        request.status = ContactRequestStatus.REUSE
        request.reuse_id = reuse.id
        if request.need_id:
            need = s.get(Need, request.need_id)
            if need is not None and need.status in (NeedStatus.OPEN, NeedStatus.BROKERED):
                transition_need(
                    s,
                    actor=actor,
                    need=need,
                    new=NeedStatus.SOLVED,
                    comment="Nachnutzung vereinbart",
                )
        enqueue(s, solution_doc_id(request.solution_id))
    return reuse


def list_contact_requests(*, actor: Any, status: str | None = None) -> list[ContactRequest]:
    require(can_broker(actor))
    query = sa.select(ContactRequest).options(
        orm.selectinload(ContactRequest.solution), orm.selectinload(ContactRequest.need)
    )
    if status in {s.value for s in ContactRequestStatus}:
        query = query.where(ContactRequest.status == ContactRequestStatus(status))
    return list(db.session.scalars(query.order_by(ContactRequest.created_at.desc())))


def get_contact_request(*, actor: Any, request_id: int) -> ContactRequest:
    require(can_broker(actor))
    request = db.session.get(ContactRequest, request_id)
    if request is None:
        raise NotFound("Diese Kontaktanfrage gibt es nicht.")
    return request
