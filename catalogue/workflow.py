"""The content workflow of solutions and experience reports: actions and the transition table.
Pure data; who may trigger an action is ``permissions.can_apply_action``, applying a transition
(state change, review event, outbox row, notifications) is ``services.workflow._transition``.

    draft ──submit──▶ submitted ──approve──▶ published ──archive──▶ archived
      ▲                 │  │  └──reject──▶ rejected                   │
      └──withdraw───────┘  └──request_changes──▶ changes_requested    │
                                              └──submit──▶ submitted  │
    published ◀────────────────────restore────────────────────────────┘
"""

from __future__ import annotations

from enum import StrEnum

from catalogue.models.enums import ContentState


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

# A revision in these states is still being written or reviewed: there is one at a time.
IN_PROGRESS = (S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED)

AUTHOR_ACTIONS = frozenset({Action.SUBMIT, Action.WITHDRAW})
CURATOR_ACTIONS = frozenset(
    {Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT, Action.ARCHIVE, Action.RESTORE}
)
COMMENT_REQUIRED = frozenset({Action.REQUEST_CHANGES, Action.REJECT})


def target_state(state: ContentState, action: Action) -> ContentState | None:
    return TRANSITIONS.get((state, action))
