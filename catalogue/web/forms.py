"""WTForms for the public pages. Forms check shape; services decide meaning."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from catalogue.categories import CATEGORIES
from catalogue.models import ProjectStatus, SolutionKind
from catalogue.web.choices import options


class SolutionFilterForm(FlaskForm):
    """GET filter form on /loesungen (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    kategorie = SelectField("Kategorie", choices=[], default="", validate_choice=True)
    kreis = SelectField("Kreis", choices=[], default="", validate_choice=True)
    kommune = SelectField("Kommune", choices=[], default="", validate_choice=True)
    art = SelectField("Art der Lösung", choices=[], default="", validate_choice=True)
    status = SelectField("Projektstand", choices=[], default="", validate_choice=True)

    def fill_choices(self, kreise, municipalities) -> None:
        any_ = [("", "alle")]
        self.kategorie.choices = options(any_ + list(CATEGORIES.items()))
        self.kreis.choices = options(any_ + [(k.ags, k.display_name) for k in kreise])
        self.kommune.choices = options(any_ + [(m.ags, m.name) for m in municipalities])
        self.art.choices = options(any_ + SolutionKind.choices())
        self.status.choices = options(any_ + ProjectStatus.choices())


class BarrierReportForm(FlaskForm):
    description = TextAreaField(
        "Beschreibung der Barriere",
        validators=[
            InputRequired("Bitte beschreiben Sie die Barriere."),
            Length(min=10, max=5000, message="Bitte schreiben Sie zwischen 10 und 5000 Zeichen."),
        ],
    )
    page_url = StringField(
        "Auf welcher Seite?",
        validators=[Optional(), Length(max=500, message="Höchstens 500 Zeichen.")],
    )
    contact_email = EmailField(
        "Ihre E-Mail-Adresse für Rückfragen",
        validators=[
            Optional(),
            Email("Bitte geben Sie eine gültige E-Mail-Adresse an oder lassen Sie das Feld leer."),
        ],
    )
