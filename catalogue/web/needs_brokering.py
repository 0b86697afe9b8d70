"""Brokering pages (/vermittlung) of the needs blueprint: the DigitalBüro's list, the
"Vermitteln" preview and confirmation (no JavaScript: the preview is a page of its own), one
contact thread with its messages and outcomes, contact requests from solution pages, and the
mail opt-out for contact persons (no sign-in)."""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from catalogue.errors import InvalidTransition, ValidationFailed
from catalogue.exchange_workflow import ContactAction, contact_actions
from catalogue.extensions import csrf
from catalogue.models import ContactRequestStatus, ReuseStatus
from catalogue.permissions import can_broker, is_curator, require
from catalogue.services import brokering as brokering_service
from catalogue.services import brokering_reach
from catalogue.services import matching as matching_service
from catalogue.services import needs as needs_service
from catalogue.services.brokering_plan import plan_brokering
from catalogue.web.forms import add_service_errors, one_click_unsubscribe, record_id
from catalogue.web.needs import bp
from catalogue.web.needs_forms import BrokerForm, ContactRequestForm, MessageForm, OutcomeForm
from catalogue.web.public import render_solution


def _optional_id(value: int | str | None) -> int | None:
    return int(value) if value else None


@bp.get("/vermittlung")
@login_required
def brokering():
    require(can_broker(current_user))
    open_needs = needs_service.list_needs(actor=current_user, status="open")
    # Stored match results (refreshed by the worker), not a matching run per open need.
    stored = matching_service.stored_matches(open_needs, limit=3)
    return render_template(
        "needs/brokering.html",
        needs=[(n, stored[n.id]) for n in open_needs],
        requests=brokering_service.list_contact_requests(actor=current_user),
        broker_form=BrokerForm(),
    )


@bp.post("/vermittlung/vermitteln")
@login_required
def broker():
    """Step 1 (any post without ``step=confirm``): show what will be shared with whom.
    Step 2 (``step=confirm``): broker, then say truthfully who was notified."""
    require(can_broker(current_user), "Vermitteln kann das DigitalBüro.")
    form = BrokerForm()
    # A too long message alone still shows the preview (with the message's error).
    usable = form.validate_on_submit() or bool(form.message.errors)
    solution_id = _optional_id(form.solution_id.data) if usable else None
    if solution_id is None:
        problem = next((errors[0] for errors in form.errors.values() if errors), "Auswahl fehlt.")
        flash(f"Die Vermittlung konnte nicht vorbereitet werden: {problem}", "error")
        return redirect(url_for("needs.brokering"))
    ids = {
        "need_id": _optional_id(form.need_id.data),
        "request_id": _optional_id(form.request_id.data),
    }
    if request.form.get("step") == "confirm" and not form.errors:
        try:
            contact, plan = brokering_service.broker(
                actor=current_user, solution_id=solution_id, message=form.message.data or "", **ids
            )
        except ValidationFailed as error:
            form.message.errors = list(form.message.errors) + list(error.errors.values())
        else:
            flash("Vermittelt. " + plan.summary(), "success")
            return redirect(url_for("needs.contact_request", request_id=contact.id))
    plan = plan_brokering(
        actor=current_user, solution_id=solution_id, message=form.message.data or "", **ids
    )
    status = 400 if form.errors else 200
    return _no_store(render_template("needs/broker_preview.html", plan=plan, form=form), status)


