"""Curators' review pages ("Prüfung"): the queue, one entry with its diff, and decisions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from catalogue.errors import ValidationFailed
from catalogue.permissions import can_review, require
from catalogue.services import catalogue as catalogue_service
from catalogue.services import review as review_service
from catalogue.services import workflow as workflow_service
from catalogue.web.choices import options
from catalogue.web.contribute_forms import DecisionForm, QueueFilterForm

bp = Blueprint("review", __name__, url_prefix="/pruefung")

ENTITY_PATHS = {"loesungen": "solution", "berichte": "report"}


@bp.get("/")
@login_required
def queue():
    form = QueueFilterForm(request.args)
    form.kommune.choices = options(
        [("", "alle")] + [(m.ags, m.display_name) for m in catalogue_service.all_municipalities()]
    )
    items = review_service.review_queue(
        actor=current_user,
        entity_type=form.typ.data or None,
        municipality_ags=form.kommune.data or None,
    )
    return render_template("review/queue.html", items=items, form=form)


@bp.route("/<path_type>/<int:entry_id>", methods=["GET", "POST"])
@login_required
def review(path_type: str, entry_id: int):
    entity_type = ENTITY_PATHS.get(path_type) or abort(404)
    require(can_review(current_user))
    entry = workflow_service.load_entry_for_review(entity_type, entry_id)
    form = DecisionForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        try:
            state = workflow_service.apply_action(
                actor=current_user,
                entity_type=entity_type,
                entry_id=entry_id,
                action=action,
                comment=form.comment.data or "",
            )
        except ValidationFailed as error:
            form.comment.errors = list(form.comment.errors) + list(error.errors.values())
        else:
            if entry.revision_of_id is not None and action == "approve":
                outcome = "Freigegeben – die Überarbeitung ist übernommen und veröffentlicht"
            else:
                outcome = state.label
            # one's own entry: nobody "was told" (the author is the one who decided)
            told = (
                ""
                if workflow_service.author_id_of(entry) == current_user.id
                else " Die Autorin oder der Autor wurde benachrichtigt."
            )
            flash(f"Entscheidung gespeichert: {outcome}.{told}", "success")
            return redirect(url_for("review.queue"))
    _, events = workflow_service.history(
        actor=current_user, entity_type=entity_type, entry_id=entry_id
    )
    status = 400 if form.errors else 200
    return render_template(
        "review/review.html",
        entity_type=entity_type,
        path_type=path_type,
        entry=entry,
        original=workflow_service.original_of(entity_type, entry),
        changes=review_service.revision_changes(entry),
        duplicates=review_service.duplicate_hint(entry),
        events=events,
        actions=workflow_service.available(current_user, entry),
        form=form,
    ), status
