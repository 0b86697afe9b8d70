"""The immutable audit trail (review events): writing rows, and reading them for the audit log
with German labels, entry titles and filters.

Review events store stable English codes (``from_state``/``to_state``); this module is the one
place that turns them into German text. Reads never write; must not read ``flask.request``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import day_start
from catalogue.db import db
from catalogue.models import (
    ContactRequest,
    ContactRequestStatus,
    ContentState,
    ExperienceReport,
    Municipality,
    Need,
    NeedStatus,
    Reuse,
    ReuseStatus,
    ReviewEvent,
    Role,
    Solution,
    User,
)
from catalogue.permissions import Actor, can_view_audit_log, require
from catalogue.services.pagination import Page

ENTITY_TYPE_LABELS = {
    "user": "Konto",
    "municipality": "Kommune",
    "solution": "Lösung",
    "report": "Erfahrungsbericht",
    "need": "Bedarf",
    "reuse": "Nachnutzung",
    "contact_request": "Vermittlung",
    "thesaurus": "Thesaurus",
    "mail_opt_out": "E-Mail-Abmeldung",
}

_USER_STATES = {
    "invited": "eingeladen",
    "active": "aktiv",
    "inactive": "deaktiviert",
    "deleted": "gelöscht",
} | {r.value: f"Rolle „{r.label}“" for r in Role}

STATE_LABELS: dict[str, dict[str, str]] = {
    "solution": {s.value: s.label for s in ContentState},
    "report": {s.value: s.label for s in ContentState},
    "need": {s.value: s.label for s in NeedStatus},
    "reuse": {s.value: s.label for s in ReuseStatus},
    "contact_request": {s.value: s.label for s in ContactRequestStatus},
    "user": _USER_STATES,
    "municipality": {"updated": "Stammdaten geändert"},
    "thesaurus": {"updated": "geändert", "reset": "zurückgesetzt"},
    "mail_opt_out": {"opted_out": "abgemeldet", "deleted": "zurückgenommen"},
}

# What a step *did*, by the state it led to (the filter "Schritt" offers these).
ACTION_LABELS = {
    "draft": "angelegt (Entwurf)",
    "submitted": "eingereicht",
    "changes_requested": "Überarbeitung erbeten",
    "published": "veröffentlicht",
    "rejected": "abgelehnt",
    "archived": "archiviert",
    "open": "eröffnet oder wieder geöffnet",
    "brokered": "vermittelt",
    "solved": "gelöst",
    "closed": "geschlossen",
    "reuse": "in Nachnutzung überführt",
    "interested": "Nachnutzung: interessiert",
    "evaluating": "Nachnutzung: in Prüfung",
    "pilot": "Nachnutzung: Pilot",
    "in_operation": "Nachnutzung: im Betrieb",
    "ended": "Nachnutzung: beendet",
    "invited": "eingeladen",
    "active": "aktiviert",
    "inactive": "deaktiviert",
    "deleted": "gelöscht",
    "updated": "geändert",
    "reset": "zurückgesetzt",
} | {r.value: f"Rolle: {r.label}" for r in Role}


def record_event(
    session: orm.Session,
    *,
    actor: Actor | None,
    entity_type: str,
    entity_id: int,
    from_state: str | None,
    to_state: str,
    comment: str = "",
) -> ReviewEvent:
    event = ReviewEvent(
        entity_type=entity_type,
        entity_id=entity_id,
        actor_id=actor.id if actor is not None else None,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
    )
    session.add(event)
    return event


# Labels -------------------------------------------------------------------------------------


def _readable(code: str) -> str:
    """Last resort for a code no table knows yet: never show underscores to people."""
    return code.replace("_", " ")


def state_label(entity_type: str, code: str | None) -> str:
    if not code:
        return "–"
    return STATE_LABELS.get(entity_type, {}).get(code) or ACTION_LABELS.get(code) or _readable(code)


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code) or _readable(code)


def describe_step(event: ReviewEvent) -> str:
    """One German phrase for what the event recorded."""
    kind, old, new = event.entity_type, event.from_state, event.to_state
    if old is None:
        if kind == "user" and new == "active":
            return "angelegt und aktiviert"
        if kind in ("municipality", "thesaurus"):
            return state_label(kind, new)
        return f"angelegt: {state_label(kind, new)}"
    if old == new:
        if kind == "reuse":
            return f"bestätigt ({state_label(kind, new)})"
        if kind in ("solution", "report") and new == ContentState.PUBLISHED.value:
            return "Überarbeitung übernommen"
        return f"erneut: {state_label(kind, new)}"
    return f"{state_label(kind, old)} → {state_label(kind, new)}"


# Filters and reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilters:
    entity_type: str | None = None
    actor_id: int | None = None
    municipality_ags: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _entity_ids_of_municipality(ags: str) -> sa.ColumnElement[bool]:
    """Events about entries that belong to ``ags``, or done by its staff."""
    E = ReviewEvent
    owned = [
        ("solution", sa.select(Solution.id).where(Solution.lead_municipality_ags == ags)),
        (
            "report",
            sa.select(ExperienceReport.id).where(ExperienceReport.municipality_ags == ags),
        ),
        ("need", sa.select(Need.id).where(Need.municipality_ags == ags)),
        ("reuse", sa.select(Reuse.id).where(Reuse.municipality_ags == ags)),
        (
            "contact_request",
            sa.select(ContactRequest.id).where(ContactRequest.requester_municipality_ags == ags),
        ),
        ("user", sa.select(User.id).where(User.municipality_ags == ags)),
    ]
    clauses = [sa.and_(E.entity_type == kind, E.entity_id.in_(ids)) for kind, ids in owned]
    if ags.isdigit():
        clauses.append(sa.and_(E.entity_type == "municipality", E.entity_id == int(ags)))
    clauses.append(E.actor_id.in_(sa.select(User.id).where(User.municipality_ags == ags)))
    return sa.or_(*clauses)


def _filtered(filters: EventFilters) -> sa.Select[tuple[ReviewEvent]]:
    statement = sa.select(ReviewEvent)
    if filters.entity_type:
        statement = statement.where(ReviewEvent.entity_type == filters.entity_type)
    if filters.actor_id:
        statement = statement.where(ReviewEvent.actor_id == filters.actor_id)
    if filters.municipality_ags:
        statement = statement.where(_entity_ids_of_municipality(filters.municipality_ags))
    if filters.action:
        statement = statement.where(ReviewEvent.to_state == filters.action)
    if filters.date_from:
        statement = statement.where(ReviewEvent.created_at >= day_start(filters.date_from))
    if filters.date_to:
        end = day_start(filters.date_to + timedelta(days=1))
        statement = statement.where(ReviewEvent.created_at < end)
    return statement


def list_events(
    *,
    actor: Actor,
    entity_type: str | None = None,
    filters: EventFilters | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[ReviewEvent]:
    """Review events, newest first."""
    require(can_view_audit_log(actor))
    filters = filters or EventFilters(entity_type=entity_type)
    statement = _filtered(filters)
    s = db.session
    total = s.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = list(
        s.scalars(
            statement.options(orm.selectinload(ReviewEvent.actor))
            .order_by(ReviewEvent.created_at.desc(), ReviewEvent.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items=items, page=page, per_page=per_page, total=total)


def all_events(*, actor: Actor, filters: EventFilters, limit: int = 50_000) -> list[ReviewEvent]:
    """Every matching event, newest first (CSV export)."""
    require(can_view_audit_log(actor))
    return list(
        db.session.scalars(
            _filtered(filters)
            .options(orm.selectinload(ReviewEvent.actor))
            .order_by(ReviewEvent.created_at.desc(), ReviewEvent.id.desc())
            .limit(limit)
        )
    )


def event_actors(*, actor: Actor) -> list[User]:
    """Everybody who appears as the actor of an event (filter choices)."""
    require(can_view_audit_log(actor))
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.id.in_(sa.select(ReviewEvent.actor_id).distinct()))
            .order_by(sa.func.lower(User.name), User.id)
        )
    )


def event_actions() -> list[tuple[str, str]]:
    """Step filter choices: every code in use, by its German label."""
    codes = db.session.scalars(sa.select(ReviewEvent.to_state).distinct())
    return sorted(((c, action_label(c)) for c in codes), key=lambda item: item[1].lower())


# Titles of the entries the events are about ----------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What an event is about, for display: a title and what the web layer needs for a link."""

    kind: str  # entity type
    title: str
    slug: str | None = None  # solutions (and the solution of a report or reuse)
    entity_id: int | None = None
    public: bool = False  # the linked solution page is public


