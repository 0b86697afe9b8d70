"""Needs pages (/bedarfe): describe a need and see matches at once, record needs, manage
their status; reuse declarations. The brokering pages (/vermittlung) of the same blueprint are
in ``web.needs_brokering``."""

from __future__ import annotations

from typing import TypedDict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from catalogue.errors import InvalidTransition, ValidationFailed
from catalogue.permissions import is_curator
from catalogue.services import brokering as brokering_service
from catalogue.services import catalogue as catalogue_service
from catalogue.services import needs as needs_service
from catalogue.services import reuse as reuse_service
from catalogue.web.accounts import safe_next
from catalogue.web.choices import options
from catalogue.web.forms import add_service_errors
from catalogue.web.needs_forms import (
    BrokerForm,
    DescribeNeedForm,
    NeedForm,
    NeedStatusForm,
    ReuseForm,
    ReuseUpdateForm,
    offer_statuses,
)
from catalogue.web.public import render_solution

bp = Blueprint("needs", __name__)


@bp.get("/bedarfe")
def index():
    status = request.args.get("status") or None
    return render_template(
        "needs/index.html",
        needs=needs_service.list_needs(actor=current_user, status=status),
        status=status,
    )


@bp.get("/bedarfe/beschreiben")
def describe():
    form = DescribeNeedForm(request.args)
    outcome = None
    # ?vorlage=… (from a search without good results) only prefills the text to be described.
    prefill = request.args.get("vorlage", "")[:5000] if "text" not in request.args else ""
    if prefill:
        form.text.data = prefill
    elif request.args and form.validate():
        outcome = needs_service.match_text(
            form.text.data,
            category=form.category.data or None,
            municipality_ags=getattr(current_user, "municipality_ags", None),
        )
    status = 400 if form.errors else 200
    return render_template("needs/describe.html", form=form, outcome=outcome), status


class NeedFields(TypedDict):
    title: str
    text: str
    category: str | None
    tags: str
    visibility: str


def _need_fields(form: NeedForm) -> NeedFields:
    """What the need form says of a need, as the needs service takes it."""
    return {
        "title": form.title.data,
        "text": form.text.data,
        "category": form.category.data or None,
        "tags": form.tags.data or "",
        "visibility": form.visibility.data,
    }


