"""Solution drafts and revisions: input, validation, create, edit and start a revision.

WTForms checks the shape of the input; the meaning (allowed values, ownership, limits) is checked
here, so web, API and CLI get the same rules and the same German messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue import workflow
from catalogue.categories import CATEGORIES
from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound, ValidationFailed
from catalogue.fields import SOLUTION_SPEC
from catalogue.fields.inputs import SpecInput
from catalogue.fields.solutions import CONTENT
from catalogue.fields.spec import URL_RE
from catalogue.models import (
    ContactPerson,
    ContentState,
    ExperienceReport,
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

# Solution fields stored as entered (strings stripped): the plain fields of the specification
# and the category; the enums kind, project_status and readiness are converted separately.
# Shared by the form, the service and revision merging.
SOLUTION_PLAIN_FIELDS = ("category", *SOLUTION_SPEC.names)
SOLUTION_ENUM_FIELDS = ("kind", "project_status", "readiness")

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


class SolutionInput(SpecInput):
    """What a solution form, import or API call enters. The plain fields of ``SOLUTION_SPEC``
    are keyword arguments and attributes (kept in ``values``); the special ones are explicit."""

    spec = SOLUTION_SPEC

    def __init__(
        self,
        *,
        category: str = "",
        kind: str = "",
        project_status: str = "",
        readiness: str = "",
        tags: list[str] | None = None,
        partner_ags: list[str] | None = None,
        lead_municipality_ags: str | None = None,  # curators choose; contributors: their own
        links: list[LinkInput] | None = None,
        contacts: list[ContactInput] | None = None,
        **values: Any,
    ) -> None:
        super().__init__(**values)
        self.category = category
        self.kind = kind
        self.project_status = project_status
        self.readiness = readiness
        self.tags: list[str] = list(tags or [])
        self.partner_ags: list[str] = list(partner_ags or [])
        self.lead_municipality_ags = lead_municipality_ags
        self.links: list[LinkInput] = list(links or [])
        self.contacts: list[ContactInput] = list(contacts or [])

    @classmethod
    def from_solution(cls, s: Solution) -> SolutionInput:
        data = cls(
            category=s.category,
            kind=s.kind.value,
            project_status=s.project_status.value,
            readiness=s.readiness.value,
            tags=[t.name for t in s.tags],
            partner_ags=[m.ags for m in s.partners],
            lead_municipality_ags=s.lead_municipality_ags,
            links=[LinkInput(link.title, link.url) for link in s.links],
            contacts=[ContactInput(c.name, c.role, c.email, c.phone) for c in s.contacts],
        )
        data.values = {name: getattr(s, name) for name in SOLUTION_SPEC.names}
        return data


_Revisable = TypeVar("_Revisable", Solution, ExperienceReport)


def open_revision(s: orm.Session, original: _Revisable) -> _Revisable | None:
    """The revision of a published solution or report that is still being written or reviewed
    (there is at most one), or None."""
    model = type(original)
    found: _Revisable | None = s.scalar(
        sa.select(model).where(
            model.revision_of_id == original.id, model.state.in_(workflow.IN_PROGRESS)
        )
    )
    return found


def _enum_ok(enum_cls: type[Enum], value: str) -> bool:
    return value in {m.value for m in enum_cls}


def validate_solution(data: SolutionInput) -> dict[str, str]:
    problems = SOLUTION_SPEC.problems(data.values)
    # The content comes first in the error summary, as on the form.
    errors = {
        f.name: problems.pop(f.name)
        for f in SOLUTION_SPEC.in_section(CONTENT)
        if f.name in problems
    }
    if data.category not in CATEGORIES:
        errors["category"] = "Bitte wählen Sie eine Kategorie."
    if not _enum_ok(SolutionKind, data.kind):
        errors["kind"] = "Bitte wählen Sie die Art der Lösung."
    if not _enum_ok(ProjectStatus, data.project_status):
        errors["project_status"] = "Bitte wählen Sie den Projektstand."
    if not _enum_ok(Readiness, data.readiness):
        errors["readiness"] = "Bitte wählen Sie, wie nachnutzbar die Lösung ist."
    errors.update(problems)
    for link in data.links:
        if not URL_RE.match(link.url):
            errors["links"] = f"„{link.url}“ ist keine gültige Adresse (https://…)."
            break
    for contact in data.contacts:
        if contact.email and not EMAIL_RE.match(contact.email):
            errors["contacts"] = f"„{contact.email}“ ist keine gültige E-Mail-Adresse."
            break
        if not contact.email and not contact.phone:
            # the DigitalBüro reaches a municipality without accounts through these addresses
            errors["contacts"] = (
                f"Bitte geben Sie bei „{contact.name}“ eine E-Mail-Adresse oder Telefonnummer an."
            )
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
    solution.category = data.category.strip()
    for f in SOLUTION_SPEC:
        setattr(solution, f.name, f.clean(data.values[f.name]))
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
        existing = open_revision(s, original)
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
