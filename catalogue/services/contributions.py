"""Writing content: solution drafts and revisions, experience reports, attachments, and the
contributor's overview ("Meine Beiträge").

WTForms checks the shape of the input; the meaning (allowed values, ownership, limits) is checked
here, so web, API and CLI get the same rules and the same German messages.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app

from catalogue.categories import CATEGORIES
from catalogue.db import db, unit_of_work, utcnow
from catalogue.errors import NotFound, ValidationFailed
from catalogue.limits import figure_problem
from catalogue.models import (
    Attachment,
    ContactPerson,
    ContentState,
    ExperienceReport,
    Municipality,
    ProjectStatus,
    Readiness,
    ReportRole,
    ReviewEvent,
    Solution,
    SolutionKind,
    SolutionLink,
    Tag,
)
from catalogue.permissions import (
    can_create_solution,
    can_edit_report,
    can_edit_solution,
    can_revise_report,
    can_revise_solution,
    can_view_own_contributions,
    can_view_solution,
    can_write_report,
    is_curator,
    require,
)
from catalogue.services import upload_checks
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
REPORT_TEXT_FIELDS = ("what_worked", "what_did_not", "effort", "cost", "duration", "advice")
# Everything an experience report's form, revision and merge carry over.
REPORT_CONTENT_FIELDS = ("title", "role", *REPORT_TEXT_FIELDS)
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


@dataclass
class ReportInput:
    title: str = ""
    role: str = ""
    what_worked: str = ""
    what_did_not: str = ""
    effort: str = ""
    cost: str = ""
    duration: str = ""
    advice: str = ""


def _enum_ok(enum_cls, value: str) -> bool:
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


def validate_report(data: ReportInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "Bitte geben Sie einen Titel an."
    elif len(data.title) > 200:
        errors["title"] = "Der Titel darf höchstens 200 Zeichen lang sein."
    if not _enum_ok(ReportRole, data.role):
        errors["role"] = "Bitte wählen Sie, ob Sie die Lösung entwickelt haben oder nachnutzen."
    if not (data.what_worked.strip() or data.what_did_not.strip() or data.advice.strip()):
        errors["what_worked"] = (
            "Bitte beschreiben Sie mindestens, was gut funktioniert hat, was nicht, oder Ihren Rat an andere."
        )
    for name in ("effort", "cost", "duration"):
        if len(getattr(data, name)) > 200:
            errors[name] = "Bitte höchstens 200 Zeichen."
    return errors


def _tags(session, names: list[str]) -> list[Tag]:
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


def _municipalities(session, ags_list: list[str], errors: dict[str, str]) -> list[Municipality]:
    found = list(session.scalars(sa.select(Municipality).where(Municipality.ags.in_(ags_list))))
    if len(found) != len(set(ags_list)):
        errors["partner_ags"] = "Mindestens eine Partnerkommune ist unbekannt."
    return found


def _unique_slug(session, title: str, suffix: str = "") -> str:
    base = slugify(title) + suffix
    slug, n = base, 2
    while session.scalar(sa.select(Solution.id).where(Solution.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _apply_solution_input(session, solution: Solution, data: SolutionInput) -> None:
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


def _lead_for(session, actor: Any, requested: str | None) -> str:
    if is_curator(actor):
        ags = requested or ""
        m = session.get(Municipality, ags) if ags else None
        if m is None:
            raise ValidationFailed(
                {"lead_municipality_ags": "Bitte wählen Sie die federführende Kommune."}
            )
        return m.ags
    return actor.municipality_ags


def create_solution(*, actor: Any, data: SolutionInput) -> Solution:
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


def get_solution_for_edit(*, actor: Any, solution_id: int) -> Solution:
    solution = db.session.get(Solution, solution_id)
    if solution is None or not can_view_solution(actor, solution):
        raise NotFound("Diese Lösung gibt es nicht.")
    return solution


def update_solution(*, actor: Any, solution_id: int, data: SolutionInput) -> Solution:
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


def start_revision(*, actor: Any, solution_id: int) -> Solution:
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


# Attachments ---------------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# extension -> (content type, accepted leading bytes)
ALLOWED_ATTACHMENTS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "odp": ("application/vnd.oasis.opendocument.presentation", (b"PK\x03\x04",)),
}


def add_attachment(*, actor: Any, solution_id: int, filename: str, stream: IO[bytes]) -> Attachment:
    filename = upload_checks.safe_filename(filename)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    allowed = ALLOWED_ATTACHMENTS.get(extension)
    if allowed is None:
        raise ValidationFailed(
            {
                "attachment": "Dieser Dateityp ist nicht erlaubt. Erlaubt sind PDF, PNG, JPEG und Office-Dokumente (docx, xlsx, pptx, odt, ods, odp)."
            }
        )
    content = stream.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed({"attachment": "Die Datei ist größer als 10 MB."})
    if not content:
        raise ValidationFailed({"attachment": "Die Datei ist leer."})
    content_type, signatures = allowed
    if not any(content.startswith(sig) for sig in signatures):
        raise ValidationFailed({"attachment": "Der Inhalt der Datei passt nicht zu ihrer Endung."})
    if problem := upload_checks.office_problem(extension, content):
        raise ValidationFailed({"attachment": problem})
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    with unit_of_work() as s:
        solution = s.get(Solution, solution_id)
        if solution is None:
            raise NotFound("Diese Lösung gibt es nicht.")
        require(
            can_edit_solution(actor, solution), "Anhänge können nur an Entwürfen geändert werden."
        )
        attachment = Attachment(
            solution_id=solution.id,
            filename=filename,
            stored_name=stored_name,
            content_type=content_type,
            size=len(content),
            uploaded_by_id=actor.id,
        )
        s.add(attachment)
        (upload_dir / stored_name).write_bytes(content)
    return attachment


def remove_attachment(*, actor: Any, attachment_id: int) -> None:
    with unit_of_work() as s:
        attachment = s.get(Attachment, attachment_id)
        if attachment is None:
            raise NotFound("Diesen Anhang gibt es nicht.")
        solution = s.get(Solution, attachment.solution_id)
        require(
            can_edit_solution(actor, solution), "Anhänge können nur an Entwürfen geändert werden."
        )
        s.delete(attachment)
    path = Path(current_app.config["UPLOAD_DIR"]) / attachment.stored_name
    path.unlink(missing_ok=True)


def get_attachment(*, actor: Any, attachment_id: int) -> tuple[Attachment, Path]:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("Diesen Anhang gibt es nicht.")
    solution = db.session.get(Solution, attachment.solution_id)
    if not can_view_solution(actor, solution):
        raise NotFound("Diesen Anhang gibt es nicht.")
    path = Path(current_app.config["UPLOAD_DIR"]) / attachment.stored_name
    if not path.is_file():
        raise NotFound("Die Datei ist nicht mehr vorhanden.")
    return attachment, path


# Experience reports --------------------------------------------------------------------------


def create_report(*, actor: Any, solution_id: int, data: ReportInput) -> ExperienceReport:
    errors = validate_report(data)
    with unit_of_work() as s:
        solution = s.get(Solution, solution_id)
        if solution is None:
            raise NotFound("Diese Lösung gibt es nicht.")
        require(
            can_write_report(actor, solution),
            "Zu dieser Lösung können Sie keinen Bericht schreiben.",
        )
        if errors:
            raise ValidationFailed(errors)
        municipality_ags = actor.municipality_ags or solution.lead_municipality_ags
        report = ExperienceReport(
            solution_id=solution.id,
            municipality_ags=municipality_ags,
            role=ReportRole(data.role),
            state=ContentState.DRAFT,
            title=data.title.strip(),
            author_id=actor.id,
        )
        _apply_report_input(report, data)
        s.add(report)
        s.flush()
        record_event(
            s,
            actor=actor,
            entity_type="report",
            entity_id=report.id,
            from_state=None,
            to_state=ContentState.DRAFT.value,
            comment="Entwurf angelegt",
        )
    return report


def _apply_report_input(report: ExperienceReport, data: ReportInput) -> None:
    report.title = data.title.strip()
    report.role = ReportRole(data.role)
    for name in REPORT_TEXT_FIELDS:
        setattr(report, name, getattr(data, name).strip())


def get_report_for_edit(*, actor: Any, report_id: int) -> ExperienceReport:
    from catalogue.permissions import can_view_report

    report = db.session.get(ExperienceReport, report_id)
    if report is None or not can_view_report(actor, report):
        raise NotFound("Diesen Erfahrungsbericht gibt es nicht.")
    return report


def update_report(*, actor: Any, report_id: int, data: ReportInput) -> ExperienceReport:
    errors = validate_report(data)
    with unit_of_work() as s:
        report = s.get(ExperienceReport, report_id)
        if report is None:
            raise NotFound("Diesen Erfahrungsbericht gibt es nicht.")
        require(can_edit_report(actor, report), "Diesen Bericht können Sie nicht bearbeiten.")
        if errors:
            raise ValidationFailed(errors)
        _apply_report_input(report, data)
        report.version += 1
    return report


def start_report_revision(*, actor: Any, report_id: int) -> ExperienceReport:
    with unit_of_work() as s:
        original = s.get(ExperienceReport, report_id)
        if original is None:
            raise NotFound("Diesen Erfahrungsbericht gibt es nicht.")
        require(can_revise_report(actor, original), "Diesen Bericht können Sie nicht überarbeiten.")
        existing = s.scalar(
            sa.select(ExperienceReport).where(
                ExperienceReport.revision_of_id == original.id,
                ExperienceReport.state.in_(
                    [ContentState.DRAFT, ContentState.SUBMITTED, ContentState.CHANGES_REQUESTED]
                ),
            )
        )
        if existing is not None:
            return existing
        revision = ExperienceReport(
            solution_id=original.solution_id,
            municipality_ags=original.municipality_ags,
            role=original.role,
            state=ContentState.DRAFT,
            revision_of_id=original.id,
            title=original.title,
            author_id=actor.id,
            is_demo=original.is_demo,
        )
        for name in REPORT_TEXT_FIELDS:
            setattr(revision, name, getattr(original, name))
        s.add(revision)
        s.flush()
        record_event(
            s,
            actor=actor,
            entity_type="report",
            entity_id=revision.id,
            from_state=None,
            to_state=ContentState.DRAFT.value,
            comment=f"Überarbeitung von #{original.id} begonnen",
        )
    return revision


# Overview ------------------------------------------------------------------------------------


@dataclass
class ContributionRow:
    entity_type: str
    entry: Any
    last_comment: str
    last_event_at: Any


def my_contributions(*, actor: Any) -> list[ContributionRow]:
    """Entries of the actor's municipality (curators: their own drafts) with the latest
    curator comment, newest activity first."""
    require(can_view_own_contributions(actor))
    if is_curator(actor) and actor.municipality_ags is None:
        solutions = list(
            db.session.scalars(sa.select(Solution).where(Solution.created_by_id == actor.id))
        )
        reports = list(
            db.session.scalars(
                sa.select(ExperienceReport).where(ExperienceReport.author_id == actor.id)
            )
        )
    else:
        solutions = list(
            db.session.scalars(
                sa.select(Solution).where(Solution.lead_municipality_ags == actor.municipality_ags)
            )
        )
        reports = list(
            db.session.scalars(
                sa.select(ExperienceReport).where(
                    ExperienceReport.municipality_ags == actor.municipality_ags
                )
            )
        )
    rows: list[ContributionRow] = []
    for entity_type, entries in (("solution", solutions), ("report", reports)):
        if not entries:
            continue
        events = db.session.scalars(
            sa.select(ReviewEvent)
            .where(
                ReviewEvent.entity_type == entity_type,
                ReviewEvent.entity_id.in_([e.id for e in entries]),
            )
            .order_by(ReviewEvent.created_at, ReviewEvent.id)
        )
        latest: dict[int, ReviewEvent] = {}
        commented: dict[int, str] = {}
        for event in events:
            latest[event.entity_id] = event
            if (
                event.comment
                and event.to_state in {"changes_requested", "rejected", "published"}
                and event.actor_id
            ):
                commented[event.entity_id] = event.comment
        for entry in entries:
            if entry.state == ContentState.ARCHIVED and entry.revision_of_id is not None:
                continue  # merged revisions
            event = latest.get(entry.id)
            rows.append(
                ContributionRow(
                    entity_type,
                    entry,
                    commented.get(entry.id, ""),
                    event.created_at if event else entry.created_at,
                )
            )
    rows.sort(key=lambda r: r.last_event_at or utcnow(), reverse=True)
    return rows
