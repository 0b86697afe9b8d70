"""Public catalogue pages: start page, solution list and detail, municipality directory."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user

from catalogue.models import ProjectStatus, SolutionKind
from catalogue.services import catalogue as catalogue_service
from catalogue.services import municipalities as municipality_service
from catalogue.services import needs as needs_service
from catalogue.services import programmes as programme_service
from catalogue.services import reuse as reuse_service
from catalogue.web import feeds
from catalogue.web.forms import SolutionFilterForm
from catalogue.web.needs_forms import ContactRequestForm, ReuseForm, ReuseUpdateForm, fill_needs

bp = Blueprint("public", __name__)
FEED_ENTRIES = 30


@bp.get("/")
def index():
    newest = catalogue_service.newest_solutions(6)
    return render_template(
        "public/index.html",
        newest=newest,
        figures=catalogue_service.key_figures(),
        programmes=programme_service.programme_coverage(),
        reuse_counts=catalogue_service.reuse_counts([s.id for s in newest]),
    )


def solution_filters() -> tuple[SolutionFilterForm, catalogue_service.SolutionFilters, bool]:
    """The filter form of /loesungen (also used by its feed), its filters and validity."""
    args = request.args.copy()
    kreis = args.get("kreis", "")
    if len(kreis) == 5 and kreis.isdigit():
        args["kreis"] = kreis + "000"  # the search facet's 5-digit key for the same Kreis
    form = SolutionFilterForm(args)
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
    return form, filters, valid


@bp.get("/loesungen")
def solutions():
    form, filters, _valid = solution_filters()
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


@bp.get("/loesungen/feed.atom")
def solutions_feed():
    """Atom feed of the newest published solutions, with the list's filters."""
    _form, filters, valid = solution_filters()
    if not valid:
        return Response(
            "Ungültiger Filter im Feed-Link. Bitte kopieren Sie den Link auf der Seite »Lösungen« neu.",
            status=400,
            mimetype="text/plain",
        )
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v}
    items = catalogue_service.list_solutions(filters, page=1, per_page=FEED_ENTRIES).items
    operator = current_app.config["OPERATOR_NAME"]
    title = f"Neue Lösungen – Lösungskatalog des {operator}"
    if filters.active:
        title += " (gefiltert)"
    body = feeds.solutions_feed(
        items,
        title=title,
        base_url=current_app.config["BASE_URL"],
        self_path=url_for("public.solutions_feed", **args),
        html_path=url_for("public.solutions", **args),
        operator=operator,
        solution_path=lambda s: url_for("public.solution", slug=s.slug),
    )
    return Response(body, mimetype="application/atom+xml")


@bp.get("/loesungen/<slug>")
def solution(slug: str):
    return render_solution(slug)


def render_solution(
    slug: str,
    *,
    contact_form: ContactRequestForm | None = None,
    reuse_form: ReuseForm | None = None,
    reuse_update_form: ReuseUpdateForm | None = None,
    status=200,
):
    """The solution page; the contact and reuse views pass their rejected form so what was
    typed stays, with the reason beside the field."""
    item = catalogue_service.get_solution(slug, current_user)
    own_reuse = reuse_service.own_reuse(current_user, item.id)
    contact_form = contact_form or ContactRequestForm()
    fill_needs(
        contact_form, needs_service.needs_to_link(actor=current_user), request.args.get("bedarf")
    )
    return render_template(
        "public/solution.html",
        solution=item,
        reports=catalogue_service.published_reports(item.id),
        reuses=catalogue_service.reuses_of(item.id),
        own_reuse=own_reuse,
        reuse_form=reuse_form or ReuseForm(),
        reuse_update_form=reuse_update_form
        or (ReuseUpdateForm(status=own_reuse.status.value) if own_reuse else None),
        contact_form=contact_form,
    ), status


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
        "public/municipality.html", profile=municipality_service.municipality_profile(ags)
    )
