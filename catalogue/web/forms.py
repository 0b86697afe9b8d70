"""WTForms for the public pages, and the bounded number fields every form uses. Forms check
shape; services decide meaning."""

from __future__ import annotations

from typing import Any

from flask import flash, request
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from catalogue.categories import CATEGORIES
from catalogue.errors import ValidationFailed
from catalogue.limits import FIGURES, MAX_ID
from catalogue.models import ProjectStatus, SolutionKind
from catalogue.web.choices import options


def add_service_errors(
    form: FlaskForm, error: ValidationFailed, *, fallback: Field | None = None
) -> None:
    """Show a service's errors beside the fields they name, keeping what was typed. A message
    for a name the form has no field for goes to ``fallback``, or else to the page's notices."""
    for name, message in error.errors.items():
        target = form[name] if name in form else fallback
        if target is None:
            flash(message, "error")
        else:
            target.errors = [*target.errors, message]


def _parse_int(text: str | None) -> int | None:
    """Whole numbers as people type them (``1.500`` and ``1 500`` included); None if empty."""
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "." in text and all(len(part) == 3 for part in text.split(".")[1:]):
        text = text.replace(".", "")
    if not text.lstrip("-").isdigit() or len(text) > 20:
        raise ValueError
    return int(text)


class FigureField(IntegerField):
    """An optional whole number with the range of ``catalogue.limits.FIGURES[figure]``; what
    the person typed is shown again when it is not a number. A text input (numeric keyboard on
    phones), not ``type=number``: browsers read a German decimal comma there in their own way
    ("3,5" became 35), while the server says what it expects."""

    widget = TextInput()

    def __init__(self, label: str, figure: str, **kwargs: Any) -> None:
        render_kw = {"inputmode": "numeric", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(label, render_kw=render_kw, **kwargs)
        self.limit = FIGURES[figure]

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.raw_data = valuelist
        try:
            self.data = _parse_int(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(
                f"Bitte geben Sie eine ganze Zahl an ({self.limit.unit}), ohne Komma und "
                f"Einheit, z. B. {self.limit.example}."
            ) from None

    def pre_validate(self, form: Any) -> None:
        if problem := self.limit.problem(self.data):
            raise ValidationError(problem)


def record_id(raw: str | None) -> int | None:
    """A record id as a form sends it: a positive whole number a database column can hold, or
    None for anything else."""
    raw = (raw or "").strip()
    if raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= MAX_ID:
        return int(raw)
    return None


class IdField(HiddenField):
    """A hidden record id: a positive whole number a database column can hold, or None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        parsed = record_id(raw)
        self.data = parsed if parsed is not None else raw or None

    def pre_validate(self, form: Any) -> None:
        typed = bool(self.raw_data and self.raw_data[0])
        valid = isinstance(self.data, int) and 1 <= self.data <= MAX_ID
        if (typed or self.data is not None) and not valid:
            raise ValidationError("Der Verweis auf den Eintrag ist ungültig.")

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


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


def link_args(*, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's query parameters as keywords for `url_for` (links back to the same
    search). Names starting with "_" are url_for's own (`_anchor`, `_method`, `_external`)
    and never come from the address bar; passing them on was an error page."""
    return {
        k: request.args.getlist(k)
        for k in request.args
        if k not in exclude and not k.startswith("_")
    }


def one_click_unsubscribe() -> bool:
    """RFC 8058: a mail program's "Abbestellen" POSTs ``List-Unsubscribe=One-Click`` to the
    address in the mail's List-Unsubscribe header, without cookies or a CSRF token. Those pages
    are exempt from the site-wide CSRF check: the signed token in the address is the authority,
    and a browser's POST still needs the page's own form with its CSRF token."""
    return request.method == "POST" and request.form.get("List-Unsubscribe") == "One-Click"
