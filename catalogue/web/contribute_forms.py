"""WTForms for writing solutions and experience reports, and for curator decisions.

Lists (tags, links, contact persons) are entered as text lines so the forms work without
JavaScript; ``to_input`` turns the form into the service's input dataclass.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from catalogue.categories import CATEGORIES
from catalogue.fields import REPORT_SPEC, SOLUTION_SPEC, Field, Kind
from catalogue.fields.reports import HEAD as REPORT_HEAD
from catalogue.fields.solutions import CLASSIFICATION
from catalogue.models import ProjectStatus, Readiness, ReportRole, SolutionKind
from catalogue.services.contributions import (
    REPORT_CONTENT_FIELDS,
    SOLUTION_ENUM_FIELDS,
    SOLUTION_PLAIN_FIELDS,
    ContactInput,
    LinkInput,
    ReportInput,
    SolutionInput,
)
from catalogue.web.choices import options
from catalogue.web.forms import FigureField

CHOOSE = [("", "Bitte wählen")]


def spec_field(f: Field) -> Any:
    """The WTForms field of a plain field of the specification (label, length, range)."""
    validators: list[Any] = [InputRequired(f.required) if f.required else Optional()]
    if f.max_length is not None:
        validators.append(Length(max=f.max_length, message=f"Höchstens {f.max_length} Zeichen."))
    if f.is_number:
        return FigureField(f.label, f.name, validators=[Optional()])
    if f.is_date:
        return DateField(f.label, validators=[Optional()])
    if f.kind in (Kind.LINE, Kind.URL):
        return StringField(f.label, validators=validators)
    return TextAreaField(f.label, validators=validators)


def _special_fields(section: str) -> dict[str, Any]:
    """The explicit fields shown at the start of a form section (created in page order)."""
    if section != CLASSIFICATION:
        return {}
    return {
        "category": SelectField(
            "Kategorie",
            choices=options(CHOOSE + list(CATEGORIES.items())),
            validators=[InputRequired("Bitte wählen Sie eine Kategorie.")],
        ),
        "kind": SelectField(
            "Art der Lösung",
            choices=options(CHOOSE + SolutionKind.choices()),
            validators=[InputRequired("Bitte wählen Sie die Art der Lösung.")],
        ),
        "project_status": SelectField(
            "Projektstand",
            choices=options(CHOOSE + ProjectStatus.choices()),
            validators=[InputRequired("Bitte wählen Sie den Projektstand.")],
        ),
        "readiness": SelectField(
            "Nachnutzbarkeit",
            choices=options(CHOOSE + Readiness.choices()),
            validators=[InputRequired("Bitte wählen Sie, wie nachnutzbar die Lösung ist.")],
        ),
        "tags": StringField("Schlagworte", validators=[Optional(), Length(max=500)]),
        "lead_municipality_ags": SelectField(
            "Federführende Kommune", choices=[], validate_choice=False
        ),
        "partner_ags": SelectMultipleField("Partnerkommunen", choices=[], validate_choice=False),
    }


OWN_GROUP = "Kreise und kreisfreie Städte"


def partner_groups(municipalities) -> list[tuple[str, list[tuple[str, str]]]]:
    """The partner choices as checkbox groups, one per Kreis (76 options in one list need Ctrl on
    a desktop and are hard on a phone); Kreise and kreisfreie Städte form a group of their own."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for m in sorted(municipalities, key=lambda m: m.display_name):
        group = m.kreis.display_name if m.kreis is not None else OWN_GROUP
        groups.setdefault(group, []).append((m.ags, m.display_name))
    own = groups.pop(OWN_GROUP, [])
    return sorted(groups.items()) + ([(OWN_GROUP, own)] if own else [])


