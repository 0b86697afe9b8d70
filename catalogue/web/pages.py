"""Legal and service pages: Impressum, Datenschutz, accessibility statement with the
"Barriere melden" form, Leichte Sprache, the interfaces page (API and feed). Operator details come from configuration."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from catalogue.errors import ValidationFailed
from catalogue.extensions import limiter
from catalogue.services import feedback as feedback_service
from catalogue.web.forms import BarrierReportForm, add_service_errors

bp = Blueprint("pages", __name__)


@bp.get("/impressum")
def impressum():
    return render_template("pages/impressum.html")


@bp.get("/datenschutz")
def privacy():
    return render_template("pages/datenschutz.html")


@bp.get("/leichte-sprache")
def easy_language():
    return render_template("pages/leichte_sprache.html")


@bp.get("/schnittstellen")
def interfaces():
    return render_template("pages/schnittstellen.html")


@bp.route("/barrierefreiheit", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def accessibility():
    form = BarrierReportForm()
    if request.method == "GET" and request.args.get("seite"):
        form.page_url.data = request.args["seite"]
    if form.validate_on_submit():
        try:
            feedback_service.submit_barrier_report(
                actor=current_user,
                description=form.description.data or "",
                page_url=form.page_url.data or "",
                contact_email=form.contact_email.data or "",
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash(
                "Vielen Dank! Ihre Meldung ist eingegangen. Wir prüfen sie und melden uns, wenn Sie eine E-Mail-Adresse angegeben haben.",
                "success",
            )
            return redirect(url_for("pages.accessibility") + "#barriere-melden")
    status = 400 if form.errors else 200
    return render_template("pages/barrierefreiheit.html", form=form), status
