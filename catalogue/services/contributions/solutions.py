"""Solution drafts and revisions: input, validation, create, edit and start a revision.

WTForms checks the shape of the input; the meaning (allowed values, ownership, limits) is checked
here, so web, API and CLI get the same rules and the same German messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from enum import Enum

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.categories import CATEGORIES
from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound, ValidationFailed
from catalogue.limits import figure_problem
from catalogue.models import (
    ContactPerson,
    ContentState,
    Municipality,
    ProjectStatus,
    Readiness,
    Solution,
    SolutionKind,
    SolutionLink,
    Tag,
)
from catalogue.permissions import (
    Actor,
    can_create_solution,
    can_edit_solution,
    can_revise_solution,
    can_view_solution,
    is_curator,
    own_municipality_ags,
    require,
)
from catalogue.services.audit import record_event
from catalogue.text import slugify

# Solution fields stored as entered (strings stripped); the enums kind, project_status and
# readiness are converted separately. Shared by the form, the service and revision merging.
SOLUTION_PLAIN_FIELDS = (
    "title",
    "summary",
    "problem",
    "description",
    "category",
    "lead_organisation",
    "partner_organisations",
    "ozg_references",
    "leika_keys",
    "technology",
    "products",
    "licence",
    "repository_url",
    "effort_person_days",
    "cost_eur",
    "cost_note",
    "funding",
    "duration_months",
    "review_by",
)
# Free-text fields of an experience report (title and role are handled separately).
SOLUTION_ENUM_FIELDS = ("kind", "project_status", "readiness")

URL_RE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class LinkInput:
    title: str
    url: str


@dataclass
class ContactInput:
    name: str
    role: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class SolutionInput:
    title: str = ""
    summary: str = ""
    problem: str = ""
    description: str = ""
    category: str = ""
    kind: str = ""
    project_status: str = ""
    readiness: str = ""
    tags: list[str] = field(default_factory=list)
    partner_ags: list[str] = field(default_factory=list)
    lead_municipality_ags: str | None = None  # curators choose; contributors: their own
    lead_organisation: str = ""
    partner_organisations: str = ""
    ozg_references: str = ""
    leika_keys: str = ""
    technology: str = ""
    products: str = ""
    licence: str = ""
    repository_url: str = ""
    effort_person_days: int | None = None
    cost_eur: int | None = None
    cost_note: str = ""
    funding: str = ""
    duration_months: int | None = None
    review_by: date | None = None
    links: list[LinkInput] = field(default_factory=list)
    contacts: list[ContactInput] = field(default_factory=list)

    @classmethod
    def from_solution(cls, s: Solution) -> SolutionInput:
        data = cls()
        for f in fields(cls):
            if hasattr(s, f.name) and f.name not in {"tags", "links", "contacts"}:
                value = getattr(s, f.name)
                setattr(data, f.name, value.value if hasattr(value, "value") else value)
        data.tags = [t.name for t in s.tags]
        data.partner_ags = [m.ags for m in s.partners]
        data.links = [LinkInput(link.title, link.url) for link in s.links]
        data.contacts = [ContactInput(c.name, c.role, c.email, c.phone) for c in s.contacts]
        return data


def _enum_ok(enum_cls: type[Enum], value: str) -> bool:
    return value in {m.value for m in enum_cls}


def validate_solution(data: SolutionInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "Bitte geben Sie einen Titel an."
    elif len(data.title) > 200:
        errors["title"] = "Der Titel darf höchstens 200 Zeichen lang sein."
    if not data.summary.strip():
        errors["summary"] = "Bitte fassen Sie die Lösung in ein bis zwei Sätzen zusammen."
    elif len(data.summary) > 600:
        errors["summary"] = "Die Kurzbeschreibung darf höchstens 600 Zeichen lang sein."
    if not data.description.strip():
        errors["description"] = "Bitte beschreiben Sie die Lösung."
    if data.category not in CATEGORIES:
        errors["category"] = "Bitte wählen Sie eine Kategorie."
    if not _enum_ok(SolutionKind, data.kind):
        errors["kind"] = "Bitte wählen Sie die Art der Lösung."
    if not _enum_ok(ProjectStatus, data.project_status):
        errors["project_status"] = "Bitte wählen Sie den Projektstand."
    if not _enum_ok(Readiness, data.readiness):
        errors["readiness"] = "Bitte wählen Sie, wie nachnutzbar die Lösung ist."
    if data.repository_url and not URL_RE.match(data.repository_url):
        errors["repository_url"] = "Bitte geben Sie eine Adresse an, die mit https:// beginnt."
    for name in ("effort_person_days", "cost_eur", "duration_months"):
        if problem := figure_problem(name, getattr(data, name)):
            errors[name] = problem
    for link in data.links:
        if not URL_RE.match(link.url):
            errors["links"] = f"„{link.url}“ ist keine gültige Adresse (https://…)."
            break
    for contact in data.contacts:
        if contact.email and not EMAIL_RE.match(contact.email):
            errors["contacts"] = f"„{contact.email}“ ist keine gültige E-Mail-Adresse."
            break
    if len(data.tags) > 15:
        errors["tags"] = "Bitte vergeben Sie höchstens 15 Schlagworte."
    return errors


def _tags(session: orm.Session, names: list[str]) -> list[Tag]:
    result: list[Tag] = []
    for raw in names:
        name = raw.strip()[:80]
        if not name:
            continue
        tag = session.scalar(sa.select(Tag).where(sa.func.lower(Tag.name) == name.lower()))
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
            session.flush()
        if tag not in result:
            result.append(tag)
    return result


def _municipalities(
    session: orm.Session, ags_list: list[str], errors: dict[str, str]
) -> list[Municipality]:
    found = list(session.scalars(sa.select(Municipality).where(Municipality.ags.in_(ags_list))))
    if len(found) != len(set(ags_list)):
        errors["partner_ags"] = "Mindestens eine Partnerkommune ist unbekannt."
    return found


def _unique_slug(session: orm.Session, title: str, suffix: str = "") -> str:
    base = slugify(title) + suffix
    slug, n = base, 2
    while session.scalar(sa.select(Solution.id).where(Solution.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _apply_solution_input(session: orm.Session, solution: Solution, data: SolutionInput) -> None:
    errors: dict[str, str] = {}
    solution.partners = [
        m
        for m in _municipalities(session, data.partner_ags, errors)
        if m.ags != solution.lead_municipality_ags
    ]
    if errors:
        raise ValidationFailed(errors)
    for name in SOLUTION_PLAIN_FIELDS:
        value = getattr(data, name)
        setattr(solution, name, value.strip() if isinstance(value, str) else value)
    solution.kind = SolutionKind(data.kind)
    solution.project_status = ProjectStatus(data.project_status)
    solution.readiness = Readiness(data.readiness)
    solution.tags = _tags(session, data.tags)
    solution.links = [
        SolutionLink(title=link.title.strip() or link.url, url=link.url.strip(), position=i)
        for i, link in enumerate(data.links)
    ]
    solution.contacts = [
        ContactPerson(
            name=c.name.strip(),
            role=c.role.strip(),
            email=c.email.strip(),
            phone=c.phone.strip(),
            position=i,
        )
        for i, c in enumerate(data.contacts)
    ]


def _lead_for(session: orm.Session, actor: Actor, requested: str | None) -> str:
    if is_curator(actor):
        ags = requested or ""
        m = session.get(Municipality, ags) if ags else None
        if m is None:
            raise ValidationFailed(
                {"lead_municipality_ags": "Bitte wählen Sie die federführende Kommune."}
            )
        return m.ags
    return own_municipality_ags(actor)


def create_solution(*, actor: Actor, data: SolutionInput) -> Solution:
    """Create a solution draft for the actor's municipality (curators: any); contributors and curators only."""
    require(can_create_solution(actor), "Nur Beitragende einer Kommune können Lösungen anlegen.")
    errors = validate_solution(data)
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        lead = _lead_for(s, actor, data.lead_municipality_ags)
        solution = Solution(
            slug=_unique_slug(s, data.title),
            state=ContentState.DRAFT,
            title=data.title.strip(),
            category=data.category,
            kind=SolutionKind(data.kind),
            project_status=ProjectStatus(data.project_status),
            readiness=Readiness(data.readiness),
            lead_municipality_ags=lead,
            created_by_id=actor.id,
        )
        s.add(solution)
        s.flush()
        _apply_solution_input(s, solution, data)
        record_event(
            s,
            actor=actor,
            entity_type="solution",
            entity_id=solution.id,
            from_state=None,
            to_state=ContentState.DRAFT.value,
            comment="Entwurf angelegt",
        )
    return solution


