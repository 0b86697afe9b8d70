"""Contact requests and brokering (Vermittlung): a need or a person is put in touch with a
solution's owner, tracked as one thread per need/solution pair (or municipality/solution pair
without a need) until it leads to reuse or is closed. States: ``catalogue.exchange_workflow``; who
is reached and how: ``services.brokering_reach``; what a text shows of a need: ``needs.need_reference``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import InvalidTransition, NotFound, ValidationFailed
from catalogue.exchange_workflow import ContactAction, contact_target, may_act_on_contact
from catalogue.models import (
    ContactMessage,
    ContactRequest,
    ContactRequestStatus,
    Need,
    NeedStatus,
    Reuse,
    Solution,
)
from catalogue.permissions import (
    Actor,
    can_broker,
    can_request_contact,
    can_view_contact_request,
    is_curator,
    requester_named,
    require,
    signed_in_id,
)
from catalogue.services import brokering_reach as reach
from catalogue.services.audit import record_event
from catalogue.services.brokering_plan import (
    ACTIVE,
    BrokeringPlan,
    find_thread,
    load_pair,
    plan_for,
)
from catalogue.services.needs import need_reference, transition_need
from catalogue.services.reuse import published_solution, reuse_from_contact


def _author_label(actor: Actor) -> str:
    if is_curator(actor):
        return f"{actor.name} ({current_app.config['OPERATOR_NAME']})"
    municipality = actor.municipality.name if actor.municipality else ""
    if not municipality or municipality in actor.name:
        return actor.name
    return f"{actor.name} ({municipality})"


def _asking(request: ContactRequest, otherwise: str) -> str:
    """The asking side by its municipality (for the owners, where the asker is not named)."""
    asking = request.requester_municipality
    return asking.name if asking else otherwise


def _add_message(
    session: orm.Session, request: ContactRequest, *, actor: Actor, body: str, kind: str
) -> None:
    session.add(
        ContactMessage(
            request_id=request.id,
            author_id=getattr(actor, "id", None),
            author_label=_author_label(actor) if actor is not None else "Lösungskatalog",
            kind=kind,
            body=body,
        )
    )
    request.last_activity_at = utcnow()


def _apply(
    session: orm.Session,
    *,
    actor: Actor,
    request: ContactRequest,
    action: ContactAction,
    comment: str = "",
) -> None:
    target = contact_target(request.status, action)
    if target is None:
        raise InvalidTransition(
            f"„{action.label}“ ist bei einer Anfrage im Stand „{request.status.label}“ nicht möglich."
        )
    require(may_act_on_contact(actor, request, action))
    record_event(
        session,
        actor=actor,
        entity_type="contact_request",
        entity_id=request.id,
        from_state=request.status.value,
        to_state=target.value,
        comment=comment.strip(),
    )
    request.status = target
    request.outcome = action.outcome
    request.last_activity_at = utcnow()


def request_contact(
    *, actor: Actor, solution_id: int, message: str, need_id: int | None = None
) -> ContactRequest:
    """A member asks the DigitalBüro for contact; a second request for the same pair joins
    the existing thread."""
    require(can_request_contact(actor), "Kontaktanfragen stellen angemeldete Mitarbeitende.")
    message = message.strip()
    if len(message) < 10:
        raise ValidationFailed(
            {"message": "Bitte schreiben Sie kurz, worum es Ihnen geht (mindestens 10 Zeichen)."}
        )
    with unit_of_work() as s:
        solution = published_solution(s, solution_id)
        if solution.lead_municipality_ags == actor.municipality_ags:
            raise ValidationFailed({"message": "Das ist eine Lösung Ihrer eigenen Kommune."})
        if need_id is not None:
            need = s.get(Need, need_id)
            if need is None or need.municipality_ags != actor.municipality_ags:
                raise ValidationFailed({"need_id": "Bitte wählen Sie einen Bedarf Ihrer Kommune."})
        request = find_thread(
            s, solution_id=solution.id, need_id=need_id, requester_ags=actor.municipality_ags
        )
        if request is None:
            request = ContactRequest(
                solution_id=solution.id,
                need_id=need_id,
                requester_id=actor.id,
                requester_municipality_ags=actor.municipality_ags,
                message=message,
                requester_agreed_at=utcnow(),
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
        if request.requester_id == actor.id and request.requester_agreed_at is None:
            request.requester_agreed_at = utcnow()  # asked again, on today's form
        _add_message(s, request, actor=actor, body=message, kind="request")
        for recipient in reach.curator_reach(s):
            reach.deliver(
                s,
                recipient,
                text=f"Kontaktanfrage von {_author_label(actor)} zu „{solution.title}“.",
                link=f"/vermittlung/{request.id}",
                subject=f"Kontaktanfrage: {solution.title}",
            )
    return request


def broker(
    *,
    actor: Actor,
    solution_id: int,
    need_id: int | None = None,
    request_id: int | None = None,
    message: str = "",
) -> tuple[ContactRequest, BrokeringPlan]:
    """Confirm a match: both sides are told, with the contact details their people agreed to
    share; the need becomes "vermittelt"; the pair's thread records it."""
    require(can_broker(actor), "Vermitteln kann das DigitalBüro.")
    message = message.strip()
    if len(message) > 2000:
        raise ValidationFailed({"message": "Die Nachricht darf höchstens 2000 Zeichen lang sein."})
    with unit_of_work() as s:
        # Two curators confirming the same pair at once must not open two threads: on
        # PostgreSQL the need (or request) row is locked until this unit of work commits.
        if need_id:
            s.get(Need, need_id, with_for_update=True)
        if request_id:
            s.get(ContactRequest, request_id, with_for_update=True)
        solution, need, request = load_pair(
            s, solution_id=solution_id, need_id=need_id, request_id=request_id
        )
        plan = plan_for(s, solution=solution, need=need, request=request, message=message)
        if plan.blocked:
            raise InvalidTransition(plan.blocked)
        if request is None:
            request = ContactRequest(
                solution_id=solution.id,
                need_id=need.id if need else None,
                requester_id=need.author_id if need else None,
                requester_municipality_ags=need.municipality_ags if need else None,
                message=message,
            )
            s.add(request)
            s.flush()
        request.broker_id = signed_in_id(actor)
        request.brokered_at = utcnow()
        _apply(s, actor=actor, request=request, action=ContactAction.BROKER, comment=message)
        # Both sides read the thread: it names who was told by municipality, not by person
        # (the DigitalBüro's confirmation names the people).
        told = [_asking(request, "die anfragende Kommune")] if plan.side("requester") else []
        told += [solution.lead_municipality.name] if plan.side("owner") else []
        _add_message(
            s,
            request,
            actor=actor,
            body=(message + "\n\n" if message else "")
            + f"Vermittelt. Benachrichtigt: {' und '.join(told) or 'niemand'}.",
            kind="broker",
        )
        if need is not None and need.status == NeedStatus.OPEN:
            transition_need(
                s,
                actor=actor,
                need=need,
                new=NeedStatus.BROKERED,
                comment=f"Vermittelt an „{solution.title}“",
            )
        for delivery in plan.deliveries:
            link = (
                f"/vermittlung/{request.id}"
                if delivery.recipient.user is not None
                else f"/loesungen/{solution.slug}"
            )
            reach.deliver(
                s, delivery.recipient, text=delivery.text, link=link, subject=delivery.subject
            )
    return request, plan


