"""Applying workflow actions to solutions and experience reports.

``_transition`` is the one function that changes a content state: it checks the transition
table and the actor's right, requires comments where the table says so, writes the immutable
review event and the search outbox row, and notifies authors or curators. Approving a revision
merges it into the published entry, which stays visible until that moment.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import orm

from catalogue.clock import local_date, utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from catalogue.models import ContentState, ExperienceReport, ReviewEvent, Role, Solution, User
from catalogue.permissions import Actor, available_actions, can_apply_action
from catalogue.services.audit import record_event
from catalogue.services.contributions import (
    REPORT_CONTENT_FIELDS,
    SOLUTION_ENUM_FIELDS,
    SOLUTION_PLAIN_FIELDS,
)
from catalogue.services.notifications import municipality_staff, notify, notify_curators
from catalogue.services.outbox import enqueue
from catalogue.workflow import COMMENT_REQUIRED, Action, target_state
from search_index.documents import report_doc_id, solution_doc_id

log = logging.getLogger(__name__)

# Content fields copied from an approved revision onto the published entry.
SOLUTION_CONTENT_FIELDS = SOLUTION_PLAIN_FIELDS + SOLUTION_ENUM_FIELDS


def load_entry(
    session: orm.Session, entity_type: str, entry_id: int
) -> Solution | ExperienceReport:
    entry: Solution | ExperienceReport | None = None
    if entity_type == "solution":
        entry = session.get(Solution, entry_id)
    elif entity_type == "report":
        entry = session.get(ExperienceReport, entry_id)
    if entry is None:
        raise NotFound("Diesen Eintrag gibt es nicht.")
    return entry


def _doc_id(entity_type: str, entry_id: int) -> str:
    return solution_doc_id(entry_id) if entity_type == "solution" else report_doc_id(entry_id)


# Services build links as plain paths (they also run in the CLI, outside a request).
REVIEW_QUEUE_PATH = "/pruefung/"


def _link(entity_type: str, entry: Any) -> str:
    if entity_type == "solution":
        return f"/mitwirken/loesungen/{entry.id}"
    return f"/mitwirken/berichte/{entry.id}"


def _merge_solution(session: orm.Session, revision: Solution) -> Solution:
    original = revision.revision_of
    assert original is not None, "a revision always has its original"
    for name in SOLUTION_CONTENT_FIELDS:
        setattr(original, name, getattr(revision, name))
    original.tags = list(revision.tags)
    original.partners = list(revision.partners)
    original.links = [
        type(link)(title=link.title, url=link.url, position=link.position)
        for link in revision.links
    ]
    original.contacts = [
        type(c)(name=c.name, role=c.role, email=c.email, phone=c.phone, position=c.position)
        for c in revision.contacts
    ]
    for attachment in list(revision.attachments):
        attachment.solution_id = original.id
    original.version += 1
    original.updated_at = utcnow()
    return original


def _merge_report(session: orm.Session, revision: ExperienceReport) -> ExperienceReport:
    original = session.get(ExperienceReport, revision.revision_of_id)
    assert original is not None, "a revision always has its original"
    for name in REPORT_CONTENT_FIELDS:
        setattr(original, name, getattr(revision, name))
    original.version += 1
    original.updated_at = utcnow()
    return original


def _transition(
    session: orm.Session,
    *,
    actor: Actor,
    entity_type: str,
    entry: Solution | ExperienceReport,
    action: Action,
    comment: str = "",
) -> ContentState:
    new_state = target_state(entry.state, action)
    if new_state is None:
        raise InvalidTransition(
            f"„{action.label}“ ist im Zustand „{entry.state.label}“ nicht möglich."
        )
    if not can_apply_action(actor, entry, action):
        raise PermissionDenied("Diese Aktion dürfen Sie für diesen Eintrag nicht ausführen.")
    comment = comment.strip()
    if action in COMMENT_REQUIRED and not comment:
        raise ValidationFailed(
            {
                "comment": "Bitte begründen Sie die Entscheidung in einem Kommentar für die Autorin oder den Autor."
            }
        )
    old_state = entry.state
    is_revision_approval = action == Action.APPROVE and entry.revision_of_id is not None
    # An approved revision is merged into the published entry and kept, archived, for the audit.
    entry.state = ContentState.ARCHIVED if is_revision_approval else new_state
    record_event(
        session,
        actor=actor,
        entity_type=entity_type,
        entity_id=entry.id,
        from_state=old_state.value,
        to_state=entry.state.value,
        comment=comment
        if not is_revision_approval
        else f"Freigegeben und übernommen. {comment}".strip(),
    )
    published_entry = entry
    if is_revision_approval:
        published_entry = (
            _merge_solution(session, entry)
            if isinstance(entry, Solution)
            else _merge_report(session, entry)
        )
        record_event(
            session,
            actor=actor,
            entity_type=entity_type,
            entity_id=published_entry.id,
            from_state=ContentState.PUBLISHED.value,
            to_state=ContentState.PUBLISHED.value,
            comment=f"Überarbeitung #{entry.id} übernommen. {comment}".strip(),
        )
    elif action == Action.APPROVE:
        entry.published_at = utcnow()
        if isinstance(entry, Solution) and (
            entry.review_by is None or entry.review_by < local_date(entry.published_at)
        ):
            from catalogue.services.freshness import interval_due

            # freshness: every published solution has a date to be checked by; one already
            # past (typed so, or a draft left long) would go live overdue, so it starts anew
            entry.review_by = interval_due(entry)
    enqueue(session, _doc_id(entity_type, published_entry.id))
    _notify(
        session, actor=actor, entity_type=entity_type, entry=entry, action=action, comment=comment
    )
    return entry.state


def _notify(
    session: orm.Session,
    *,
    actor: Actor,
    entity_type: str,
    entry: Solution | ExperienceReport,
    action: Action,
    comment: str,
) -> None:
    base_url = current_app.config["BASE_URL"]
    noun = "Lösung" if entity_type == "solution" else "Erfahrungsbericht"
    title = entry.title
    link = _link(entity_type, entry)
    if action == Action.SUBMIT:
        notify_curators(
            session,
            text=f"Neu zur Prüfung eingereicht ({noun}): „{title}“",
            link=REVIEW_QUEUE_PATH,
            mail_subject=f"Neue Einreichung: {title}",
            base_url=base_url,
        )
        return
    messages = {
        Action.APPROVE: f"Ihr Beitrag „{title}“ ({noun}) wurde freigegeben und ist veröffentlicht.",
        Action.REQUEST_CHANGES: f"Für „{title}“ ({noun}) wird eine Überarbeitung erbeten: {comment}",
        Action.REJECT: f"„{title}“ ({noun}) wurde abgelehnt: {comment}",
        Action.ARCHIVE: f"„{title}“ ({noun}) wurde archiviert.",
        Action.RESTORE: f"„{title}“ ({noun}) ist wieder veröffentlicht.",
    }
    text = messages.get(action)
    if text is None:
        return
    # the subject says what happened, as the outcome mails of a contact request do
    subjects = {
        Action.APPROVE: "Freigegeben",
        Action.REQUEST_CHANGES: "Überarbeitung erbeten",
        Action.REJECT: "Abgelehnt",
        Action.ARCHIVE: "Archiviert",
        Action.RESTORE: "Wieder veröffentlicht",
    }
    owner = entry.lead_municipality_ags if isinstance(entry, Solution) else entry.municipality_ags
    recipients = {u.id: u for u in municipality_staff(session, owner) if u.role == Role.CONTRIBUTOR}
    author_id = author_id_of(entry)
    if author_id:
        author = session.get(User, author_id)
        if author is not None:
            recipients[author.id] = author
    for user in recipients.values():
        if user.id == getattr(actor, "id", None):
            continue
        notify(
            session,
            user=user,
            text=text,
            link=link,
            mail_subject=f"{subjects[action]}: {title}",
            base_url=base_url,
        )


def author_id_of(entry: Any) -> int | None:
    """Who wrote a solution (``created_by_id``) or an experience report (``author_id``)."""
    return getattr(entry, "created_by_id", None) or getattr(entry, "author_id", None)


def apply_action(
    *, actor: Actor, entity_type: str, entry_id: int, action: Action | str, comment: str = ""
) -> ContentState:
    """Apply a workflow action (submit, withdraw, approve, …) to a solution or report as the
    actor may (``permissions.can_apply_action``); returns the new state."""
    try:
        action = Action(action)
    except ValueError:
        raise InvalidTransition("Unbekannte Aktion.") from None
    with unit_of_work() as s:
        entry = load_entry(s, entity_type, entry_id)
        first_publication = (
            action == Action.APPROVE and entity_type == "solution" and entry.revision_of_id is None
        )
        state = _transition(
            s, actor=actor, entity_type=entity_type, entry=entry, action=action, comment=comment
        )
        if first_publication and state == ContentState.PUBLISHED:
            # Reverse matching runs after commit, once the index contains the solution.
            from catalogue.services.matching import enqueue_reverse_match

            enqueue_reverse_match(s, entry_id)
    return state


def history(
    *, actor: Actor, entity_type: str, entry_id: int
) -> tuple[Solution | ExperienceReport, list[ReviewEvent]]:
    from sqlalchemy import select

    from catalogue.models import ReviewEvent
    from catalogue.permissions import can_view_history, require

    entry = load_entry(db.session, entity_type, entry_id)
    require(can_view_history(actor, entry))
    ids = [entry.id]
    if entity_type == "solution":
        ids += list(
            db.session.scalars(select(Solution.id).where(Solution.revision_of_id == entry.id))
        )
    else:
        ids += list(
            db.session.scalars(
                select(ExperienceReport.id).where(ExperienceReport.revision_of_id == entry.id)
            )
        )
    events = list(
        db.session.scalars(
            select(ReviewEvent)
            .where(ReviewEvent.entity_type == entity_type, ReviewEvent.entity_id.in_(ids))
            .order_by(ReviewEvent.created_at, ReviewEvent.id)
        )
    )
    return entry, events


def available(actor: Actor, entry: Any) -> list[Action]:
    """Actions the actor can take on the entry now (for buttons)."""
    return available_actions(actor, entry)


def load_entry_for_review(entity_type: str, entry_id: int) -> Solution | ExperienceReport:
    return load_entry(db.session, entity_type, entry_id)


def original_of(entity_type: str, entry: Any) -> Solution | ExperienceReport | None:
    if entry.revision_of_id is None:
        return None
    return load_entry(db.session, entity_type, entry.revision_of_id)
