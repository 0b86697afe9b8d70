"""Open data exchange pages: publiccode.yml of a solution and its import as a draft.

Thin views: one service call, then a file response. Only what the viewer may see leaves.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, render_template, url_for
from flask_login import current_user, login_required

from catalogue.services import exchange as exchange_service
from catalogue.web.exchange_forms import PubliccodeImportForm

bp = Blueprint("exchange", __name__)


def public_url(endpoint: str, **values) -> str:
    """Absolute link built from BASE_URL (as in feeds and e-mails), not from the request host."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


@bp.get("/loesungen/<slug>/publiccode.yml")
def publiccode(slug: str):
    export = exchange_service.publiccode_export(
        actor=current_user, slug=slug, page_url=public_url("public.solution", slug=slug)
    )
    response = Response(export.text, mimetype="application/yaml")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="publiccode.yml"'
    return response


@bp.route("/mitwirken/import/publiccode", methods=["GET", "POST"])
@login_required
def import_publiccode():
    form = PubliccodeImportForm()
    result = None
    if form.validate_on_submit():
        text = form.content()
        if text is not None:
            result = exchange_service.import_publiccode(actor=current_user, text=text)
            if result.solution is not None:
                flash("Der Entwurf wurde aus der publiccode.yml angelegt.", "success")
    status = 400 if (form.errors or (result and not result.plan.ok)) else 200
    return render_template("exchange/publiccode_import.html", form=form, result=result), status
