"""Experience reports: input, validation, create, edit and start a revision."""

from __future__ import annotations

from typing import Any

from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound, ValidationFailed
from catalogue.fields import REPORT_SPEC
from catalogue.fields.inputs import SpecInput
from catalogue.models import (
    ContentState,
    ExperienceReport,
    ReportRole,
    Solution,
)
from catalogue.permissions import (
    Actor,
    can_edit_report,
    can_revise_report,
    can_write_report,
    require,
)
from catalogue.services.audit import record_event
from catalogue.services.contributions.solutions import _enum_ok, open_revision

# The plain fields of the specification, stored as entered (strings stripped).
REPORT_TEXT_FIELDS = REPORT_SPEC.names
# Everything an experience report's form, revision and merge carry over.
REPORT_CONTENT_FIELDS = ("role", *REPORT_TEXT_FIELDS)


class ReportInput(SpecInput):
    """What a report form enters: the role and the plain fields of ``REPORT_SPEC``."""

    spec = REPORT_SPEC

    def __init__(self, *, role: str = "", **values: Any) -> None:
        super().__init__(**values)
        self.role = role

    @classmethod
    def from_report(cls, report: ExperienceReport) -> ReportInput:
        return cls(role=report.role.value, **{n: getattr(report, n) for n in REPORT_SPEC.names})


def validate_report(data: ReportInput) -> dict[str, str]:
    problems = REPORT_SPEC.problems(data.values)
    errors = {"title": problems.pop("title")} if "title" in problems else {}
    if not _enum_ok(ReportRole, data.role):
        errors["role"] = "Bitte wählen Sie, ob Sie die Lösung entwickelt haben oder nachnutzen."
    if not (data.what_worked.strip() or data.what_did_not.strip() or data.advice.strip()):
        errors["what_worked"] = (
            "Bitte beschreiben Sie mindestens, was gut funktioniert hat, was nicht, oder Ihren Rat an andere."
        )
    for name, problem in problems.items():
        errors.setdefault(name, problem)
    return errors


def create_report(*, actor: Actor, solution_id: int, data: ReportInput) -> ExperienceReport:
    """Write an experience report draft about a solution; contributors and curators only."""
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
    report.role = ReportRole(data.role)
    for f in REPORT_SPEC:
        setattr(report, f.name, f.clean(data.values[f.name]))


def get_report_for_edit(*, actor: Actor, report_id: int) -> ExperienceReport:
    from catalogue.permissions import can_view_report

    report = db.session.get(ExperienceReport, report_id)
    if report is None or not can_view_report(actor, report):
        raise NotFound("Diesen Erfahrungsbericht gibt es nicht.")
    return report


def update_report(*, actor: Actor, report_id: int, data: ReportInput) -> ExperienceReport:
    """Change a report draft (or an open revision) the actor may edit."""
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


def start_report_revision(*, actor: Actor, report_id: int) -> ExperienceReport:
    """Open (or return the open) revision of a published report the actor may revise."""
    with unit_of_work() as s:
        original = s.get(ExperienceReport, report_id)
        if original is None:
            raise NotFound("Diesen Erfahrungsbericht gibt es nicht.")
        require(can_revise_report(actor, original), "Diesen Bericht können Sie nicht überarbeiten.")
        existing = open_revision(s, original)
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
