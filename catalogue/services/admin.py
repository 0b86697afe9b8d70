"""The Verwaltung area: account lists and municipality master data.

Owns reads for the admin pages and the municipality edits. Account changes (invite, role,
deactivation) live in ``services.accounts``; the mail log in ``services.mail``; the audit log in
``services.audit``. Must not read ``flask.request``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound, ValidationFailed
from catalogue.models import (
    ContentState,
    ExperienceReport,
    Municipality,
    OutgoingMail,
    ReviewEvent,
    Role,
    Solution,
    User,
)
from catalogue.permissions import (
    Actor,
    can_access_admin,
    can_invite_user,
    can_manage_municipalities,
    can_manage_users,
    can_view_users,
    require,
)
from catalogue.services.accounts import DELETED_EMAIL_DOMAIN
from catalogue.services.audit import record_event
from catalogue.services.outbox import enqueue
from catalogue.services.pagination import Page
from search_index.documents import report_doc_id, solution_doc_id

MAX_POPULATION = 100_000_000


@dataclass(frozen=True)
class Overview:
    users: int
    active_users: int
    pending_invitations: int
    events: int
    mails: int | None  # only for admins


def admin_overview(*, actor: Actor) -> Overview:
    require(can_access_admin(actor))
    s = db.session

    def count(statement: sa.Select[tuple[int]]) -> int:
        return s.scalar(statement) or 0

    live = ~User.email.endswith("@" + DELETED_EMAIL_DOMAIN)
    return Overview(
        users=count(sa.select(sa.func.count(User.id)).where(live)),
        active_users=count(
            sa.select(sa.func.count(User.id)).where(
                live, User.is_active, User.password_hash.is_not(None)
            )
        ),
        pending_invitations=count(
            sa.select(sa.func.count(User.id)).where(
                live, User.is_active, User.password_hash.is_(None)
            )
        ),
        events=count(sa.select(sa.func.count(ReviewEvent.id))),
        mails=count(sa.select(sa.func.count(OutgoingMail.id))) if can_manage_users(actor) else None,
    )


# Accounts -----------------------------------------------------------------------------------


def invitable_roles(actor: Actor) -> list[Role]:
    return [role for role in Role if can_invite_user(actor, role)]


def municipality_options() -> list[Municipality]:
    """Every municipality including Kreise, for assignment selects (public master data)."""
    return list(db.session.scalars(sa.select(Municipality).order_by(Municipality.name)))


@dataclass(frozen=True)
class InvitationOptions:
    roles: list[Role]
    municipalities: list[Municipality]


def invitation_options(*, actor: Actor) -> InvitationOptions:
    """What ``actor`` may choose on the invitation form."""
    require(can_access_admin(actor))
    return InvitationOptions(roles=invitable_roles(actor), municipalities=municipality_options())


def list_users(
    *,
    actor: Actor,
    role: Role | None = None,
    municipality_ags: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[User]:
    require(can_view_users(actor))
    statement = sa.select(User)
    if role is not None:
        statement = statement.where(User.role == role)
    if municipality_ags:
        statement = statement.where(User.municipality_ags == municipality_ags)
    s = db.session
    total = s.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = list(
        s.scalars(
            statement.options(orm.selectinload(User.municipality))
            .order_by(User.is_active.desc(), sa.func.lower(User.name), User.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items=items, page=page, per_page=per_page, total=total)


@dataclass(frozen=True)
class UserDetail:
    user: User
    events: list[ReviewEvent]


def get_user(*, actor: Actor, user_id: int) -> UserDetail:
    require(can_view_users(actor))
    s = db.session
    user = s.get(User, user_id)
    if user is None:
        raise NotFound("Dieses Konto gibt es nicht.")
    events = list(
        s.scalars(
            sa.select(ReviewEvent)
            .where(ReviewEvent.entity_type == "user", ReviewEvent.entity_id == user.id)
            .options(orm.selectinload(ReviewEvent.actor))
            .order_by(ReviewEvent.created_at.desc(), ReviewEvent.id.desc())
        )
    )
    return UserDetail(user=user, events=events)


# Municipalities -----------------------------------------------------------------------------


def list_municipalities(*, actor: Actor) -> list[Municipality]:
    require(can_manage_municipalities(actor))
    return list(
        db.session.scalars(
            sa.select(Municipality)
            .options(orm.selectinload(Municipality.kreis))
            .order_by(Municipality.name, Municipality.ags)
        )
    )


def get_municipality(*, actor: Actor, ags: str) -> Municipality:
    require(can_manage_municipalities(actor))
    municipality = db.session.get(Municipality, ags)
    if municipality is None:
        raise NotFound("Diese Kommune gibt es nicht.")
    return municipality


def update_municipality(
    *, actor: Actor, ags: str, name: str, population: int | None, type_label: str
) -> Municipality:
    """Edit master data. The AGS is the key and never changes."""
    require(can_manage_municipalities(actor))
    s = db.session
    municipality = s.get(Municipality, ags)
    if municipality is None:
        raise NotFound("Diese Kommune gibt es nicht.")
    name = (name or "").strip()
    type_label = (type_label or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Bitte geben Sie den Namen der Kommune an."
    elif len(name) > 120:
        errors["name"] = "Der Name darf höchstens 120 Zeichen lang sein."
    if population is not None and not 0 <= population <= MAX_POPULATION:
        errors["population"] = "Bitte geben Sie eine Einwohnerzahl zwischen 0 und 100 Millionen an."
    if len(type_label) > 120:
        errors["type_label"] = "Die Bezeichnung darf höchstens 120 Zeichen lang sein."
    if errors:
        raise ValidationFailed(errors)
    changes = [
        (label, old, new)
        for label, old, new in (
            ("Name", municipality.name, name),
            ("Einwohnerzahl", municipality.population, population),
            ("Typ", municipality.type_label, type_label),
        )
        if old != new
    ]
    if not changes:
        return municipality
    with unit_of_work() as s:
        municipality.name = name
        municipality.population = population
        municipality.type_label = type_label
        # Index documents carry the municipality's name and population: re-index its entries.
        solution_ids = s.scalars(
            sa.select(Solution.id).where(
                Solution.lead_municipality_ags == ags, Solution.state == ContentState.PUBLISHED
            )
        )
        for solution_id in solution_ids:
            enqueue(s, solution_doc_id(solution_id))
        report_ids = s.scalars(
            sa.select(ExperienceReport.id).where(
                ExperienceReport.municipality_ags == ags,
                ExperienceReport.state == ContentState.PUBLISHED,
            )
        )
        for report_id in report_ids:
            enqueue(s, report_doc_id(report_id))
        record_event(
            s,
            actor=actor,
            entity_type="municipality",
            entity_id=int(ags),
            from_state=None,
            to_state="updated",
            comment="; ".join(
                f"{label}: {_show(old)} → {_show(new)}" for label, old, new in changes
            ),
        )
    return municipality


def _show(value: Any) -> str:
    return "–" if value in (None, "") else str(value)
