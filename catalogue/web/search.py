"""The search page ``/suche``: keyword search over published solutions and experience reports
with facets, sorting, pagination, "Meinten Sie …?", notices when the search corrected or relaxed
the query, a way on to "Bedarf beschreiben" when results are missing or weak, and the Atom feed
of any search (``/suche/feed.atom``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user

from catalogue.services import digests as digests_service
from catalogue.services import search as search_service
from catalogue.web import feeds
from catalogue.web.forms import link_args
from search_index.schema import SORT_MOST_REUSED, SORT_NEWEST, SORT_RELEVANCE, SORTS

bp = Blueprint("search", __name__)

FILTER_PARAMS = search_service.FILTER_PARAMS
FEED_ENTRIES = 30
WEAK_TOTAL = 3  # this few hits count as a weak result: offer "Bedarf beschreiben"
_SORT_LABEL = {
    SORT_RELEVANCE: "Relevanz",
    SORT_NEWEST: "Neueste zuerst",
    SORT_MOST_REUSED: "Am häufigsten nachgenutzt",
}
SORT_LABELS = [(sort, _SORT_LABEL[sort]) for sort in SORTS]


def _query() -> tuple[str, dict[str, list[str]]]:
    text = (request.args.get("q") or "").strip()[:200]
    return text, search_service.filters_from_params(request.args.getlist)


def _is_weak(text: str, outcome: search_service.SearchOutcome) -> bool:
    """No or few hits, hits only through a correction or a looser match, or a better spelling
    on offer."""
    if not text:
        return False
    return (
        outcome.total <= WEAK_TOTAL
        or outcome.relaxed
        or outcome.corrected
        or outcome.broadened
        or outcome.fuzzy
        or bool(outcome.suggestion)
    )


def _without(args: dict[str, list[str]], param: str, value: str) -> dict[str, Any]:
    """The query string's parameters with one filter value dropped."""
    return {**args, param: [v for v in args.get(param, []) if v != value]}


@bp.get("/suche")
def search():
    text, filters = _query()
    sort = request.args.get("sortierung", SORT_RELEVANCE)
    page_number = request.args.get("page", 1, type=int) or 1

    # a typo whose better spelling finds clearly more shows that spelling's results, with a
    # way back to what was typed (`wie_eingegeben`)
    outcome = search_service.search_catalogue(
        actor=current_user,
        text=text,
        filters=filters,
        sort=sort,
        page=page_number,
        per_page=current_app.config["PER_PAGE"],
        as_typed=bool(request.args.get("wie_eingegeben")),
    )
    typed, text = outcome.typed, outcome.text
    args = link_args(exclude=("page",))
    if typed:  # sorting, filters, feed and alerts follow the spelling shown
        args["q"] = [text]
    query_args = {k: v for k, v in args.items() if k not in ("sortierung", "typ")}
    labels = search_service.facet_labels()
    # Each active filter with a link that drops just it (visible above the results, also
    # where the facets are folded away on a phone).
    active_filters = [
        (
            search_service.FACET_TITLES[field],
            labels[field].get(value, value),
            url_for("search.search", **_without(args, FILTER_PARAMS[field], value)),
        )
        for field, values in filters.items()
        for value in values
    ]
    return render_template(
        "search/search.html",
        outcome=outcome,
        text=text,
        typed=typed,
        header_query=text,
        filters=filters,
        filter_params=FILTER_PARAMS,
        sort=sort,
        sort_labels=SORT_LABELS,
        args=args,
        query_args=query_args,
        weak=_is_weak(text, outcome),
        facet_titles=search_service.FACET_TITLES,
        facet_labels=labels,
        active_filters=active_filters,
    )


@bp.get("/suche/feed.atom")
def feed():
    """Atom feed of the newest published solutions a search finds (every word must match)."""
    text, filters = _query()
    filters.pop("kind", None)
    solutions = digests_service.newest_matching(
        actor=current_user, text=text, filters=filters, limit=FEED_ENTRIES
    )
    args = link_args(exclude=("page",))
    operator = current_app.config["OPERATOR_NAME"]
    title = f"Neue Lösungen zur Suche „{text}“" if text else "Neue Lösungen"
    if filters:
        title += " (gefiltert)"
    body = feeds.solutions_feed(
        solutions,
        title=f"{title} – Lösungskatalog des {operator}",
        base_url=current_app.config["BASE_URL"],
        self_path=url_for("search.feed", **args),
        html_path=url_for("search.search", **args),
        operator=operator,
        solution_path=lambda s: url_for("public.solution", slug=s.slug),
    )
    return Response(body, mimetype="application/atom+xml")