def get_solution_for_edit(*, actor: Actor, solution_id: int) -> Solution:
    solution = db.session.get(Solution, solution_id)
    if solution is None or not can_view_solution(actor, solution):
        raise NotFound("Diese Lösung gibt es nicht.")
    return solution


def update_solution(*, actor: Actor, solution_id: int, data: SolutionInput) -> Solution:
    """Change a draft (or an open revision) the actor may edit; curators may also move the lead."""
    errors = validate_solution(data)
    with unit_of_work() as s:
        solution = s.get(Solution, solution_id)
        if solution is None:
            raise NotFound("Diese Lösung gibt es nicht.")
        require(can_edit_solution(actor, solution), "Diese Lösung können Sie nicht bearbeiten.")
        if errors:
            raise ValidationFailed(errors)
        if is_curator(actor) and data.lead_municipality_ags and solution.revision_of_id is None:
            solution.lead_municipality_ags = _lead_for(s, actor, data.lead_municipality_ags)
        _apply_solution_input(s, solution, data)
        solution.version += 1
    return solution


def start_revision(*, actor: Actor, solution_id: int) -> Solution:
    """Open (or return the already open) revision of a published solution."""
    with unit_of_work() as s:
        original = s.get(Solution, solution_id)
        if original is None:
            raise NotFound("Diese Lösung gibt es nicht.")
        require(can_revise_solution(actor, original), "Diese Lösung können Sie nicht überarbeiten.")
        existing = s.scalar(
            sa.select(Solution).where(
                Solution.revision_of_id == original.id,
                Solution.state.in_(
                    [ContentState.DRAFT, ContentState.SUBMITTED, ContentState.CHANGES_REQUESTED]
                ),
            )
        )
        if existing is not None:
            return existing
        revision = Solution(
            slug=_unique_slug(s, original.title, suffix="-ueberarbeitung"),
            state=ContentState.DRAFT,
            revision_of_id=original.id,
            title=original.title,
            category=original.category,
            kind=original.kind,
            project_status=original.project_status,
            readiness=original.readiness,
            lead_municipality_ags=original.lead_municipality_ags,
            created_by_id=actor.id,
            is_demo=original.is_demo,
        )
        s.add(revision)
        s.flush()
        _apply_solution_input(s, revision, SolutionInput.from_solution(original))
        record_event(
            s,
            actor=actor,
            entity_type="solution",
            entity_id=revision.id,
            from_state=None,
            to_state=ContentState.DRAFT.value,
            comment=f"Überarbeitung von #{original.id} begonnen",
        )
    return revision