def event_subjects(events: list[ReviewEvent]) -> dict[tuple[str, int], Subject]:
    """Titles for the events' entries, loaded with one query per entity type."""
    ids: dict[str, set[int]] = {}
    for e in events:
        ids.setdefault(e.entity_type, set()).add(e.entity_id)
    s = db.session
    out: dict[tuple[str, int], Subject] = {}
    public = (ContentState.PUBLISHED, ContentState.ARCHIVED)
    for solution in s.scalars(sa.select(Solution).where(Solution.id.in_(ids.get("solution", ())))):
        out["solution", solution.id] = Subject(
            "solution", solution.title, solution.slug, solution.id, solution.state in public
        )
    for report in s.scalars(
        sa.select(ExperienceReport)
        .where(ExperienceReport.id.in_(ids.get("report", ())))
        .options(orm.selectinload(ExperienceReport.solution))
    ):
        out["report", report.id] = Subject(
            "report", report.title, report.solution.slug, report.id, report.solution.state in public
        )
    for need in s.scalars(sa.select(Need).where(Need.id.in_(ids.get("need", ())))):
        out["need", need.id] = Subject("need", need.title, None, need.id)
    for reuse in s.scalars(
        sa.select(Reuse)
        .where(Reuse.id.in_(ids.get("reuse", ())))
        .options(orm.selectinload(Reuse.solution), orm.selectinload(Reuse.municipality))
    ):
        title = f"{reuse.municipality.display_name}: {reuse.solution.title}"
        out["reuse", reuse.id] = Subject(
            "reuse", title, reuse.solution.slug, reuse.id, reuse.solution.state in public
        )
    for contact in s.scalars(
        sa.select(ContactRequest)
        .where(ContactRequest.id.in_(ids.get("contact_request", ())))
        .options(orm.selectinload(ContactRequest.solution))
    ):
        title = f"Anfrage zu „{contact.solution.title}“"
        out["contact_request", contact.id] = Subject("contact_request", title, None, contact.id)
    for user in s.scalars(sa.select(User).where(User.id.in_(ids.get("user", ())))):
        out["user", user.id] = Subject("user", user.name or user.email, None, user.id)
    wanted = {f"{i:08d}" for i in ids.get("municipality", ())}
    for municipality in s.scalars(sa.select(Municipality).where(Municipality.ags.in_(wanted))):
        out["municipality", int(municipality.ags)] = Subject(
            "municipality", municipality.display_name, municipality.ags, int(municipality.ags), True
        )
    return out


def subject_text(event: ReviewEvent, subjects: dict[tuple[str, int], Subject]) -> str:
    subject = subjects.get((event.entity_type, event.entity_id))
    kind = ENTITY_TYPE_LABELS.get(event.entity_type, _readable(event.entity_type))
    if subject is None:
        return kind if event.entity_type == "thesaurus" else f"{kind} (gelöscht)"
    return f"{kind} „{subject.title}“"