def _no_store(body, status: int = 200):
    """Threads and previews carry messages and contact details of named people."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_thread(contact, *, message_form=None, outcome_form=None, status=200):
    return _no_store(
        render_template(
            "needs/contact_request.html",
            contact=contact,
            actions=contact_actions(current_user, contact),
            not_brokered=contact.status == ContactRequestStatus.OPEN,
            new_reuse_label=ReuseStatus.EVALUATING.label,
            message_form=message_form or MessageForm(formdata=None),
            outcome_form=outcome_form or OutcomeForm(formdata=None),
            broker_form=BrokerForm(
                formdata=None,
                solution_id=contact.solution_id,
                need_id=contact.need_id or "",
                request_id=contact.id,
            ),
        ),
        status,
    )


@bp.get("/vermittlung/<int:request_id>")
@login_required
def contact_request(request_id: int):
    contact = brokering_service.get_contact_request(actor=current_user, request_id=request_id)
    return _render_thread(contact)


@bp.post("/vermittlung/<int:request_id>/nachricht")
@login_required
def post_message(request_id: int):
    contact = brokering_service.get_contact_request(actor=current_user, request_id=request_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            brokering_service.post_message(
                actor=current_user, request_id=request_id, body=form.body.data
            )
        except ValidationFailed as error:
            form.body.errors = list(form.body.errors) + list(error.errors.values())
        else:
            flash("Ihre Nachricht ist gesendet.", "success")
            return redirect(url_for("needs.contact_request", request_id=request_id) + "#verlauf")
    return _render_thread(contact, message_form=form, status=400)


@bp.post("/vermittlung/<int:request_id>/ergebnis")
@login_required
def record_outcome(request_id: int):
    contact = brokering_service.get_contact_request(actor=current_user, request_id=request_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            brokering_service.record_outcome(
                actor=current_user,
                request_id=request_id,
                action=form.action.data,
                comment=form.comment.data or "",
            )
        except ValidationFailed as error:
            form.comment.errors = list(form.comment.errors) + list(error.errors.values())
        except InvalidTransition as error:
            flash(error.message, "error")
            return redirect(url_for("needs.contact_request", request_id=request_id))
        else:
            if form.action.data == ContactAction.REUSE_STARTED:
                # a new record starts "in Prüfung", an existing one keeps or resumes its stage
                confirmed = (
                    "Sie gilt als bestätigt."
                    if is_curator(current_user)
                    else f"Das {current_app.config['OPERATOR_NAME']} bestätigt sie."
                )
                flash(
                    "Gespeichert: Die Nachnutzung ist festgehalten. Ihren Stand sehen und ändern "
                    f"Sie auf der Seite der Lösung. {confirmed}",
                    "success",
                )
            else:
                flash(f"Gespeichert: Die Anfrage ist jetzt „{contact.status.label}“.", "success")
            return redirect(url_for("needs.contact_request", request_id=request_id))
    return _render_thread(contact, outcome_form=form, status=400)


@bp.post("/loesungen/<int:solution_id>/kontakt")
@login_required
def request_contact(solution_id: int):
    form = ContactRequestForm()
    slug = request.form.get("slug", "")
    back = (
        url_for("public.solution", slug=slug) + "#kontakt-anfragen"
        if slug
        else url_for("public.index")
    )
    contact = None
    if form.validate_on_submit():
        try:
            contact = brokering_service.request_contact(
                actor=current_user,
                solution_id=solution_id,
                message=form.message.data,
                need_id=record_id(form.need_id.data),
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
    if contact is None:
        if not slug:
            flash(next(iter(form.errors.values()))[0], "error")
            return redirect(back)
        # The solution page again, with the message as typed and the reason next to it.
        return render_solution(slug, contact_form=form, status=400)
    flash(
        "Ihre Anfrage ist beim DigitalBüro eingegangen. Es stellt den Kontakt her; den Stand "
        "sehen Sie hier und in „Mein Bereich“.",
        "success",
    )
    # an explicit fragment: without one the browser keeps the form's ("#fehler")
    return redirect(url_for("needs.contact_request", request_id=contact.id, _anchor="inhalt"))


@bp.route("/mail-abbestellen/<token>", methods=["GET", "POST"])
@csrf.exempt  # a mail program's one-click POST carries no CSRF token; the form checks its own
def opt_out(token: str):
    """A contact person stops brokering and reminder mails; works without signing in. GET only
    asks; the button, or a mail program's one-click "Abbestellen", sends the POST."""
    from catalogue.web.alerts import ConfirmForm

    email = brokering_reach.opt_out_email(token)
    done = brokering_reach.is_opted_out(token)
    form = ConfirmForm()
    if (one_click_unsubscribe() or form.validate_on_submit()) and not done:
        brokering_reach.opt_out(actor=current_user, token=token)
        done = True
    # the token is the authority: not cached, and not passed on to a linked site
    return (
        render_template("needs/opt_out.html", email=email, done=done),
        200,
        {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@bp.route("/vermittlung/abmeldungen", methods=["GET", "POST"])
@login_required
def opt_outs():
    """Contact persons who stopped mails; the DigitalBüro takes an opt-out back on request."""
    from catalogue.web.alerts import ConfirmForm

    form = ConfirmForm()
    if form.validate_on_submit():
        email = brokering_reach.revoke_opt_out(
            actor=current_user, opt_out_id=record_id(request.form.get("opt_out_id")) or 0
        )
        flash(f"{email} erhält wieder Vermittlungs- und Erinnerungs-E-Mails.", "success")
        return redirect(url_for("needs.opt_outs"))
    rows = brokering_reach.list_opt_outs(actor=current_user)
    return render_template("needs/opt_outs.html", rows=rows, form=form)
