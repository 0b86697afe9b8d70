"""Alerts pages: subscribe to a search (/suche/abonnieren), manage one's subscriptions under
the account (/konto/abos) and unsubscribe from a digest link without signing in
(/abo/abbestellen/<token>); stop the e-mails about new solutions that fit one's municipality's
needs the same way (/konto/passende-loesungen/abbestellen/<token>).

Thin views: parse a form, call one service, flash + redirect or render (400 on invalid input).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField

from catalogue.errors import ValidationFailed
from catalogue.extensions import csrf
from catalogue.models import DigestFrequency
from catalogue.services import accounts as accounts_service
from catalogue.services import alerts as alerts_service
from catalogue.services import search as search_service
from catalogue.web.choices import options
from catalogue.web.forms import add_service_errors, link_args, one_click_unsubscribe

bp = Blueprint("alerts", __name__)

FREQUENCY_LABEL = "Wie oft möchten Sie eine E-Mail bekommen?"


def _frequency() -> SelectField:
    return SelectField(
        FREQUENCY_LABEL,
        choices=options(DigestFrequency.choices()),
        default=DigestFrequency.WEEKLY.value,
    )


class FrequencyForm(FlaskForm):
    frequency = _frequency()


class CategoryForm(FlaskForm):
    category = SelectField("Kategorie", choices=[], validate_choice=True)
    frequency = _frequency()


class KreisForm(FlaskForm):
    kreis = SelectField("Kreis oder kreisfreie Stadt", choices=[], validate_choice=True)
    frequency = _frequency()


class ConfirmForm(FlaskForm):
    """A button with CSRF protection and nothing else."""


KINDS = {"kategorie": "category", "kreis": "kreis", "bedarfe": "open_needs"}


def _forms(errors_for: str | None = None, submitted=None) -> dict[str, FlaskForm]:
    choices = alerts_service.subscription_choices()
    forms: dict[str, FlaskForm] = {
        "kategorie": CategoryForm(prefix="kat", formdata=None),
        "kreis": KreisForm(prefix="kreis", formdata=None),
        "bedarfe": FrequencyForm(prefix="bedarf", formdata=None),
    }
    if errors_for and submitted is not None:
        forms[errors_for] = submitted
    forms["kategorie"].category.choices = options([("", "Bitte wählen")] + choices["category"])
    forms["kreis"].kreis.choices = options([("", "Bitte wählen")] + choices["kreis"])
    return forms


def _render_manage(status: int = 200, **forms):
    forms = forms or _forms()
    views = alerts_service.subscription_views(actor=current_user)
    return (
        render_template(
            "alerts/manage.html",
            views=views,
            forms=forms,
            invalid=[form for form in forms.values() if form.errors],
            frequencies=DigestFrequency.choices(),
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.get("/konto/abos")
@login_required
def manage():
    return _render_manage()


@bp.post("/konto/abos/<kind>")
@login_required
def create(kind: str):
    if kind not in KINDS:
        return redirect(url_for("alerts.manage"))
    prefix = {"kategorie": "kat", "kreis": "kreis", "bedarfe": "bedarf"}[kind]
    classes: dict[str, type[FlaskForm]] = {
        "kategorie": CategoryForm,
        "kreis": KreisForm,
        "bedarfe": FrequencyForm,
    }
    form_class = classes[kind]
    form = form_class(prefix=prefix)
    forms = _forms(kind, form)
    if form.validate_on_submit():
        try:
            alerts_service.create_subscription(
                actor=current_user,
                kind=KINDS[kind],
                frequency=form.frequency.data,
                category=getattr(form, "category", None) and form.category.data,
                kreis=getattr(form, "kreis", None) and form.kreis.data,
            )
        except ValidationFailed as error:
            add_service_errors(form, error, fallback=form.frequency)
        else:
            flash("Das Abo ist gespeichert. Sie bekommen neue Lösungen per E-Mail.", "success")
            return redirect(url_for("alerts.manage"))
    return _render_manage(400, **forms)


@bp.post("/konto/abos/<int:subscription_id>/haeufigkeit")
@login_required
def set_frequency(subscription_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            alerts_service.set_frequency(
                actor=current_user,
                subscription_id=subscription_id,
                frequency=request.form.get("frequency", ""),
            )
        except ValidationFailed as error:
            flash(" ".join(error.errors.values()), "error")
        else:
            flash("Die Häufigkeit ist geändert.", "success")
    return redirect(url_for("alerts.manage"))


@bp.post("/konto/abos/<int:subscription_id>/loeschen")
@login_required
def delete(subscription_id: int):
    if ConfirmForm().validate_on_submit():
        alerts_service.delete_subscription(actor=current_user, subscription_id=subscription_id)
        flash("Das Abo ist gelöscht.", "success")
    return redirect(url_for("alerts.manage"))


@bp.route("/suche/abonnieren", methods=["GET", "POST"])
@login_required
def subscribe_search():
    text = (request.args.get("q") or "").strip()[:200]
    filters = search_service.filters_from_params(request.args.getlist)
    filters.pop("kind", None)
    form = FrequencyForm()
    if form.validate_on_submit():
        try:
            alerts_service.create_subscription(
                actor=current_user,
                kind="search",
                frequency=form.frequency.data,
                query=text,
                filters=filters,
            )
        except ValidationFailed as error:
            form.frequency.errors = list(error.errors.values())
        else:
            flash(
                "Die Suche ist abonniert. Neue passende Lösungen bekommen Sie per E-Mail; "
                "Ihre Abos verwalten Sie hier.",
                "success",
            )
            return redirect(url_for("alerts.manage"))
    return (
        render_template(
            "alerts/subscribe.html",
            form=form,
            text=text,
            label=alerts_service.describe_search(text, filters),
            args=link_args(),
        ),
        400 if form.errors else 200,
    )


@bp.route("/abo/abbestellen/<token>", methods=["GET", "POST"])
@csrf.exempt  # a mail program's one-click POST carries no CSRF token; the form checks its own
def unsubscribe(token: str):
    """Works without signing in: the signed token in the digest is the authority. GET only
    asks (mail scanners open links); the button, or a mail program's one-click "Abbestellen",
    sends the POST. A digest about several abos stops all of them."""
    subscriptions = alerts_service.subscriptions_for_token(token)
    form = ConfirmForm()
    cancelled = 0
    if one_click_unsubscribe() or form.validate_on_submit():
        cancelled = alerts_service.unsubscribe(token)
        subscriptions = []
    response = render_template(
        "alerts/unsubscribe.html",
        form=form,
        labels=[alerts_service.describe_one(row) for row in subscriptions],
        cancelled=cancelled,
    )
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/konto/passende-loesungen/abbestellen/<token>", methods=["GET", "POST"])
@csrf.exempt  # a mail program's one-click POST carries no CSRF token; the form checks its own
def stop_match_alerts(token: str):
    """From the link in a reverse-match e-mail, without signing in. GET only asks (mail
    scanners open links); the button, or a mail program's one-click "Abbestellen", sends the
    POST."""
    account = accounts_service.match_alerts_account(token)
    form = ConfirmForm()
    done = False
    if one_click_unsubscribe() or form.validate_on_submit():
        accounts_service.stop_match_alerts(token)
        done = True
    response = render_template(
        "alerts/match_alerts_off.html",
        form=form,
        active=account.mail_match_alerts and not done,
        done=done,
    )
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