def thread_recipients(
    s: orm.Session, request: ContactRequest, *, exclude: Actor | None = None
) -> list[reach.Recipient]:
    """Everyone in a thread: curators, the asking side and — once brokered — the owner side."""
    people = reach.curator_reach(s) + reach.requester_reach(s, request)
    if request.brokered_at is not None:
        people += reach.owner_reach(s, request.solution).recipients
    excluded = exclude.id if exclude is not None else None
    return [p for p in people if p.user is None or p.user.id != excluded]


def notify_thread(
    s: orm.Session,
    request: ContactRequest,
    *,
    actor: Actor,
    headline: str,
    body: str,
    owner_headline: str | None = None,
    subject: str = "Vermittlung",  # the mail's subject, before the solution's title
) -> None:
    """Tell everyone in the thread; the owner side reads `owner_headline` where it differs
    (an asker who did not agree to be named is named by their municipality only)."""
    for recipient in thread_recipients(s, request, exclude=actor):
        line = owner_headline if owner_headline and recipient.side == "owner" else headline
        text = (
            f"{line} – Anfrage zu „{request.solution.title}“ "
            f"({need_reference(request.need, recipient.viewer)}):\n{body}"
        )
        reach.deliver(
            s,
            recipient,
            text=text,
            link=f"/vermittlung/{request.id}",
            subject=f"{subject}: {request.solution.title}",
        )


def post_message(*, actor: Actor, request_id: int, body: str) -> ContactRequest:
    """Add a message to a contact-request thread; everyone who may see the thread may write,
    and the other participants are notified."""
    body = body.strip()
    if not 2 <= len(body) <= 2000:
        raise ValidationFailed({"body": "Bitte schreiben Sie eine Nachricht (2 bis 2000 Zeichen)."})
    with unit_of_work() as s:
        request = _get(s, request_id)
        require(can_view_contact_request(actor, request))
        if request.status not in ACTIVE:
            raise InvalidTransition("Diese Anfrage ist abgeschlossen; öffnen Sie sie erst wieder.")
        _add_message(s, request, actor=actor, body=body, kind="message")
        unnamed = actor.id == request.requester_id and not requester_named(request)
        asking = f"Neue Nachricht aus {_asking(request, 'der anfragenden Kommune')}"
        notify_thread(
            s,
            request,
            actor=actor,
            headline=f"Neue Nachricht von {_author_label(actor)}",
            owner_headline=asking if unnamed else None,
            body=body,
            subject="Neue Nachricht",
        )
    return request


