"""Forms for needs, brokering and reuse records."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from catalogue.categories import CATEGORIES
from catalogue.models import NeedVisibility, ReuseStatus
from catalogue.web.choices import options
from catalogue.web.forms import IdField

ANY_CATEGORY = [("", "keine Angabe")]


class DescribeNeedForm(FlaskForm):
    """Try matching without saving (GET, no CSRF needed: it changes nothing)."""

    class Meta:
        csrf = False

    text = TextAreaField(
        "Beschreiben Sie Ihr Anliegen",
        validators=[
            InputRequired("Bitte beschreiben Sie, was Sie suchen."),
            Length(min=3, max=5000, message="Bitte zwischen 3 und 5000 Zeichen."),
        ],
    )
    category = SelectField(
        "Kategorie",
        choices=options(ANY_CATEGORY + list(CATEGORIES.items())),
        default="",
        validators=[Optional()],
    )


class NeedForm(FlaskForm):
    title = StringField(
        "Kurzer Titel",
        validators=[
            InputRequired("Bitte geben Sie einen kurzen Titel an."),
            Length(max=200, message="Höchstens 200 Zeichen."),
        ],
    )
    text = TextAreaField(
        "Beschreibung des Bedarfs",
        validators=[
            InputRequired("Bitte beschreiben Sie Ihren Bedarf."),
            Length(min=10, max=5000, message="Bitte zwischen 10 und 5000 Zeichen."),
        ],
    )
    category = SelectField(
        "Kategorie",
        choices=options(ANY_CATEGORY + list(CATEGORIES.items())),
        default="",
        validators=[Optional()],
    )
    tags = StringField("Schlagworte", validators=[Optional(), Length(max=300)])
    visibility = SelectField(
        "Wer darf den Bedarf sehen?",
        choices=options(
            [
                (NeedVisibility.CURATORS.value, "nur das DigitalBüro und meine Kommune"),
                (NeedVisibility.PUBLIC.value, "alle (öffentlich)"),
            ]
        ),
        # Nothing typed here is published unless someone decides so (privacy by default):
        # a need is often pasted from an internal e-mail, with names in it.
        default=NeedVisibility.CURATORS.value,
    )
    municipality_ags = SelectField("Kommune", choices=[], default="", validate_choice=False)


NEED_STATUS_CHOICES = [
    ("open", "offen"),
    ("brokered", "vermittelt"),
    ("solved", "gelöst"),
    ("closed", "geschlossen"),
]


class NeedStatusForm(FlaskForm):
    # the service checks the status (a German reason beside the field)
    status = SelectField(
        "Neuer Status", choices=options(NEED_STATUS_CHOICES), validate_choice=False
    )
    comment = StringField(
        "Anmerkung",
        validators=[
            Optional(),
            Length(max=500, message="Die Anmerkung darf höchstens 500 Zeichen lang sein."),
        ],
    )


def _digits(form, field) -> None:
    if field.data and not (str(field.data).isdigit() and len(str(field.data)) <= 18):
        raise ValidationError("Ungültige Auswahl.")


class BrokerForm(FlaskForm):
    solution_id = IdField(validators=[InputRequired("Bitte wählen Sie eine Lösung.")])
    need_id = IdField()
    request_id = IdField()
    message = TextAreaField(
        "Nachricht an beide Seiten",
        validators=[Optional(), Length(max=2000, message="Höchstens 2000 Zeichen.")],
    )


class MessageForm(FlaskForm):
    body = TextAreaField(
        "Ihre Nachricht",
        validators=[
            InputRequired("Bitte schreiben Sie eine Nachricht."),
            Length(min=2, max=2000, message="Bitte zwischen 2 und 2000 Zeichen."),
        ],
    )


class OutcomeForm(FlaskForm):
    action = HiddenField(validators=[InputRequired("Bitte wählen Sie ein Ergebnis.")])
    comment = StringField(
        "Anmerkung",
        validators=[Optional(), Length(max=500, message="Höchstens 500 Zeichen.")],
    )


class ContactRequestForm(FlaskForm):
    # choices: the municipality's open needs (`fill_needs`); the service checks the choice
    need_id = SelectField(
        "Zu welchem Bedarf Ihrer Kommune?", choices=[], default="", validate_choice=False
    )
    message = TextAreaField(
        "Ihre Nachricht an das DigitalBüro",
        validators=[
            InputRequired("Bitte schreiben Sie kurz, worum es geht."),
            Length(min=10, max=2000, message="Bitte zwischen 10 und 2000 Zeichen."),
        ],
    )


def fill_needs(form: ContactRequestForm, needs, chosen: str | None = None) -> None:
    """Offer the municipality's needs; preselect ``chosen`` (the need a match was opened from)."""
    form.need_id.choices = options(
        [("", "Ohne bestimmten Bedarf"), *((str(n.id), n.title) for n in needs)]
    )
    if chosen and not form.need_id.data and any(str(n.id) == chosen for n in needs):
        form.need_id.data = chosen


class ReuseForm(FlaskForm):
    status = SelectField(
        "Stand der Nachnutzung",
        choices=options([(s.value, s.label) for s in ReuseStatus if s != ReuseStatus.ENDED]),
    )
    note = StringField("Anmerkung", validators=[Optional(), Length(max=500)])


class ReuseUpdateForm(FlaskForm):
    status = SelectField("Stand der Nachnutzung", choices=options(ReuseStatus.choices()))
    ended_reason = StringField("Grund für das Ende", validators=[Optional(), Length(max=500)])


def offer_statuses(form: NeedStatusForm, current: str, *, brokers: bool) -> NeedStatusForm:
    """ "vermittelt" is the DigitalBüro's to set (by brokering); the need's own staff see it
    only while it is the current status."""
    form.status.choices = options(
        (value, label)
        for value, label in NEED_STATUS_CHOICES
        if value != "brokered" or brokers or current == "brokered"
    )
    return form
