"""Reuse records (Nachnutzung) — the DigitalBüro's core outcome: municipality X uses solution
Y, through interessiert → in Prüfung → Pilot → im Betrieb → beendet (transition table in
``catalogue.exchange_workflow``). Contact requests and brokering are ``services.brokering``;
it creates reuse records through ``reuse_from_contact``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import InvalidTransition, NotFound, ValidationFailed
from catalogue.exchange_workflow import reuse_step_allowed
from catalogue.models import ContactRequest, ContentState, Reuse, ReuseStatus, Solution
from catalogue.permissions import (
    Actor,
    can_declare_reuse,
    can_update_reuse,
    is_curator,
    own_municipality_ags,
    require,
    signed_in_id,
)
from catalogue.services.audit import record_event
from catalogue.services.notifications import municipality_staff, notify, notify_curators
from catalogue.services.outbox import enqueue
from search_index.documents import solution_doc_id

REUSE_ORDER = [
    ReuseStatus.INTERESTED,
    ReuseStatus.EVALUATING,
    ReuseStatus.PILOT,
    ReuseStatus.IN_OPERATION,
]


def published_solution(session: orm.Session, solution_id: int) -> Solution:
    solution = session.get(Solution, solution_id)
    if (
        solution is None
        or solution.state != ContentState.PUBLISHED
        or solution.revision_of_id is not None
    ):
        raise NotFound("Diese Lösung gibt es nicht oder sie ist nicht veröffentlicht.")
    return solution


def _step_error(old: ReuseStatus, new: ReuseStatus) -> str:
    if old == ReuseStatus.ENDED:
        return "Eine beendete Nachnutzung beginnt wieder mit „interessiert“."
    return f"Von „{old.label}“ nach „{new.label}“ ist nicht möglich."


def declare_reuse(*, actor: Actor, solution_id: int, status: str, note: str = "") -> Reuse:
    """ "Wir nutzen das" / "interessiert": create or update the actor's municipality's record."""
    message = "Nachnutzung melden können angemeldete Mitarbeitende einer Kommune."
    require(can_declare_reuse(actor), message)
    ags = own_municipality_ags(actor, message)
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
        solution = published_solution(s, solution_id)
        if solution.lead_municipality_ags == ags:
            raise ValidationFailed(
                {
                    "status": "Ihre Kommune ist federführend für diese Lösung – das ist keine Nachnutzung."
                }
            )
        reuse = s.scalar(
            sa.select(Reuse).where(Reuse.solution_id == solution_id, Reuse.municipality_ags == ags)
        )
        old = None
        if reuse is None:
            reuse = Reuse(
                solution_id=solution_id,
                municipality_ags=ags,
                status=new_status,
                note=note.strip(),
                created_by_id=signed_in_id(actor),
            )
            s.add(reuse)
            s.flush()
        else:
            if not reuse_step_allowed(reuse.status, new_status):
                raise InvalidTransition(_step_error(reuse.status, new_status))
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
        municipality = actor.municipality
        notify_curators(
            s,
            text=f"{municipality.name if municipality else ags} meldet Nachnutzung „{new_status.label}“ für „{solution.title}“.",
            link=f"/loesungen/{solution.slug}",
        )
    return reuse


def update_reuse(*, actor: Actor, reuse_id: int, status: str, ended_reason: str = "") -> Reuse:
    """Move a reuse record along its lifecycle (the reusing municipality's staff or curators)."""
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
        if not reuse_step_allowed(reuse.status, new_status):
            raise InvalidTransition(_step_error(reuse.status, new_status))
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


def confirm_reuse(*, actor: Actor, reuse_id: int) -> Reuse:
    """The DigitalBüro confirms a declared reuse: figures say "vom DigitalBüro bestätigt" for
    it, and the reusing municipality's staff are told (in the app and by mail)."""
    require(is_curator(actor), "Nachnutzungen bestätigt das DigitalBüro.")
    with unit_of_work() as s:
        reuse = s.get(Reuse, reuse_id)
        if reuse is None:
            raise NotFound("Diese Nachnutzung gibt es nicht.")
        first = reuse.confirmed_at is None
        reuse.confirmed_by_id = signed_in_id(actor)
        reuse.confirmed_at = utcnow()
        if first:
            operator = current_app.config["OPERATOR_NAME"]
            for user in municipality_staff(s, reuse.municipality_ags):
                notify(
                    s,
                    user=user,
                    text=(
                        f"Das {operator} hat die Nachnutzung von „{reuse.solution.title}“ durch "
                        f"Ihre Kommune bestätigt (Stand: {reuse.status.label})."
                    ),
                    link=f"/loesungen/{reuse.solution.slug}#nachnutzung",
                    mail_subject=f"Nachnutzung bestätigt: {reuse.solution.title}",
                    base_url=current_app.config["BASE_URL"],
                )
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


def own_reuse(actor: Actor, solution_id: int) -> Reuse | None:
    if not can_declare_reuse(actor):
        return None
    return db.session.scalar(
        sa.select(Reuse).where(
            Reuse.solution_id == solution_id, Reuse.municipality_ags == actor.municipality_ags
        )
    )


def reuse_from_contact(session: orm.Session, *, actor: Actor, request: ContactRequest) -> Reuse:
    """ "Nachnutzung gestartet" on a contact request: the asking municipality's record for the
    solution (created, confirmed by the DigitalBüro when a curator records it). Runs inside
    the caller's unit of work; the caller has checked permission and transition."""
    reuse = session.scalar(
        sa.select(Reuse).where(
            Reuse.solution_id == request.solution_id,
            Reuse.municipality_ags == request.requester_municipality_ags,
        )
    )
    # A reuse that started is past "interessiert": the municipality is trying it out
    # ("in Prüfung"); a record further along stays where it is, an ended one starts over there
    # (as an interest it would not count as a reuse at all).
    old = None
    if reuse is None:
        reuse = Reuse(
            solution_id=request.solution_id,
            municipality_ags=request.requester_municipality_ags,
            status=ReuseStatus.EVALUATING,
            created_by_id=signed_in_id(actor),
            note="Aus einer Vermittlung entstanden.",
        )
        session.add(reuse)
        session.flush()
    else:
        old = reuse.status.value
        if reuse.status in (ReuseStatus.INTERESTED, ReuseStatus.ENDED):
            reuse.status = ReuseStatus.EVALUATING
            reuse.ended_reason = ""
    if is_curator(actor):
        reuse.confirmed_by_id = signed_in_id(actor)
        reuse.confirmed_at = utcnow()
    record_event(
        session,
        actor=actor,
        entity_type="reuse",
        entity_id=reuse.id,
        from_state=old,
        to_state=reuse.status.value,
        comment=f"aus Vermittlung Nr. {request.id}",
    )
    enqueue(session, solution_doc_id(request.solution_id))
    return reuse
