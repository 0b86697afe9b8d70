"""Open data exchange pages: publiccode.yml of a solution and its import as a draft, and the
CSV/XLSX exports of solutions, municipalities, reuse records and needs.

Thin views: one service call, then a file response. Only what the viewer may see leaves.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from catalogue.clock import local_date
from catalogue.errors import NotFound
from catalogue.exchange import spreadsheet, tables
from catalogue.permissions import can_create_solution, require
from catalogue.services import exchange as exchange_service
from catalogue.services import exports, import_runs, table_import
from catalogue.web.exchange_forms import PubliccodeImportForm, TableImportForm
from catalogue.web.public import solution_filters

bp = Blueprint("exchange", __name__)


def public_url(endpoint: str, **values) -> str:
    """Absolute link built from BASE_URL (as in feeds and e-mails), not from the request host."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


@bp.get("/loesungen/<slug>/publiccode.yml")
def publiccode(slug: str):
    export = exchange_service.publiccode_export(
        actor=current_user, slug=slug, page_url=public_url("public.solution", slug=slug)
    )
    # Werkzeug adds a charset only to text/* types on its own.
    response = Response(export.text, content_type="application/yaml; charset=utf-8")
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


def table_response(table, fmt: str, filename: str) -> Response:
    """A table as a download (CSV or XLSX); unknown formats are a 404 like unknown pages."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Dieses Dateiformat gibt es nicht. Möglich sind .csv und .xlsx.")
    content, mimetype = tables.render(table, fmt)
    response = Response(content, mimetype=mimetype)  # text/csv gets "; charset=utf-8"
    stamp = local_date().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.{fmt}"'
    return response


@bp.get("/export/loesungen.<fmt>")
def export_solutions(fmt: str):
    _form, filters, valid = solution_filters()
    if not valid:
        return Response(
            "Ungültiger Filter im Export-Link. Bitte laden Sie die Seite »Lösungen« neu.",
            status=400,
            mimetype="text/plain",
        )
    table = exports.solutions_table(filters, base_url=current_app.config["BASE_URL"])
    return table_response(table, fmt, "loesungen")


@bp.get("/export/kommunen.<fmt>")
def export_municipalities(fmt: str):
    table = exports.municipalities_table(base_url=current_app.config["BASE_URL"])
    return table_response(table, fmt, "kommunen")


@bp.get("/export/nachnutzungen.<fmt>")
def export_reuses(fmt: str):
    table = exports.reuses_table(base_url=current_app.config["BASE_URL"])
    return table_response(table, fmt, "nachnutzungen")


@bp.get("/export/bedarfe.<fmt>")
def export_needs(fmt: str):
    return table_response(exports.needs_table(actor=current_user), fmt, "bedarfe")


@bp.get("/mitwirken/import/vorlage.<fmt>")
def table_template(fmt: str):
    """The column template with one example row (CSV or XLSX)."""
    return table_response(spreadsheet.template_table(), fmt, "vorlage-loesungen")


@bp.route("/mitwirken/import/tabelle", methods=["GET", "POST"])
@login_required
def import_table():
    require(can_create_solution(current_user), "Sie dürfen keine Lösungen anlegen.")
    form = TableImportForm()
    result = None
    if form.validate_on_submit():
        upload = form.upload()
        if upload is not None:
            filename, content = upload
            if form.run.data:
                # Checked here, written in the background: a large file never holds the request.
                started = import_runs.start_import(
                    actor=current_user,
                    filename=filename,
                    content=content,
                    publish=bool(form.publish.data),
                )
                if started.run is not None:
                    return redirect(url_for("exchange.import_run", run_id=started.run.id))
                result = started.check
            else:
                result = table_import.import_table(
                    actor=current_user,
                    filename=filename,
                    content=content,
                    dry_run=True,
                    publish=bool(form.publish.data),
                )
    status = 400 if (form.errors or (result and not result.ok)) else 200
    return render_template(
        "exchange/table_import.html",
        form=form,
        result=result,
        runs=import_runs.recent_runs(actor=current_user),
        columns=spreadsheet.COLUMNS,
        max_rows=spreadsheet.MAX_ROWS,
    ), status


@bp.get("/mitwirken/import/laeufe/<int:run_id>")
@login_required
def import_run(run_id: int):
    """A background import's progress; the page reloads itself every few seconds until done."""
    run = import_runs.get_run(actor=current_user, run_id=run_id)
    return render_template(
        "exchange/import_run.html",
        run=run,
        counts=import_runs.counts(run),
        max_attempts=import_runs.MAX_ATTEMPTS,
    )
