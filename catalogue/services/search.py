"""Searching the catalogue: queries go to this host's index, hits are loaded from the database
in rank order and re-filtered by visibility (a stale index never shows an unpublished entry).

The index itself (documents, sync, rebuild, check) lives in ``search_documents`` and
``search_sync``; demand signals in ``search_signals``. Their public names are re-exported here so
callers keep one import: ``from catalogue.services import search``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.db import db
from catalogue.models import ContentState, ExperienceReport, Municipality, Solution
from catalogue.permissions import Actor
from catalogue.services.catalogue import published_solutions_by_id
from catalogue.services.search_documents import (  # noqa: F401 - re-exported
    all_documents,
    count_documents,
    documents_for,
    expected_versions,
    report_document,
    solution_document,
)
from catalogue.services.search_signals import (  # noqa: F401 - re-exported
    normalise_query,
    record_zero_result,
    zero_result_queries,
)
from catalogue.services.search_sync import (  # noqa: F401 - re-exported
    GAP_TIMEOUT,
    THESAURUS_KEY,
    Drift,
    IndexLocked,
    SyncResult,
    SyncState,
    _advance,
    check,
    current_thesaurus,
    ensure_index_current,
    get_index,
    has_pending,
    lag,
    optimize,
    rebuild,
    require_existing_index,
    status,
    sync_outbox,
    try_sync,
)
from search_index.documents import parse_doc_id
from search_index.index import CatalogueIndex
from search_index.query import Hit, SearchRequest
from search_index.schema import FACET_FIELDS, SORT_RELEVANCE, SORTS


@dataclass
class ResultItem:
    kind: str
    solution: Solution
    report: ExperienceReport | None
    highlights: dict[str, str]
    score: float


@dataclass
class SearchOutcome:
    text: str
    total: int
    items: list[ResultItem]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    fuzzy: bool
    page: int
    per_page: int
    sort: str
    # Engine flags:
    relaxed: bool = False  # any-word fallback: not every word occurs in each hit
    corrected: bool = False  # results were found through corrected spellings
    corrections: dict[str, str] = field(default_factory=dict)  # typed word → spelling used
    broadened: bool = False  # one part of a compound stood in for the whole word
    suggestion_total: int | None = None  # hits of the suggestion (without filters)
    typed: str | None = None  # the query as typed, where the results are the suggestion's

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# The facet fields are the engine's (one definition, in search_index.schema).
# Facet field → its query-string parameter on /suche and in the API (German, stable in links).
FILTER_PARAMS = {
    "kind": "typ",
    "category": "kategorie",
    "kreis": "kreis",
    "municipality": "kommune",
    "solution_kind": "art",
    "status": "status",
    "readiness": "reife",
}


def filters_from_params(getlist: Callable[[str], list[str]]) -> dict[str, list[str]]:
    """Facet filters from query-string parameters (`request.args.getlist`), at most 20 values each."""
    filters = {}
    for field_name, param in FILTER_PARAMS.items():
        values = [v for v in getlist(param) if v][:20]
        if field_name == "kreis":
            # the list of solutions names a Kreis by its 8-digit AGS ("05754000"), the search
            # facet by its 5-digit key: both are understood
            values = [
                v[:5] if len(v) == 8 and v.isdigit() and v.endswith("000") else v for v in values
            ]
        if values:
            filters[field_name] = values
    return filters


def _load_visible(hits: Sequence[Hit]) -> list[ResultItem]:
    solution_ids = {h.solution_id for h in hits}
    report_ids = {parse_doc_id(h.doc_id)[1] for h in hits if h.kind == "report"}
    solutions = published_solutions_by_id(solution_ids)
    reports = {
        r.id: r
        for r in db.session.scalars(
            sa.select(ExperienceReport)
            .where(
                ExperienceReport.id.in_(report_ids),
                ExperienceReport.state == ContentState.PUBLISHED,
                ExperienceReport.revision_of_id.is_(None),
            )
            .options(orm.selectinload(ExperienceReport.municipality))
        )
    }
    items: list[ResultItem] = []
    for hit in hits:
        solution = solutions.get(hit.solution_id)
        if solution is None:
            continue
        report = None
        if hit.kind == "report":
            report = reports.get(parse_doc_id(hit.doc_id)[1])
            if report is None:
                continue
            current_version = report.version
        else:
            current_version = solution.version
        # A snippet from an older version of the text is not shown; the current summary is.
        highlights = hit.highlights if hit.version == current_version else {}
        items.append(ResultItem(hit.kind, solution, report, highlights, hit.score))
    return items


def _suggestion_is_visible(index: CatalogueIndex, suggestion: str) -> bool:
    """Only suggest a spelling that leads to something the public may see."""
    probe = index.search(SearchRequest(text=suggestion, page=1, per_page=10, facet_fields=()))
    return bool(_load_visible(probe.hits))


def search_catalogue(
    *,
    actor: Actor,
    text: str,
    filters: dict[str, list[str]],
    sort: str = SORT_RELEVANCE,
    page: int = 1,
    per_page: int = 20,
    as_typed: bool = True,
) -> SearchOutcome:
    """Visible results of a search. With `as_typed` False, a typo that close spellings of its
    own find little for, while "Meinten Sie …?" finds clearly more, gets the suggestion's
    results at once (`typed` then holds what was typed)."""
    outcome = _search(actor, text, filters, sort, page, per_page)
    if (
        not as_typed
        and outcome.fuzzy
        and outcome.suggestion
        and (outcome.suggestion_total or 0) > outcome.total
    ):
        better = _search(actor, outcome.suggestion, filters, sort, page, per_page)
        better.typed = text
        return better
    return outcome


def _search(
    actor: Actor,
    text: str,
    filters: dict[str, list[str]],
    sort: str,
    page: int,
    per_page: int,
) -> SearchOutcome:
    ensure_index_current()
    sort = sort if sort in SORTS else SORT_RELEVANCE
    page = max(1, min(page, 500))
    index = get_index()
    results = index.search(
        SearchRequest(
            text=text,
            filters={k: v for k, v in filters.items() if k in FACET_FIELDS},
            sort=sort,
            page=page,
            per_page=per_page,
            facet_fields=FACET_FIELDS,
        )
    )
    items = _load_visible(results.hits)
    suggestion = results.suggestion
    if suggestion and not _suggestion_is_visible(index, suggestion):
        suggestion = None
    if text and results.total == 0 and not filters:
        record_zero_result(text)
    return SearchOutcome(
        text=text,
        total=results.total,
        items=items,
        facets=results.facets,
        suggestion=suggestion,
        fuzzy=results.fuzzy,
        page=page,
        per_page=per_page,
        sort=sort,
        relaxed=results.relaxed,
        corrected=results.corrected,
        corrections=dict(results.corrections),
        broadened=results.broadened,
        suggestion_total=results.suggestion_total if suggestion else None,
    )


FACET_TITLES = {
    "kind": "Eintrag",
    "category": "Kategorie",
    "kreis": "Kreis",
    "municipality": "Kommune",
    "solution_kind": "Art der Lösung",
    "status": "Projektstand",
    "readiness": "Nachnutzbarkeit",
}


def facet_labels() -> dict[str, dict[str, str]]:
    """Human-readable labels for every facet value."""
    from catalogue.categories import CATEGORIES
    from catalogue.models import MunicipalityKind, ProjectStatus, Readiness, SolutionKind

    municipalities = list(db.session.scalars(sa.select(Municipality)))
    return {
        "kind": {"solution": "Lösungen", "report": "Erfahrungsberichte"},
        "category": dict(CATEGORIES),
        "kreis": {
            m.ags[:5]: m.display_name
            for m in municipalities
            if m.kind in (MunicipalityKind.KREIS, MunicipalityKind.KREISFREIE_STADT)
        },
        "municipality": {m.ags: m.name for m in municipalities},
        "solution_kind": dict(SolutionKind.choices()),
        "status": dict(ProjectStatus.choices()),
        "readiness": dict(Readiness.choices()),
    }
