""" "Mein Bereich" (/mein-bereich) for municipal staff, the start page after signing in, and the
one-step freshness confirmation "Angaben sind aktuell"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from catalogue.permissions import can_view_dashboard, is_curator
from catalogue.services import freshness as freshness_service
from catalogue.services import my_area as my_area_service

bp = Blueprint("my_area", __name__)


@bp.record_once
def _freshness_helpers(state) -> None:
    """Solution pages and cards show the review-by date, the last confirmation and overdue
    marks (globals, so that macros see them too)."""
    state.app.jinja_env.globals.update(
        review_due=freshness_service.review_due, is_overdue=freshness_service.is_overdue
    )


def start_page_for(user: Any) -> str:
    """Where a fresh sign-in lands: the DigitalBüro's page for curators and admins, "Mein
    Bereich" for staff bound to a municipality."""
    if can_view_dashboard(user):
        return url_for("digitalbuero.index")
    if getattr(user, "municipality_ags", None):
        return url_for("my_area.index")
    return url_for("public.index")


@bp.after_request
def _personal(response):
    """Mein Bereich shows one person's needs, requests and messages: never cache it."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/mein-bereich")
@login_required
def index():
    if is_curator(current_user) and not current_user.municipality_ags:
        return redirect(start_page_for(current_user))
    return render_template("my_area/index.html", area=my_area_service.my_area(actor=current_user))


@bp.post("/loesungen/<int:solution_id>/aktuell")
@login_required
def confirm_current(solution_id: int):
    solution = freshness_service.confirm_current(actor=current_user, solution_id=solution_id)
    flash(
        f"Danke! Die Angaben sind als aktuell bestätigt; die nächste Prüfung ist am "
        f"{solution.review_by:%d.%m.%Y}.",
        "success",
    )
    if request.form.get("next") == "mein-bereich":
        return redirect(url_for("my_area.index"))
    return redirect(url_for("public.solution", slug=solution.slug) + "#aktualitaet")