@bp.route("/bedarfe/neu", methods=["GET", "POST"])
@login_required
def new():
    form = NeedForm()
    form.municipality_ags.choices = options(
        [("", "Bitte wählen")]
        + [(m.ags, m.display_name) for m in catalogue_service.all_municipalities()]
    )
    if request.method == "GET" and request.args.get("text"):
        form.text.data = request.args["text"][:5000]
        form.category.data = request.args.get("category", "")
    if form.validate_on_submit():
        try:
            need = needs_service.create_need(
                actor=current_user,
                **_need_fields(form),
                municipality_ags=form.municipality_ags.data or None,
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash(
                "Ihr Bedarf ist erfasst. Das DigitalBüro sieht ihn und meldet sich, wenn es eine passende Kommune kennt.",
                "success",
            )
            return redirect(url_for("needs.detail", need_id=need.id))
    status = 400 if form.errors else 200
    return render_template("needs/form.html", form=form), status


@bp.get("/bedarfe/<int:need_id>")
def detail(need_id: int):
    return _detail_page(need_id)


def _detail_page(need_id: int, status_form: NeedStatusForm | None = None, status: int = 200):
    need = needs_service.get_need(actor=current_user, need_id=need_id)
    return render_template(
        "needs/detail.html",
        need=need,
        outcome=needs_service.need_matches(need),
        threads=brokering_service.requests_for_need(actor=current_user, need=need),
        status_form=offer_statuses(
            status_form or NeedStatusForm(status=need.status.value),
            need.status.value,
            brokers=is_curator(current_user),
        ),
        broker_form=BrokerForm(),
    ), status


@bp.route("/bedarfe/<int:need_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit(need_id: int):
    need = needs_service.need_to_edit(actor=current_user, need_id=need_id)
    # the need as stored; on a POST what was sent takes its place
    form = NeedForm(
        data={
            "title": need.title,
            "text": need.text,
            "category": need.category or "",
            "tags": need.tags,
            "visibility": need.visibility.value,
        }
    )
    if form.validate_on_submit():
        try:
            needs_service.update_need(actor=current_user, need_id=need_id, **_need_fields(form))
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash("Der Bedarf ist geändert. Die Vorschläge werden neu berechnet.", "success")
            return redirect(url_for("needs.detail", need_id=need_id))
    status = 400 if form.errors else 200
    return render_template("needs/form.html", form=form, need=need), status


@bp.post("/bedarfe/<int:need_id>/status")
@login_required
def set_status(need_id: int):
    form = NeedStatusForm()
    if form.validate_on_submit():
        try:
            need = needs_service.set_need_status(
                actor=current_user,
                need_id=need_id,
                status=form.status.data,
                comment=form.comment.data or "",
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        except InvalidTransition as error:
            form.status.errors = [*form.status.errors, error.message]
        else:
            flash(f"Der Bedarf ist jetzt „{need.status.label}“.", "success")
            return redirect(url_for("needs.detail", need_id=need_id))
    # Shown again with the error and everything typed (a long comment is not lost).
    return _detail_page(need_id, form, 400)


@bp.post("/loesungen/<int:solution_id>/nachnutzung")
@login_required
def declare_reuse(solution_id: int):
    form = ReuseForm()
    slug = request.form.get("slug", "")
    reuse = None
    if form.validate_on_submit():
        try:
            reuse = reuse_service.declare_reuse(
                actor=current_user,
                solution_id=solution_id,
                status=form.status.data,
                note=form.note.data or "",
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
    if reuse is None:
        return _reuse_rejected(slug, reuse_form=form)
    flash(f"Gespeichert: Ihre Kommune ist „{reuse.status.label}“.", "success")
    return redirect(
        url_for("public.solution", slug=slug) + "#nachnutzung" if slug else url_for("public.index")
    )


@bp.post("/nachnutzung/<int:reuse_id>")
@login_required
def update_reuse(reuse_id: int):
    form = ReuseUpdateForm()
    reuse = None
    if form.validate_on_submit():
        try:
            reuse = reuse_service.update_reuse(
                actor=current_user,
                reuse_id=reuse_id,
                status=form.status.data or "",
                ended_reason=form.ended_reason.data or "",
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
    if reuse is None:
        return _reuse_rejected(request.form.get("slug", ""), reuse_update_form=form)
    flash(f"Nachnutzung aktualisiert: {reuse.status.label}.", "success")
    return redirect(url_for("public.solution", slug=reuse.solution.slug) + "#nachnutzung")


def _reuse_rejected(slug: str, **forms):
    """The solution page again with the rejected reuse form: the reason beside the field and
    everything typed kept. Without the page's slug, the first message as a notice instead."""
    if slug:
        return render_solution(slug, status=400, **forms)
    form = next(iter(forms.values()))
    messages = [m for errors in form.errors.values() for m in errors]
    flash(messages[0] if messages else "Die Angaben konnten nicht gespeichert werden.", "error")
    return redirect(request.referrer or url_for("public.index"))


@bp.post("/nachnutzung/<int:reuse_id>/bestaetigen")
@login_required
def confirm_reuse(reuse_id: int):
    reuse = reuse_service.confirm_reuse(actor=current_user, reuse_id=reuse_id)
    flash(
        f"Nachnutzung bestätigt: {reuse.municipality.display_name} nutzt „{reuse.solution.title}“ "
        "nach.",
        "success",
    )
    # back to the queue it was confirmed from: one round trip per item, not two
    back = safe_next(request.form.get("next"))
    return redirect(back or url_for("public.solution", slug=reuse.solution.slug) + "#nachnutzung")
