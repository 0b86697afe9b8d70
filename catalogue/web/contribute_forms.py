"""WTForms for writing solutions and experience reports, and for curator decisions.

Lists (tags, links, contact persons) are entered as text lines so the forms work without
JavaScript; ``to_input`` turns the form into the service's input dataclass.
"""

from __future__ import annotations

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


class SolutionForm(FlaskForm):
    title = StringField(
        "Titel",
        validators=[
            InputRequired("Bitte geben Sie einen Titel an."),
            Length(max=200, message="Höchstens 200 Zeichen."),
        ],
    )
    summary = TextAreaField(
        "Kurzbeschreibung",
        validators=[
            InputRequired("Bitte fassen Sie die Lösung kurz zusammen."),
            Length(max=600, message="Höchstens 600 Zeichen."),
        ],
    )
    problem = TextAreaField(
        "Ausgangslage: Welches Problem hatten Sie?", validators=[Optional(), Length(max=5000)]
    )
    description = TextAreaField(
        "Beschreibung",
        validators=[InputRequired("Bitte beschreiben Sie die Lösung."), Length(max=50000)],
    )
    category = SelectField(
        "Kategorie",
        choices=options(CHOOSE + list(CATEGORIES.items())),
        validators=[InputRequired("Bitte wählen Sie eine Kategorie.")],
    )
    kind = SelectField(
        "Art der Lösung",
        choices=options(CHOOSE + SolutionKind.choices()),
        validators=[InputRequired("Bitte wählen Sie die Art der Lösung.")],
    )
    project_status = SelectField(
        "Projektstand",
        choices=options(CHOOSE + ProjectStatus.choices()),
        validators=[InputRequired("Bitte wählen Sie den Projektstand.")],
    )
    readiness = SelectField(
        "Nachnutzbarkeit",
        choices=options(CHOOSE + Readiness.choices()),
        validators=[InputRequired("Bitte wählen Sie, wie nachnutzbar die Lösung ist.")],
    )
    lead_municipality_ags = SelectField("Federführende Kommune", choices=[], validate_choice=False)
    tags = StringField("Schlagworte", validators=[Optional(), Length(max=500)])
    partner_ags = SelectMultipleField("Partnerkommunen", choices=[], validate_choice=False)
    lead_organisation = StringField(
        "Federführende Stelle", validators=[Optional(), Length(max=200)]
    )
    partner_organisations = TextAreaField(
        "Weitere Beteiligte", validators=[Optional(), Length(max=2000)]
    )
    ozg_references = TextAreaField("OZG-Bezug", validators=[Optional(), Length(max=2000)])
    leika_keys = TextAreaField("LeiKa-Schlüssel", validators=[Optional(), Length(max=2000)])
    technology = TextAreaField("Technik", validators=[Optional(), Length(max=2000)])
    products = TextAreaField("Eingesetzte Produkte", validators=[Optional(), Length(max=2000)])
    licence = StringField("Lizenz", validators=[Optional(), Length(max=120)])
    repository_url = StringField("Quellcode-Repository", validators=[Optional(), Length(max=500)])
    effort_person_days = FigureField(
        "Aufwand in Personentagen", "effort_person_days", validators=[Optional()]
    )
    cost_eur = FigureField("Kosten in Euro", "cost_eur", validators=[Optional()])
    cost_note = StringField("Hinweis zu den Kosten", validators=[Optional(), Length(max=500)])
    funding = TextAreaField("Förderung", validators=[Optional(), Length(max=2000)])
    duration_months = FigureField("Dauer in Monaten", "duration_months", validators=[Optional()])
    review_by = DateField("Inhalt prüfen bis", validators=[Optional()])
    links = TextAreaField("Links", validators=[Optional(), Length(max=5000)])
    contacts = TextAreaField("Ansprechpersonen", validators=[Optional(), Length(max=5000)])
    attachment = FileField("Anhang hinzufügen")

    def fill_choices(self, municipalities) -> None:
        self.lead_municipality_ags.choices = options(
            CHOOSE + [(m.ags, m.display_name) for m in municipalities]
        )
        self.partner_ags.choices = options([(m.ags, m.display_name) for m in municipalities])

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
        return SolutionInput(
            title=self.title.data or "",
            summary=self.summary.data or "",
            problem=self.problem.data or "",
            description=self.description.data or "",
            category=self.category.data or "",
            kind=self.kind.data or "",
            project_status=self.project_status.data or "",
            readiness=self.readiness.data or "",
            tags=[t.strip() for t in (self.tags.data or "").split(",") if t.strip()],
            partner_ags=list(self.partner_ags.data or []),
            lead_municipality_ags=self.lead_municipality_ags.data or None,
            lead_organisation=self.lead_organisation.data or "",
            partner_organisations=self.partner_organisations.data or "",
            ozg_references=self.ozg_references.data or "",
            leika_keys=self.leika_keys.data or "",
            technology=self.technology.data or "",
            products=self.products.data or "",
            licence=self.licence.data or "",
            repository_url=self.repository_url.data or "",
            effort_person_days=self.effort_person_days.data,
            cost_eur=self.cost_eur.data,
            cost_note=self.cost_note.data or "",
            funding=self.funding.data or "",
            duration_months=self.duration_months.data,
            review_by=self.review_by.data,
            links=links,
            contacts=contacts,
        )


class ReportForm(FlaskForm):
    title = StringField(
        "Titel",
        validators=[
            InputRequired("Bitte geben Sie einen Titel an."),
            Length(max=200, message="Höchstens 200 Zeichen."),
        ],
    )
    role = SelectField(
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
    what_worked = TextAreaField(
        "Was hat gut funktioniert?", validators=[Optional(), Length(max=10000)]
    )
    what_did_not = TextAreaField(
        "Was hat nicht funktioniert?", validators=[Optional(), Length(max=10000)]
    )
    effort = StringField("Aufwand", validators=[Optional(), Length(max=200)])
    cost = StringField("Kosten", validators=[Optional(), Length(max=200)])
    duration = StringField("Dauer", validators=[Optional(), Length(max=200)])
    advice = TextAreaField("Ihr Rat an andere Kommunen", validators=[Optional(), Length(max=10000)])

    def load(self, data: ReportInput) -> None:
        for name in REPORT_CONTENT_FIELDS:
            value = getattr(data, name)
            getattr(self, name).data = value.value if hasattr(value, "value") else value

    def to_input(self) -> ReportInput:
        return ReportInput(
            **{
                name: getattr(self, name).data or ""
                for name in (
                    "title",
                    "role",
                    "what_worked",
                    "what_did_not",
                    "effort",
                    "cost",
                    "duration",
                    "advice",
                )
            }
        )


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
