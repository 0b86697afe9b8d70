"""The OpenAPI 3.1 document of the read-only API (served at /api/v1/openapi.json): the core
operations, assembled from ``openapi_parts`` (the exchange endpoints add theirs in
``openapi_exchange``).
"""

from __future__ import annotations

from typing import Any

from catalogue.api.openapi_parts import (
    CATEGORY,
    ERRORS,
    NEED_TEXT,
    PER_PAGE,
    SCHEMAS,
    STRING,
    VERSION,
    _json,
    _page,
    _query,
    with_common_responses,
)
from catalogue.models import ProjectStatus, Readiness, SolutionKind
from search_index.schema import SORTS

__all__ = ["SCHEMAS", "VERSION", "document"]


def document() -> dict[str, Any]:
    list_filters = [
        _query("kategorie", "Category.", CATEGORY),
        _query("kreis", "AGS of a Kreis or kreisfreie Stadt.", STRING),
        _query("kommune", "AGS of a municipality (lead or partner).", STRING),
        _query(
            "art", "Kind of solution.", {"type": "string", "enum": [k.value for k in SolutionKind]}
        ),
        _query(
            "status",
            "Project status.",
            {"type": "string", "enum": [s.value for s in ProjectStatus]},
        ),
    ]
    search_filters = [
        _query(
            name,
            description + " Repeat the parameter for several values (OR).",
            {"type": "array", "items": schema},
            style="form",
            explode=True,
        )
        for name, description, schema in (
            ("typ", "Entry type.", {"type": "string", "enum": ["solution", "report"]}),
            ("kategorie", "Category.", CATEGORY),
            ("kreis", "AGS of a Kreis or kreisfreie Stadt.", STRING),
            ("kommune", "AGS of the municipality.", STRING),
            (
                "art",
                "Kind of solution.",
                {"type": "string", "enum": [k.value for k in SolutionKind]},
            ),
            (
                "status",
                "Project status.",
                {"type": "string", "enum": [s.value for s in ProjectStatus]},
            ),
            ("reife", "Reuse readiness.", {"type": "string", "enum": [r.value for r in Readiness]}),
        )
    ]
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Lösungskatalog API",
            "version": VERSION,
            "description": (
                "Read-only access to the published content of the Lösungskatalog: solutions "
                "of municipalities with their experience reports and reuse, German full-text "
                "search and need matching. Anonymous; only published content."
            ),
        },
        # Relative to where the document was fetched: right behind any proxy or host name.
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/solutions": {
                "get": {
                    "summary": "Published solutions, newest first",
                    "operationId": "listSolutions",
                    "parameters": [*list_filters, _page(10_000), PER_PAGE],
                    "responses": {"200": _json("SolutionPage", "One page of solutions."), **ERRORS},
                }
            },
            "/solutions/{slug}": {
                "get": {
                    "summary": "One published solution with reports and reuse",
                    "operationId": "getSolution",
                    "parameters": [
                        {"name": "slug", "in": "path", "required": True, "schema": STRING}
                    ],
                    "responses": {
                        "200": _json("SolutionDetail", "The solution."),
                        "404": _json("Error", "No published solution with this slug."),
                        "429": ERRORS["429"],
                    },
                }
            },
            "/search": {
                "get": {
                    "summary": "German full-text search over solutions and experience reports",
                    "operationId": "search",
                    "parameters": [
                        _query(
                            "q",
                            "Search words (up to 200 characters).",
                            {**STRING, "maxLength": 200},
                        ),
                        *search_filters,
                        _query(
                            "sortierung",
                            "Order.",
                            {"type": "string", "enum": list(SORTS)},
                        ),
                        _page(500),
                        PER_PAGE,
                    ],
                    "responses": {"200": _json("SearchResult", "Hits with facets."), **ERRORS},
                }
            },
            "/match": {
                "get": {
                    "summary": "Solutions that fit a need described in free German text",
                    "operationId": "matchNeed",
                    "parameters": [
                        _query(
                            "text",
                            "The need in your own words (up to 5000 characters).",
                            NEED_TEXT,
                            required=True,
                        ),
                        _query("kategorie", "Category of the need (optional).", CATEGORY),
                    ],
                    "responses": {
                        "200": _json("MatchResult", "Ranked solutions with bands and reasons."),
                        **ERRORS,
                    },
                }
            },
            "/municipalities": {
                "get": {
                    "summary": "Municipalities and Kreise of the region",
                    "operationId": "listMunicipalities",
                    "responses": {"200": _json("MunicipalityList", "All, by name.")},
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
    with_common_responses(spec["paths"])
    return spec
