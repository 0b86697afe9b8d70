"""The search page ``/suche``: keyword search over published solutions and experience reports
with facets, sorting, pagination, "Meinten Sie …?" and a fuzzy fallback."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from catalogue.services import search as search_service

bp = Blueprint("search", __name__)

FILTER_PARAMS = search_service.FILTER_PARAMS


@bp.get("/suche")
def search():
    text = (request.args.get("q") or "").strip()[:200]
    filters = search_service.filters_from_params(request.args.getlist)
    sort = request.args.get("sortierung", "relevance")
    page_number = request.args.get("page", 1, type=int) or 1
    outcome = search_service.search_catalogue(
        actor=current_user,
        text=text,
        filters=filters,
        sort=sort,
        page=page_number,
        per_page=current_app.config["PER_PAGE"],
    )
    args = {k: request.args.getlist(k) for k in request.args if k != "page"}
    return render_template(
        "search/search.html",
        outcome=outcome,
        text=text,
        header_query=text,
        filters=filters,
        filter_params=FILTER_PARAMS,
        sort=sort,
        args=args,
        facet_titles=search_service.FACET_TITLES,
        facet_labels=search_service.facet_labels(),
    )
