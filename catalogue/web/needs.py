"""Needs pages (/bedarfe): describe a need and see matches at once, record needs, manage
their status; brokering pages for curators (/vermittlung); reuse declarations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from catalogue.errors import ValidationFailed
from catalogue.permissions import can_broker, require
from catalogue.services import catalogue as catalogue_service
from catalogue.services import needs as needs_service
from catalogue.services import reuse as reuse_service
from catalogue.web.account_forms import add_service_errors
from catalogue.web.choices import options
from catalogue.web.needs_forms import (
    BrokerForm,
    CloseRequestForm,
    ContactRequestForm,
    DescribeNeedForm,
    NeedForm,
    NeedStatusForm,
    ReuseForm,
    ReuseUpdateForm,
)
from catalogue.web.public import render_solution

bp = Blueprint("needs", __name__)


def _errors_into(form, error: ValidationFailed) -> None:
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")


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
    if request.args and form.validate():
        outcome = needs_service.match_text(
            form.text.data,
            category=form.category.data or None,
            municipality_ags=getattr(current_user, "municipality_ags", None),
        )
    status = 400 if form.errors else 200
    return render_template("needs/describe.html", form=form, outcome=outcome), status


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
                title=form.title.data,
                text=form.text.data,
                category=form.category.data or None,
                tags=form.tags.data or "",
                visibility=form.visibility.data,
                municipality_ags=form.municipality_ags.data or None,
            )
        except ValidationFailed as error:
            _errors_into(form, error)
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
        status_form=status_form or NeedStatusForm(status=need.status.value),
        broker_form=BrokerForm(),
    ), status


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
        else:
            flash(f"Der Bedarf ist jetzt „{need.status.label}“.", "success")
            return redirect(url_for("needs.detail", need_id=need_id))
    # Shown again with the error and everything typed (a long comment is not lost).
    return _detail_page(need_id, form, 400)


@bp.post("/vermittlung/vermitteln")
@login_required
def broker():
    form = BrokerForm()
    if not form.validate_on_submit():
        flash("Die Vermittlung konnte nicht gespeichert werden.", "error")
        return redirect(request.referrer or url_for("needs.brokering"))
    contact = reuse_service.broker(
        actor=current_user,
        solution_id=form.solution_id.data,
        need_id=form.need_id.data,
        request_id=form.request_id.data,
        message=form.message.data or "",
    )
    flash(
        "Vermittelt. Beide Kommunen wurden mit den freigegebenen Kontaktdaten benachrichtigt.",
        "success",
    )
    return redirect(url_for("needs.contact_request", request_id=contact.id))


@bp.get("/vermittlung")
@login_required
def brokering():
    require(can_broker(current_user))
    open_needs = needs_service.list_needs(actor=current_user, status="open")
    return render_template(
        "needs/brokering.html",
        needs=[(n, needs_service.need_matches(n, limit=3)) for n in open_needs],
        requests=reuse_service.list_contact_requests(actor=current_user),
        broker_form=BrokerForm(),
    )


@bp.get("/vermittlung/<int:request_id>")
@login_required
def contact_request(request_id: int):
    contact = reuse_service.get_contact_request(actor=current_user, request_id=request_id)
    return render_template(
        "needs/contact_request.html",
        contact=contact,
        close_form=CloseRequestForm(),
        broker_form=BrokerForm(solution_id=contact.solution_id, need_id=contact.need_id or ""),
    )


@bp.post("/vermittlung/<int:request_id>/schliessen")
@login_required
def close_request(request_id: int):
    form = CloseRequestForm()
    try:
        reuse_service.close_contact_request(
            actor=current_user, request_id=request_id, reason=form.reason.data or ""
        )
    except ValidationFailed as error:
        flash(next(iter(error.errors.values())), "error")
    else:
        flash("Die Anfrage ist geschlossen.", "success")
    return redirect(url_for("needs.contact_request", request_id=request_id))


@bp.post("/vermittlung/<int:request_id>/nachnutzung")
@login_required
def request_to_reuse(request_id: int):
    reuse_service.convert_to_reuse(actor=current_user, request_id=request_id)
    flash(
        "Nachnutzung erfasst. Sie erscheint auf den Seiten der Lösung und der Kommune.", "success"
    )
    return redirect(url_for("needs.contact_request", request_id=request_id))


@bp.post("/loesungen/<int:solution_id>/kontakt")
@login_required
def request_contact(solution_id: int):
    form = ContactRequestForm()
    slug = request.form.get("slug", "")
    if form.validate_on_submit():
        try:
            reuse_service.request_contact(
                actor=current_user, solution_id=solution_id, message=form.message.data
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash(
                "Ihre Anfrage ist beim DigitalBüro eingegangen. Es stellt den Kontakt her.",
                "success",
            )
            return redirect(
                url_for("public.solution", slug=slug) + "#kontakt-anfragen"
                if slug
                else url_for("public.index")
            )
    if not slug:
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(url_for("public.index"))
    # The solution page again, with the message as typed and the reason next to it.
    return render_solution(slug, contact_form=form, status=400)


@bp.post("/loesungen/<int:solution_id>/nachnutzung")
@login_required
def declare_reuse(solution_id: int):
    form = ReuseForm()
    slug = request.form.get("slug", "")
    if form.validate_on_submit():
        try:
            reuse = reuse_service.declare_reuse(
                actor=current_user,
                solution_id=solution_id,
                status=form.status.data,
                note=form.note.data or "",
            )
        except ValidationFailed as error:
            flash(next(iter(error.errors.values())), "error")
        else:
            flash(f"Gespeichert: Ihre Kommune ist „{reuse.status.label}“.", "success")
    return redirect(
        url_for("public.solution", slug=slug) + "#nachnutzung" if slug else url_for("public.index")
    )


@bp.post("/nachnutzung/<int:reuse_id>")
@login_required
def update_reuse(reuse_id: int):
    form = ReuseUpdateForm()
    try:
        reuse = reuse_service.update_reuse(
            actor=current_user,
            reuse_id=reuse_id,
            status=form.status.data or "",
            ended_reason=form.ended_reason.data or "",
        )
    except ValidationFailed as error:
        flash(next(iter(error.errors.values())), "error")
        return redirect(request.referrer or url_for("public.index"))
    flash(f"Nachnutzung aktualisiert: {reuse.status.label}.", "success")
    return redirect(url_for("public.solution", slug=reuse.solution.slug) + "#nachnutzung")


@bp.post("/nachnutzung/<int:reuse_id>/bestaetigen")
@login_required
def confirm_reuse(reuse_id: int):
    reuse = reuse_service.confirm_reuse(actor=current_user, reuse_id=reuse_id)
    flash("Nachnutzung bestätigt.", "success")
    return redirect(url_for("public.solution", slug=reuse.solution.slug) + "#nachnutzung")
