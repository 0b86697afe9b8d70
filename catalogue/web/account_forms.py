"""WTForms for sign-in, the own account and the Verwaltung area.

Forms check shape (required, length, same password twice); services decide meaning (password
rules, who may get which role, duplicate addresses).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from catalogue.models import Municipality, Role
from catalogue.web.forms import FigureField

_PASSWORD_HINT = (
    "Mindestens 12 Zeichen. Ein Satz aus mehreren Wörtern ist gut zu merken und sicher."
)


def _name_field(label: str, required: str, **render_kw: str) -> StringField:
    return StringField(
        label,
        validators=[InputRequired(required), Length(max=120, message="Höchstens 120 Zeichen.")],
        render_kw=render_kw or None,
    )


def _email_field(required: str, **render_kw: str) -> EmailField:
    return EmailField(
        "E-Mail-Adresse",
        validators=[
            InputRequired(required),
            Length(max=254, message="Die E-Mail-Adresse ist zu lang."),
        ],
        render_kw={**render_kw, "spellcheck": "false"},
    )


def _new_password_field(required: str) -> PasswordField:
    return PasswordField(
        "Neues Passwort",
        validators=[InputRequired(required)],
        render_kw={"autocomplete": "new-password"},
    )


def _repeated_password_field(of: str, required: str) -> PasswordField:
    """The second entry of a new password, which must equal the field ``of``."""
    return PasswordField(
        "Neues Passwort wiederholen",
        validators=[
            InputRequired(required),
            EqualTo(of, "Die beiden Passwörter stimmen nicht überein."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _role_choices(roles: Iterable[Role], empty: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", empty)] if empty is not None else []
    return choices + [SelectChoice(r.value, r.label) for r in roles]


def _municipality_choices(municipalities: Iterable[Municipality], empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [
        SelectChoice(m.ags, f"{m.display_name} ({m.ags})") for m in municipalities
    ]


# Sign-in and passwords ----------------------------------------------------------------------


class LoginForm(FlaskForm):
    email = StringField(
        "E-Mail-Adresse",
        validators=[InputRequired("Bitte geben Sie Ihre E-Mail-Adresse ein.")],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        "Passwort",
        validators=[InputRequired("Bitte geben Sie Ihr Passwort ein.")],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class SetPasswordForm(FlaskForm):
    password = _new_password_field("Bitte geben Sie ein Passwort ein.")
    password_confirm = _repeated_password_field("password", "Bitte wiederholen Sie das Passwort.")
    password_hint = _PASSWORD_HINT


class AcceptInvitationForm(SetPasswordForm):
    name = _name_field("Ihr Name", "Bitte geben Sie Ihren Namen ein.", autocomplete="name")


class ForgotPasswordForm(FlaskForm):
    email = _email_field(
        "Bitte geben Sie die E-Mail-Adresse Ihres Kontos ein.", autocomplete="email"
    )


# Own account --------------------------------------------------------------------------------


class ProfileForm(FlaskForm):
    name = _name_field("Name", "Bitte geben Sie Ihren Namen ein.", autocomplete="name")
    phone = StringField(
        "Telefon",
        validators=[Optional(), Length(max=60, message="Höchstens 60 Zeichen.")],
        render_kw={"autocomplete": "tel"},
    )
    share_contact = BooleanField(
        "Meine Kontaktdaten dürfen bei Vermittlungen an andere Kommunen weitergegeben werden"
    )
    mail_match_alerts = BooleanField(
        "E-Mail, wenn eine neue Lösung gut zu einem offenen Bedarf meiner Kommune passt"
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Aktuelles Passwort",
        validators=[InputRequired("Bitte geben Sie Ihr aktuelles Passwort ein.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password_field("Bitte geben Sie ein neues Passwort ein.")
    new_password_confirm = _repeated_password_field(
        "new_password", "Bitte wiederholen Sie das neue Passwort."
    )
    password_hint = _PASSWORD_HINT


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(
        "Ja, ich möchte mein Konto endgültig löschen",
        validators=[InputRequired("Bitte bestätigen Sie, dass Sie Ihr Konto löschen möchten.")],
    )


# Verwaltung ---------------------------------------------------------------------------------


class InviteForm(FlaskForm):
    email = _email_field("Bitte geben Sie die E-Mail-Adresse der Person ein.")
    name = _name_field("Name", "Bitte geben Sie den Namen der Person ein.")
    role = SelectField(
        "Rolle", choices=[], validators=[InputRequired("Bitte wählen Sie eine Rolle.")]
    )
    municipality_ags = SelectField("Kommune", choices=[], default="")

    def fill_choices(self, roles: Iterable[Role], municipalities: Iterable[Municipality]) -> None:
        self.role.choices = _role_choices(roles)
        self.municipality_ags.choices = _municipality_choices(
            municipalities, "keine Kommune (DigitalBüro)"
        )


class RoleForm(FlaskForm):
    role = SelectField(
        "Rolle", choices=[], validators=[InputRequired("Bitte wählen Sie eine Rolle.")]
    )
    municipality_ags = SelectField("Kommune", choices=[], default="")

    def fill_choices(self, municipalities: Iterable[Municipality]) -> None:
        self.role.choices = _role_choices(Role)
        self.municipality_ags.choices = _municipality_choices(
            municipalities, "keine Kommune (DigitalBüro)"
        )


class UserFilterForm(FlaskForm):
    """GET filter on the account list (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    rolle = SelectField("Rolle", choices=[], default="")
    kommune = SelectField("Kommune", choices=[], default="")

    def fill_choices(self, municipalities: Iterable[Municipality]) -> None:
        self.rolle.choices = _role_choices(Role, empty="alle")
        self.kommune.choices = _municipality_choices(municipalities, "alle")


class MailFilterForm(FlaskForm):
    """GET filter on the mail log (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    an = StringField("Empfänger (Adresse oder ein Teil davon)", validators=[Optional()])
    status = SelectField("Status", choices=[], default="")

    def fill_choices(self, states: dict[str, str]) -> None:
        self.status.choices = [("", "alle"), *states.items()]


class MunicipalityForm(FlaskForm):
    name = _name_field("Name", "Bitte geben Sie den Namen der Kommune ein.")
    population = FigureField("Einwohnerzahl", "population", validators=[Optional()])
    type_label = StringField(
        "Typ", validators=[Optional(), Length(max=120, message="Höchstens 120 Zeichen.")]
    )


class GermanDateField(DateField):
    """A date field that accepts ISO (from date pickers) and German dates and says so in German."""

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(label, format=["%Y-%m-%d", "%d.%m.%Y"], **kwargs)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Bitte geben Sie ein Datum an, z. B. 31.12.2026.") from None


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (GET parameters; also used by its CSV export)."""

    class Meta:
        csrf = False

    typ = SelectField("Art des Eintrags", choices=[], default="")
    person = SelectField("Durch", choices=[], default="")
    kommune = SelectField("Kommune", choices=[], default="")
    schritt = SelectField("Schritt", choices=[], default="")
    von = GermanDateField("Von (Datum)", validators=[Optional()])
    bis = GermanDateField("Bis (Datum)", validators=[Optional()])

    def fill_choices(
        self,
        labels: dict[str, str],
        actors: Iterable = (),
        municipalities: Iterable[Municipality] = (),
        actions: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.typ.choices = [SelectChoice("", "alle")] + [
            SelectChoice(key, label) for key, label in sorted(labels.items(), key=lambda i: i[1])
        ]
        self.person.choices = [SelectChoice("", "alle")] + [
            SelectChoice(str(u.id), u.name or u.email) for u in actors
        ]
        self.kommune.choices = [SelectChoice("", "alle")] + [
            SelectChoice(m.ags, m.display_name) for m in municipalities
        ]
        self.schritt.choices = [SelectChoice("", "alle")] + [
            SelectChoice(code, label) for code, label in actions
        ]

    def validate_bis(self, field) -> None:
        if field.data and self.von.data and field.data < self.von.data:
            raise ValidationError("Das Ende des Zeitraums liegt vor seinem Anfang.")


class ThesaurusForm(FlaskForm):
    text = TextAreaField(
        "Synonymgruppen",
        validators=[InputRequired("Der Thesaurus darf nicht leer sein.")],
    )
