"""Curation: the review queue and the field-by-field comparison of a revision with the
published version."""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy import orm

from catalogue.categories import category_label
from catalogue.db import db
from catalogue.fields import REPORT_SPEC, SOLUTION_SPEC
from catalogue.fields.reports import HEAD as REPORT_HEAD
from catalogue.fields.solutions import CONTENT
from catalogue.models import ContentState, ExperienceReport, Solution
from catalogue.permissions import Actor, can_review, require


@dataclass
class QueueItem:
    entity_type: str
    entry: Any
    submitted_at: Any
    is_revision: bool


def review_queue(
    *, actor: Actor, entity_type: str | None = None, municipality_ags: str | None = None
) -> list[QueueItem]:
    """Submitted entries, oldest first."""
    require(can_review(actor))
    items: list[QueueItem] = []
    if entity_type in (None, "", "solution"):
        solutions = (
            sa.select(Solution)
            .where(Solution.state == ContentState.SUBMITTED)
            .options(orm.selectinload(Solution.lead_municipality))
        )
        if municipality_ags:
            solutions = solutions.where(Solution.lead_municipality_ags == municipality_ags)
        items += [
            QueueItem("solution", s, s.updated_at, s.revision_of_id is not None)
            for s in db.session.scalars(solutions)
        ]
    if entity_type in (None, "", "report"):
        reports = (
            sa.select(ExperienceReport)
            .where(ExperienceReport.state == ContentState.SUBMITTED)
            .options(
                orm.selectinload(ExperienceReport.municipality),
                orm.selectinload(ExperienceReport.solution),
            )
        )
        if municipality_ags:
            reports = reports.where(ExperienceReport.municipality_ags == municipality_ags)
        items += [
            QueueItem("report", r, r.updated_at, r.revision_of_id is not None)
            for r in db.session.scalars(reports)
        ]
    items.sort(key=lambda item: item.submitted_at)
    return items


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    diff: Markup


def word_diff(old: str, new: str) -> Markup:
    """Inline word diff with <del>/<ins>, HTML-escaped."""
    a, b = old.split(), new.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f'<del class="app-diff__del">{html.escape(" ".join(a[i1:i2]))}</del>')
        if j2 > j1:
            out.append(f'<ins class="app-diff__ins">{html.escape(" ".join(b[j1:j2]))}</ins>')
    return Markup(" ".join(out))


# Compared field by field for a revision, in the order of the form: the content, the category
# and the enums, then the other plain fields of the specification.
SOLUTION_FIELDS: tuple[tuple[str, str], ...] = (
    *((f.name, f.change_label) for f in SOLUTION_SPEC.in_section(CONTENT)),
    ("category", "Kategorie"),
    ("kind", "Art"),
    ("project_status", "Projektstand"),
    ("readiness", "Nachnutzbarkeit"),
    *((f.name, f.change_label) for f in SOLUTION_SPEC if f.section != CONTENT),
)
REPORT_FIELDS: tuple[tuple[str, str], ...] = (
    *((f.name, f.change_label) for f in REPORT_SPEC.in_section(REPORT_HEAD)),
    ("role", "Rolle"),
    *((f.name, f.change_label) for f in REPORT_SPEC if f.section != REPORT_HEAD),
)


def _display(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "category":
        return category_label(value)
    if hasattr(value, "label"):
        label: str = value.label
        return label
    return str(value)


def revision_changes(entry: Solution | ExperienceReport) -> list[FieldChange]:
    """What a revision changes compared with the published entry it revises."""
    if entry.revision_of_id is None:
        return []
    model = type(entry)
    original = db.session.get(model, entry.revision_of_id)
    spec = SOLUTION_FIELDS if isinstance(entry, Solution) else REPORT_FIELDS
    changes = []
    for name, label in spec:
        old, new = _display(name, getattr(original, name)), _display(name, getattr(entry, name))
        if old != new:
            changes.append(FieldChange(label, old, new, word_diff(old, new)))
    if isinstance(entry, Solution):
        for label, getter in (
            ("Federführende Kommune", lambda s: s.lead_municipality.display_name),
            ("Schlagworte", lambda s: ", ".join(t.name for t in s.tags)),
            ("Partnerkommunen", lambda s: ", ".join(m.name for m in s.partners)),
            ("Links", lambda s: "\n".join(f"{link.title} {link.url}" for link in s.links)),
            (
                "Ansprechpersonen",
                lambda s: "\n".join(f"{c.name} {c.role} {c.email} {c.phone}" for c in s.contacts),
            ),
        ):
            old, new = getter(original), getter(entry)
            if old != new:
                changes.append(FieldChange(label, old, new, word_diff(old, new)))
        if entry.attachments:
            names = ", ".join(a.filename for a in entry.attachments)
            changes.append(FieldChange("Neue Anhänge", "", names, word_diff("", names)))
    return changes


@dataclass
class DuplicateHint:
    """Published entries similar to the one under review (for reports: other published reports
    of the same municipality about the same solution)."""

    solutions: list[Any]
    reports: list[ExperienceReport]


def duplicate_hint(entry: Solution | ExperienceReport) -> DuplicateHint:
    from catalogue.services.needs import similar_solutions

    if isinstance(entry, Solution):
        own = entry.revision_of_id or entry.id
        return DuplicateHint(similar_solutions(entry.title, entry.summary, exclude_id=own), [])
    own = entry.revision_of_id or entry.id
    reports = db.session.scalars(
        sa.select(ExperienceReport).where(
            ExperienceReport.solution_id == entry.solution_id,
            ExperienceReport.municipality_ags == entry.municipality_ags,
            ExperienceReport.state == ContentState.PUBLISHED,
            ExperienceReport.revision_of_id.is_(None),
            ExperienceReport.id != own,
        )
    )
    return DuplicateHint([], list(reports))
