"""Lifecycles of contact requests (Vermittlung) and reuse records (Nachnutzung): actions, the
transition tables and who may trigger which action. Pure data and predicates, like
``catalogue.workflow`` for content; applying a transition (state change, event, messages,
notifications) is ``services.brokering`` and ``services.reuse``.

Contact request::

    open ──broker──▶ brokered ──reuse_started──▶ reuse
     │                  ├──not_suitable / no_answer / close──▶ closed ──reopen──▶ open
     └──reuse_started / not_suitable / close──▶ …

Reuse record: interessiert → in Prüfung → Pilot → im Betrieb, any of them → beendet (with
reason), beendet → interessiert (starts over); stepping back one stage is allowed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from catalogue.models.enums import ContactOutcome, ContactRequestStatus, ReuseStatus, Role
from catalogue.permissions import Actor


class ContactAction(StrEnum):
    BROKER = "broker"
    REUSE_STARTED = "reuse_started"
    NOT_SUITABLE = "not_suitable"
    NO_ANSWER = "no_answer"
    CLOSE = "close"
    REOPEN = "reopen"

    @property
    def label(self) -> str:
        return CONTACT_ACTION_LABELS[self]

    @property
    def outcome(self) -> ContactOutcome | None:
        try:
            return ContactOutcome(self.value)
        except ValueError:
            return None


CONTACT_ACTION_LABELS = {
    ContactAction.BROKER: "Vermitteln",
    ContactAction.REUSE_STARTED: "Nachnutzung gestartet",
    ContactAction.NOT_SUITABLE: "Passt nicht",
    ContactAction.NO_ANSWER: "Keine Antwort",
    ContactAction.CLOSE: "Anfrage schließen",
    ContactAction.REOPEN: "Wieder öffnen",
}

C = ContactRequestStatus
CONTACT_TRANSITIONS: dict[tuple[ContactRequestStatus, ContactAction], ContactRequestStatus] = {
    (C.OPEN, ContactAction.BROKER): C.BROKERED,
    (C.OPEN, ContactAction.REUSE_STARTED): C.REUSE,
    (C.OPEN, ContactAction.NOT_SUITABLE): C.CLOSED,
    (C.OPEN, ContactAction.CLOSE): C.CLOSED,
    (C.BROKERED, ContactAction.REUSE_STARTED): C.REUSE,
    (C.BROKERED, ContactAction.NOT_SUITABLE): C.CLOSED,
    (C.BROKERED, ContactAction.NO_ANSWER): C.CLOSED,
    (C.BROKERED, ContactAction.CLOSE): C.CLOSED,
    (C.CLOSED, ContactAction.REOPEN): C.OPEN,
}

# Only the DigitalBüro brokers and reopens; the requesting municipality may record outcomes.
CURATOR_ONLY = frozenset({ContactAction.BROKER, ContactAction.REOPEN})
COMMENT_REQUIRED = frozenset({ContactAction.CLOSE})


def contact_target(
    status: ContactRequestStatus, action: ContactAction
) -> ContactRequestStatus | None:
    return CONTACT_TRANSITIONS.get((status, action))


def _curator(actor: Actor) -> bool:
    return getattr(actor, "is_authenticated", False) and actor.role in {Role.CURATOR, Role.ADMIN}


def may_act_on_contact(actor: Actor, request: Any, action: ContactAction) -> bool:
    """Role check for an action on a contact request (the state check is ``contact_target``)."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if _curator(actor):
        return True
    if action in CURATOR_ONLY:
        return False
    return (
        actor.municipality_ags is not None
        and actor.municipality_ags == request.requester_municipality_ags
    )


def contact_actions(actor: Actor, request: Any) -> list[ContactAction]:
    return [
        action
        for action in ContactAction
        if contact_target(request.status, action) is not None
        and may_act_on_contact(actor, request, action)
    ]


R = ReuseStatus
REUSE_TRANSITIONS: dict[ReuseStatus, frozenset[ReuseStatus]] = {
    R.INTERESTED: frozenset({R.EVALUATING, R.PILOT, R.IN_OPERATION, R.ENDED}),
    R.EVALUATING: frozenset({R.INTERESTED, R.PILOT, R.IN_OPERATION, R.ENDED}),
    R.PILOT: frozenset({R.EVALUATING, R.IN_OPERATION, R.ENDED}),
    R.IN_OPERATION: frozenset({R.PILOT, R.ENDED}),
    R.ENDED: frozenset({R.INTERESTED}),
}


def reuse_step_allowed(old: ReuseStatus, new: ReuseStatus) -> bool:
    """Staying in a stage (to update the note) is always allowed."""
    return old == new or new in REUSE_TRANSITIONS[old]
