"""Contributors' pages ("Mitwirken"): Meine Beiträge, writing solutions and experience reports,
attachments, submitting for review, revisions of published entries, history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from catalogue.errors import ValidationFailed
from catalogue.models import ContentState
from catalogue.permissions import (
    can_create_solution,
    can_edit_report,
    can_edit_solution,
    can_view_history,
    can_write_report,
)
from catalogue.services import catalogue as catalogue_service
from catalogue.services import contributions
from catalogue.services import needs as needs_service
from catalogue.services import workflow as workflow_service
from catalogue.services.contributions import ReportInput, SolutionInput
from catalogue.services.review import revision_changes
from catalogue.web.contribute_forms import ReportForm, SolutionForm
from catalogue.web.forms import add_service_errors

bp = Blueprint("contribute", __name__, url_prefix="/mitwirken")


def _solution_form() -> SolutionForm:
    form = SolutionForm()
    form.fill_choices(catalogue_service.all_municipalities())
    return form


@bp.get("/")
@login_required
def index():
    return render_template(
        "contribute/index.html", rows=contributions.my_contributions(actor=current_user)
    )


def _all_problems_at_once(form: SolutionForm) -> None:
    """A form that fails its own checks (a required field, a length) gets the service's checks
    of what was typed too — addresses of links and contact persons, tag counts —, so one submit
    names every problem instead of one round each."""
    if request.method != "POST" or not form.errors:
        return
    for name, message in contributions.validate_solution(form.to_input()).items():
        if name in form and not form[name].errors:
            form[name].errors = [message]


def _save_attachment(form, solution_id: int) -> bool:
    upload = form.attachment.data
    if not upload or not getattr(upload, "filename", ""):
        return True
    try:
        contributions.add_attachment(
            actor=current_user,
            solution_id=solution_id,
            filename=upload.filename,
            stream=upload.stream,
        )
    except ValidationFailed as error:
        form.attachment.errors = [error.errors.get("attachment", error.message)]
        return False
    return True


@bp.route("/loesungen/neu", methods=["GET", "POST"])
@login_required
def new_solution():
    if not can_create_solution(current_user):
        # Say why and what to do instead of a form that could only end in a 403.
        return render_template("contribute/cannot_create.html"), 403
    form = _solution_form()
    preview = None
    if request.method == "GET" and current_user.municipality_ags:
        form.lead_municipality_ags.data = current_user.municipality_ags
    if form.validate_on_submit():
        if "preview" in request.form:
            preview = form.to_input()
        else:
            try:
                solution = contributions.create_solution(actor=current_user, data=form.to_input())
            except ValidationFailed as error:
                add_service_errors(form, error)
            else:
                if _save_attachment(form, solution.id):
                    flash(
                        "Der Entwurf ist gespeichert. Sie können ihn weiter bearbeiten oder zur Prüfung einreichen.",
                        "success",
                    )
                    return redirect(url_for("contribute.solution_status", solution_id=solution.id))
                # The draft exists; say so, and why the file is not attached (a redirect
                # cannot carry the field error, and the browser drops the chosen file anyway).
                flash("Der Entwurf ist gespeichert.", "success")
                flash(
                    f"Der Anhang „{form.attachment.data.filename}“ wurde nicht gespeichert: "
                    f"{' '.join(form.attachment.errors)} Bitte wählen Sie eine passende Datei "
                    "aus und speichern Sie erneut.",
                    "error",
                )
                return redirect(url_for("contribute.edit_solution", solution_id=solution.id))
    _all_problems_at_once(form)
    status = 400 if form.errors else 200
    similar = needs_service.similar_solutions(preview.title, preview.summary) if preview else []
    return render_template(
        "contribute/solution_form.html", form=form, solution=None, preview=preview, similar=similar
    ), status


def _in_review(status_url: str):
    """An entry in review is not edited (saving could only fail, losing what was typed): say
    so, on its status page, where it can be withdrawn to change it."""
    flash(
        "Diese Fassung liegt zur Prüfung beim DigitalBüro. Um sie zu ändern, ziehen Sie die "
        "Einreichung zurück.",
        "info",
    )
    return redirect(status_url)


@bp.route("/loesungen/<int:solution_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit_solution(solution_id: int):
    solution = contributions.get_solution_for_edit(actor=current_user, solution_id=solution_id)
    if solution.state == ContentState.SUBMITTED and not can_edit_solution(current_user, solution):
        return _in_review(url_for("contribute.solution_status", solution_id=solution.id))
    form = _solution_form()
    preview = None
    if request.method == "GET":
        form.load(SolutionInput.from_solution(solution))
    elif form.validate_on_submit():
        if "preview" in request.form:
            preview = form.to_input()
        else:
            try:
                contributions.update_solution(
                    actor=current_user, solution_id=solution.id, data=form.to_input()
                )
            except ValidationFailed as error:
                add_service_errors(form, error)
            else:
                if _save_attachment(form, solution.id):
                    flash("Ihre Änderungen sind gespeichert.", "success")
                    return redirect(url_for("contribute.solution_status", solution_id=solution.id))
    _all_problems_at_once(form)
    status = 400 if form.errors else 200
    similar = (
        needs_service.similar_solutions(
            preview.title, preview.summary, exclude_id=solution.revision_of_id or solution.id
        )
        if preview
        else []
    )
    return render_template(
        "contribute/solution_form.html",
        form=form,
        solution=solution,
        preview=preview,
        similar=similar,
    ), status


@bp.get("/loesungen/<int:solution_id>")
@login_required
def solution_status(solution_id: int):
    solution = contributions.get_solution_for_edit(actor=current_user, solution_id=solution_id)
    return render_template(
        "contribute/solution_status.html",
        solution=solution,
        **_status_context("solution", solution),
        similar=needs_service.similar_solutions(
            solution.title, solution.summary, exclude_id=solution.revision_of_id or solution.id
        )
        if solution.state.value in ("draft", "changes_requested") and not solution.revision_of_id
        else [],
    )


def _status_context(entity_type: str, entry) -> dict[str, Any]:
    """What both status pages show of an entry: its history (for those who may see it), the
    changes of a revision and the workflow actions open to the user."""
    events = (
        workflow_service.history(actor=current_user, entity_type=entity_type, entry_id=entry.id)[1]
        if can_view_history(current_user, entry)
        else []
    )
    return {
        "events": events,
        "changes": revision_changes(entry),
        "actions": workflow_service.available(current_user, entry),
    }


@bp.post("/<entity_type>/<int:entry_id>/aktion")
@login_required
def act(entity_type: str, entry_id: int):
    if entity_type not in ("loesungen", "berichte"):
        abort(404)
    kind = "solution" if entity_type == "loesungen" else "report"
    action = request.form.get("action", "")
    try:
        state = workflow_service.apply_action(
            actor=current_user,
            entity_type=kind,
            entry_id=entry_id,
            action=action,
            comment=request.form.get("comment", ""),
        )
    except ValidationFailed as error:
        flash(next(iter(error.errors.values()), error.message), "error")
    else:
        flash(f"Erledigt. Neuer Zustand: {state.label}.", "success")
    if kind == "solution":
        return redirect(url_for("contribute.solution_status", solution_id=entry_id))
    return redirect(url_for("contribute.report_status", report_id=entry_id))


@bp.post("/loesungen/<int:solution_id>/ueberarbeiten")
@login_required
def revise_solution(solution_id: int):
    revision = contributions.start_revision(actor=current_user, solution_id=solution_id)
    if not can_edit_solution(current_user, revision):
        return _in_review(url_for("contribute.solution_status", solution_id=revision.id))
    flash(
        "Sie bearbeiten eine Überarbeitung. Die veröffentlichte Fassung bleibt sichtbar, bis das DigitalBüro Ihre Änderungen freigibt.",
        "info",
    )
    return redirect(url_for("contribute.edit_solution", solution_id=revision.id))


@bp.post("/anhaenge/<int:attachment_id>/loeschen")
@login_required
def delete_attachment(attachment_id: int):
    attachment, _ = contributions.get_attachment(actor=current_user, attachment_id=attachment_id)
    solution_id = attachment.solution_id
    contributions.remove_attachment(actor=current_user, attachment_id=attachment_id)
    flash("Der Anhang wurde entfernt.", "success")
    return redirect(url_for("contribute.edit_solution", solution_id=solution_id))


@bp.route("/loesungen/<int:solution_id>/bericht/neu", methods=["GET", "POST"])
@login_required
def new_report(solution_id: int):
    solution = contributions.get_solution_for_edit(actor=current_user, solution_id=solution_id)
    if not can_write_report(current_user, solution):
        # Say why before anything is typed, instead of a form whose saving can only fail.
        return render_template("contribute/cannot_report.html", solution=solution), 403
    form = ReportForm()
    if form.validate_on_submit():
        try:
            report = contributions.create_report(
                actor=current_user, solution_id=solution.id, data=form.to_input()
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash("Ihr Erfahrungsbericht ist als Entwurf gespeichert.", "success")
            return redirect(url_for("contribute.report_status", report_id=report.id))
    status = 400 if form.errors else 200
    return render_template(
        "contribute/report_form.html", form=form, solution=solution, report=None
    ), status


@bp.route("/berichte/<int:report_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit_report(report_id: int):
    report = contributions.get_report_for_edit(actor=current_user, report_id=report_id)
    if report.state == ContentState.SUBMITTED and not can_edit_report(current_user, report):
        return _in_review(url_for("contribute.report_status", report_id=report.id))
    form = ReportForm()
    if request.method == "GET":
        form.load(ReportInput.from_report(report))
    elif form.validate_on_submit():
        try:
            contributions.update_report(
                actor=current_user, report_id=report.id, data=form.to_input()
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash("Ihre Änderungen sind gespeichert.", "success")
            return redirect(url_for("contribute.report_status", report_id=report.id))
    status = 400 if form.errors else 200
    return render_template(
        "contribute/report_form.html", form=form, solution=report.solution, report=report
    ), status


@bp.get("/berichte/<int:report_id>")
@login_required
def report_status(report_id: int):
    report = contributions.get_report_for_edit(actor=current_user, report_id=report_id)
    return render_template(
        "contribute/report_status.html", report=report, **_status_context("report", report)
    )


@bp.post("/berichte/<int:report_id>/ueberarbeiten")
@login_required
def revise_report(report_id: int):
    revision = contributions.start_report_revision(actor=current_user, report_id=report_id)
    if not can_edit_report(current_user, revision):
        return _in_review(url_for("contribute.report_status", report_id=revision.id))
    flash(
        "Sie bearbeiten eine Überarbeitung Ihres Berichts. Die veröffentlichte Fassung bleibt sichtbar, bis sie freigegeben ist.",
        "info",
    )
    return redirect(url_for("contribute.edit_report", report_id=revision.id))


attachments_bp = Blueprint("attachments", __name__)


@attachments_bp.get("/anhaenge/<int:attachment_id>/<path:filename>")
def download(attachment_id: int, filename: str):
    attachment, path = contributions.get_attachment(actor=current_user, attachment_id=attachment_id)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=not attachment.content_type.startswith("image/"),
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