def record_outcome(
    *, actor: Actor, request_id: int, action: str, comment: str = ""
) -> ContactRequest:
    """Outcome of a contact: reuse started (creates the reuse record), not suitable, no answer,
    closed (with reason) — or reopened by the DigitalBüro."""
    try:
        step = ContactAction(action)
    except ValueError:
        raise ValidationFailed({"action": "Bitte wählen Sie ein Ergebnis."}) from None
    if step == ContactAction.BROKER:
        raise ValidationFailed({"action": "Vermitteln Sie über die Vorschau."})
    if step == ContactAction.CLOSE and not comment.strip():
        raise ValidationFailed({"reason": "Bitte nennen Sie den Grund für das Schließen."})
    with unit_of_work() as s:
        request = _get(s, request_id)
        require(can_view_contact_request(actor, request))
        _apply(s, actor=actor, request=request, action=step, comment=comment)
        if step == ContactAction.REUSE_STARTED:
            if not request.requester_municipality_ags:
                raise ValidationFailed({"action": "Die Anfrage ist keiner Kommune zugeordnet."})
            reuse = reuse_from_contact(s, actor=actor, request=request)
            request.reuse_id = reuse.id
            need = s.get(Need, request.need_id) if request.need_id else None
            if need is not None and need.status in (NeedStatus.OPEN, NeedStatus.BROKERED):
                transition_need(
                    s,
                    actor=actor,
                    need=need,
                    new=NeedStatus.SOLVED,
                    comment="Nachnutzung gestartet",
                )
        note = f"Ergebnis: {step.label}" + (f" – {comment.strip()}" if comment.strip() else "")
        _add_message(s, request, actor=actor, body=note, kind="outcome")
        body = f"Neuer Stand der Anfrage: {request.status.label}."
        notify_thread(s, request, actor=actor, headline=note, body=body, subject=step.label)
    return request


def close_contact_request(*, actor: Actor, request_id: int, reason: str) -> ContactRequest:
    return record_outcome(actor=actor, request_id=request_id, action="close", comment=reason)


def convert_to_reuse(*, actor: Actor, request_id: int) -> Reuse:
    """The contact led to reuse: the outcome "Nachnutzung gestartet"; returns the record."""
    request = record_outcome(actor=actor, request_id=request_id, action="reuse_started")
    reuse = db.session.get(Reuse, request.reuse_id) if request.reuse_id is not None else None
    if reuse is None:  # the outcome links the record; without one there is nothing to show
        raise NotFound("Diese Nachnutzung gibt es nicht.")
    return reuse


def _get(s: orm.Session, request_id: int) -> ContactRequest:
    request = s.get(ContactRequest, request_id)
    if request is None:
        raise NotFound("Diese Kontaktanfrage gibt es nicht.")
    return request


def list_contact_requests(*, actor: Actor, status: str | None = None) -> list[ContactRequest]:
    require(can_broker(actor))
    query = sa.select(ContactRequest).options(
        orm.selectinload(ContactRequest.solution), orm.selectinload(ContactRequest.need)
    )
    if status in {s.value for s in ContactRequestStatus}:
        query = query.where(ContactRequest.status == ContactRequestStatus(status))
    return list(db.session.scalars(query.order_by(ContactRequest.created_at.desc())))


def get_contact_request(*, actor: Actor, request_id: int) -> ContactRequest:
    request = db.session.get(ContactRequest, request_id)
    if request is None or not can_view_contact_request(actor, request):
        raise NotFound("Diese Kontaktanfrage gibt es nicht.")
    return request


def requests_of_municipality(ags: str) -> list[ContactRequest]:
    """Threads where a municipality asks, or — once brokered — is asked."""
    asked = sa.and_(
        ContactRequest.solution.has(Solution.lead_municipality_ags == ags),
        ContactRequest.brokered_at.is_not(None),
    )
    return list(
        db.session.scalars(
            sa.select(ContactRequest)
            .where(sa.or_(ContactRequest.requester_municipality_ags == ags, asked))
            .options(
                orm.selectinload(ContactRequest.solution),
                orm.selectinload(ContactRequest.need),
                orm.selectinload(ContactRequest.messages),
            )
            .order_by(ContactRequest.last_activity_at.desc())
        )
    )


def requests_for_need(*, actor: Actor, need: Need) -> list[ContactRequest]:
    """The threads of a need that the actor may open (shown on the need's page)."""
    rows = db.session.scalars(
        sa.select(ContactRequest)
        .where(ContactRequest.need_id == need.id)
        .options(orm.selectinload(ContactRequest.solution))
        .order_by(ContactRequest.id)
    )
    return [r for r in rows if can_view_contact_request(actor, r)]
