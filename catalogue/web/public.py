"""Public catalogue pages: start page, solution list and detail, municipality directory."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from catalogue.models import ProjectStatus, SolutionKind
from catalogue.services import catalogue as catalogue_service
from catalogue.services import reuse as reuse_service
from catalogue.web.forms import SolutionFilterForm
from catalogue.web.needs_forms import ContactRequestForm, ReuseForm, ReuseUpdateForm

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    newest = catalogue_service.newest_solutions(6)
    return render_template(
        "public/index.html",
        newest=newest,
        figures=catalogue_service.key_figures(),
        reuse_counts=catalogue_service.reuse_counts([s.id for s in newest]),
    )


@bp.get("/loesungen")
def solutions():
    form = SolutionFilterForm(request.args)
    form.fill_choices(catalogue_service.kreise(), catalogue_service.municipality_choices())
    valid = form.validate() if request.args else True
    data = form.data if valid else {}
    filters = catalogue_service.SolutionFilters(
        category=data.get("kategorie") or None,
        kreis=data.get("kreis") or None,
        municipality=data.get("kommune") or None,
        kind=SolutionKind(data["art"]) if data.get("art") else None,
        status=ProjectStatus(data["status"]) if data.get("status") else None,
    )
    page = catalogue_service.list_solutions(
        filters,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=current_app.config["PER_PAGE"],
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "public/solutions.html",
        form=form,
        page=page,
        filters=filters,
        args=args,
        reuse_counts=catalogue_service.reuse_counts([s.id for s in page.items]),
    )


@bp.get("/loesungen/<slug>")
def solution(slug: str):
    item = catalogue_service.get_solution(slug, current_user)
    own_reuse = reuse_service.own_reuse(current_user, item.id)
    return render_template(
        "public/solution.html",
        solution=item,
        reports=catalogue_service.published_reports(item.id),
        reuses=catalogue_service.reuses_of(item.id),
        own_reuse=own_reuse,
        reuse_form=ReuseForm(),
        reuse_update_form=ReuseUpdateForm(status=own_reuse.status.value) if own_reuse else None,
        contact_form=ContactRequestForm(),
    )


@bp.get("/kommunen")
def municipalities():
    return render_template(
        "public/municipalities.html",
        groups=catalogue_service.municipalities_by_kreis(),
        counts=catalogue_service.contribution_counts(),
    )


@bp.get("/kommunen/<ags>")
def municipality(ags: str):
    return render_template(
        "public/municipality.html", profile=catalogue_service.municipality_profile(ags)
    )
