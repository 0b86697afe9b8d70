"""The content workflow of solutions and experience reports: actions, the transition table and
who may trigger which action. Pure data and predicates; applying a transition (state change,
review event, outbox row, notifications) is ``services.workflow._transition``.

    draft ──submit──▶ submitted ──approve──▶ published ──archive──▶ archived
      ▲                 │  │  └──reject──▶ rejected                   │
      └──withdraw───────┘  └──request_changes──▶ changes_requested    │
                                              └──submit──▶ submitted  │
    published ◀────────────────────restore────────────────────────────┘
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from catalogue.models.enums import ContentState, Role


class Action(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    ARCHIVE = "archive"
    RESTORE = "restore"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.SUBMIT: "Zur Prüfung einreichen",
    Action.WITHDRAW: "Einreichung zurückziehen",
    Action.APPROVE: "Freigeben",
    Action.REQUEST_CHANGES: "Überarbeitung erbitten",
    Action.REJECT: "Ablehnen",
    Action.ARCHIVE: "Archivieren",
    Action.RESTORE: "Wieder veröffentlichen",
}

S = ContentState
TRANSITIONS: dict[tuple[ContentState, Action], ContentState] = {
    (S.DRAFT, Action.SUBMIT): S.SUBMITTED,
    (S.CHANGES_REQUESTED, Action.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, Action.WITHDRAW): S.DRAFT,
    (S.SUBMITTED, Action.APPROVE): S.PUBLISHED,
    (S.SUBMITTED, Action.REQUEST_CHANGES): S.CHANGES_REQUESTED,
    (S.SUBMITTED, Action.REJECT): S.REJECTED,
    (S.PUBLISHED, Action.ARCHIVE): S.ARCHIVED,
    (S.ARCHIVED, Action.RESTORE): S.PUBLISHED,
}

AUTHOR_ACTIONS = frozenset({Action.SUBMIT, Action.WITHDRAW})
CURATOR_ACTIONS = frozenset(
    {Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT, Action.ARCHIVE, Action.RESTORE}
)
COMMENT_REQUIRED = frozenset({Action.REQUEST_CHANGES, Action.REJECT})


def target_state(state: ContentState, action: Action) -> ContentState | None:
    return TRANSITIONS.get((state, action))


def owner_ags(entry: Any) -> str:
    """The municipality that owns an entry (solution: lead; report: reporting municipality)."""
    return getattr(entry, "lead_municipality_ags", None) or entry.municipality_ags


def may_act(actor: Any, entry: Any, action: Action) -> bool:
    """Role and ownership check for an action (the state check is ``target_state``)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if action in CURATOR_ACTIONS:
        return actor.role in {Role.CURATOR, Role.ADMIN}
    if actor.role in {Role.CURATOR, Role.ADMIN}:
        return True
    return actor.role == Role.CONTRIBUTOR and actor.municipality_ags == owner_ags(entry)


def available_actions(actor: Any, entry: Any) -> list[Action]:
    return [
        action
        for action in Action
        if target_state(entry.state, action) is not None and may_act(actor, entry, action)
    ]