class SolutionForm(FlaskForm):
    """The solution form; its fields are made from ``SOLUTION_SPEC`` below."""

    spec = SOLUTION_SPEC
    special_section = CLASSIFICATION  # where the template puts the explicit fields

    def fill_choices(self, municipalities) -> None:
        self.lead_municipality_ags.choices = options(
            CHOOSE + [(m.ags, m.display_name) for m in municipalities]
        )
        self.partner_ags.choices = options([(m.ags, m.display_name) for m in municipalities])
        self.partner_groups = partner_groups(municipalities)

    def load(self, data: SolutionInput) -> None:
        for name in (*SOLUTION_PLAIN_FIELDS, *SOLUTION_ENUM_FIELDS, "lead_municipality_ags"):
            getattr(self, name).data = getattr(data, name)
        self.partner_ags.data = list(data.partner_ags)
        self.tags.data = ", ".join(data.tags)
        self.links.data = "\n".join(f"{link.title} | {link.url}" for link in data.links)
        self.contacts.data = "\n".join(
            " | ".join(part for part in (c.name, c.role, c.email, c.phone)) for c in data.contacts
        )

    def to_input(self) -> SolutionInput:
        links = []
        for line in (self.links.data or "").splitlines():
            if not line.strip():
                continue
            title, _, url = line.rpartition("|") if "|" in line else ("", "", line)
            links.append(LinkInput(title=title.strip(), url=url.strip()))
        contacts = []
        for line in (self.contacts.data or "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if parts and parts[0]:
                parts += [""] * (4 - len(parts))
                contacts.append(ContactInput(*parts[:4]))
        values = {f.name: self[f.name].data for f in SOLUTION_SPEC}
        return SolutionInput(
            **{k: ("" if v is None and SOLUTION_SPEC[k].is_text else v) for k, v in values.items()},
            category=self.category.data or "",
            kind=self.kind.data or "",
            project_status=self.project_status.data or "",
            readiness=self.readiness.data or "",
            tags=[t.strip() for t in (self.tags.data or "").split(",") if t.strip()],
            partner_ags=list(self.partner_ags.data or []),
            lead_municipality_ags=self.lead_municipality_ags.data or None,
            links=links,
            contacts=contacts,
        )


def _solution_form_fields() -> dict[str, Any]:
    # WTForms orders fields by creation, so they are created section by section as on the page.
    fields: dict[str, Any] = {}
    for section in SOLUTION_SPEC.sections():
        fields.update(_special_fields(section))
        fields.update({f.name: spec_field(f) for f in SOLUTION_SPEC.in_section(section)})
    fields["links"] = TextAreaField("Links", validators=[Optional(), Length(max=5000)])
    fields["contacts"] = TextAreaField(
        "Ansprechpersonen", validators=[Optional(), Length(max=5000)]
    )
    fields["attachment"] = FileField("Anhang hinzufügen")
    return fields


for _name, _unbound in _solution_form_fields().items():
    setattr(SolutionForm, _name, _unbound)


class ReportForm(FlaskForm):
    """The experience report form; its fields are made from ``REPORT_SPEC`` below."""

    spec = REPORT_SPEC

    def load(self, data: ReportInput) -> None:
        for name in REPORT_CONTENT_FIELDS:
            getattr(self, name).data = getattr(data, name)

    def to_input(self) -> ReportInput:
        return ReportInput(
            role=self.role.data or "",
            **{f.name: self[f.name].data or f.empty_value() for f in REPORT_SPEC},
        )


def _report_form_fields() -> dict[str, Any]:
    fields = {f.name: spec_field(f) for f in REPORT_SPEC.in_section(REPORT_HEAD)}
    fields["role"] = SelectField(
        "Ihre Rolle",
        choices=options(
            CHOOSE
            + [
                (ReportRole.ORIGINATOR.value, "Wir haben die Lösung entwickelt oder eingeführt"),
                (ReportRole.REUSER.value, "Wir nutzen die Lösung nach"),
            ]
        ),
        validators=[InputRequired("Bitte wählen Sie Ihre Rolle.")],
    )
    fields.update({f.name: spec_field(f) for f in REPORT_SPEC if f.section != REPORT_HEAD})
    return fields


for _name, _unbound in _report_form_fields().items():
    setattr(ReportForm, _name, _unbound)


class DecisionForm(FlaskForm):
    comment = TextAreaField(
        "Kommentar für die Autorin oder den Autor", validators=[Optional(), Length(max=5000)]
    )


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    typ = SelectField(
        "Art des Eintrags",
        choices=options([("", "alle"), ("solution", "Lösungen"), ("report", "Erfahrungsberichte")]),
        default="",
    )
    kommune = SelectField("Kommune", choices=[], default="", validate_choice=False)
