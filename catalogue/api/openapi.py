"""The OpenAPI 3.1 document of the read-only API (served at /api/v1/openapi.json).

Owns the documented shapes. Every object schema lists all its properties as required and forbids
others, and `tests/catalogue/test_api.py` validates real responses against these schemas, so the
document cannot drift from `serializers`.
"""

from __future__ import annotations

from typing import Any

from catalogue.categories import CATEGORIES
from catalogue.models import ProjectStatus, Readiness, SolutionKind

VERSION = "1.0.0"


def _obj(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(type_: str) -> dict[str, Any]:
    return {"type": [type_, "null"]}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
STRINGS = {"type": "array", "items": STRING}
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Label": _obj(
        {"value": STRING, "label": STRING},
        "A stable identifier (`value`) with its German display text (`label`).",
    ),
    "MunicipalityRef": _obj(
        {"ags": STRING, "name": STRING, "url": {"type": "string", "format": "uri"}},
        "A municipality or Kreis by its official key (AGS) with its page in the catalogue.",
    ),
    "Municipality": _obj(
        {
            "ags": STRING,
            "name": STRING,
            "url": {"type": "string", "format": "uri"},
            "kind": _ref("Label"),
            "kreis_ags": _nullable("string"),
            "population": _nullable("integer"),
            "published_solutions": INTEGER,
        }
    ),
    "SolutionSummary": _obj(
        {
            "id": INTEGER,
            "slug": STRING,
            "title": STRING,
            "summary": STRING,
            "category": _ref("Label"),
            "kind": _ref("Label"),
            "project_status": _ref("Label"),
            "readiness": _ref("Label"),
            "municipality": _ref("MunicipalityRef"),
            "tags": STRINGS,
            "reuse_count": {**INTEGER, "description": "Municipalities reusing it (not ended)."},
            "is_demo": {"type": "boolean", "description": "Fictional example content."},
            "published_at": TIMESTAMP,
            "url": {"type": "string", "format": "uri"},
            "api_url": {"type": "string", "format": "uri"},
        }
    ),
    "Report": _obj(
        {
            "id": INTEGER,
            "title": STRING,
            "role": _ref("Label"),
            "municipality": _ref("MunicipalityRef"),
            "what_worked": STRING,
            "what_did_not": STRING,
            "published_at": TIMESTAMP,
        },
        "A published experience report (lessons learned) about the solution.",
    ),
    "Reuse": _obj(
        {
            "municipality": _ref("MunicipalityRef"),
            "status": _ref("Label"),
            "confirmed": {"type": "boolean", "description": "Confirmed by the DigitalBüro."},
        }
    ),
    "Link": _obj({"title": STRING, "url": STRING}),
    "SolutionPage": _obj(
        {
            "items": {"type": "array", "items": _ref("SolutionSummary")},
            "page": INTEGER,
            "per_page": INTEGER,
            "total": INTEGER,
        }
    ),
    "SearchHit": _obj(
        {
            "type": {"type": "string", "enum": ["solution", "report"]},
            "score": {"type": "number"},
            "solution": _ref("SolutionSummary"),
            "report": {
                "oneOf": [_obj({"id": INTEGER, "title": STRING}), {"type": "null"}],
            },
            "highlights": {
                "type": "object",
                "additionalProperties": STRING,
                "description": "Field → HTML snippet; matched words in <mark>, all else escaped.",
            },
        }
    ),
    "SearchResult": _obj(
        {
            "items": {"type": "array", "items": _ref("SearchHit")},
            "page": INTEGER,
            "per_page": INTEGER,
            "total": INTEGER,
            "query": STRING,
            "sort": {"type": "string", "enum": ["relevance", "newest", "most_reused"]},
            "suggestion": {**_nullable("string"), "description": "»Meinten Sie …?«"},
            "fuzzy": {"type": "boolean", "description": "Results come from close spellings."},
            "facets": {
                "type": "object",
                "description": "Facet field → value → count (each ignores its own filter).",
                "additionalProperties": {"type": "object", "additionalProperties": INTEGER},
            },
        }
    ),
    "Match": _obj(
        {
            "band": {"type": "string", "enum": ["strong", "possible", "weak"]},
            "band_label": STRING,
            "score": {"type": "number"},
            "reasons": STRINGS,
            "solution": _ref("SolutionSummary"),
        }
    ),
    "MatchResult": _obj(
        {
            "has_strong": {
                "type": "boolean",
                "description": "False: nothing fits well — a demand signal, not an error.",
            },
            "matches": {"type": "array", "items": _ref("Match")},
        }
    ),
    "MunicipalityList": _obj({"items": {"type": "array", "items": _ref("Municipality")}}),
    "Error": _obj(
        {
            "error": _obj(
                {
                    "status": INTEGER,
                    "code": STRING,
                    "message": {**STRING, "description": "German, safe to show to people."},
                    "details": {
                        "type": "object",
                        "additionalProperties": STRING,
                        "description": "Parameter → problem (for invalid parameters).",
                    },
                }
            )
        }
    ),
}
SCHEMAS["SolutionDetail"] = _obj(
    {
        **SCHEMAS["SolutionSummary"]["properties"],
        "problem": STRING,
        "description_markdown": STRING,
        "lead_organisation": STRING,
        "partners": {"type": "array", "items": _ref("MunicipalityRef")},
        "partner_organisations": STRINGS,
        "ozg_references": STRINGS,
        "leika_keys": STRINGS,
        "technology": STRING,
        "products": STRING,
        "licence": STRING,
        "repository_url": _nullable("string"),
        "publiccode_url": {
            **_nullable("string"),
            "description": "publiccode.yml of the solution (software only; see the standard "
            "at https://yml.publiccode.tools/).",
        },
        "effort_person_days": _nullable("integer"),
        "cost_eur": _nullable("integer"),
        "funding": STRING,
        "duration_months": _nullable("integer"),
        "links": {"type": "array", "items": _ref("Link")},
        "version": INTEGER,
        "updated_at": TIMESTAMP,
        "reports": {"type": "array", "items": _ref("Report")},
        "reuses": {"type": "array", "items": _ref("Reuse")},
    }
)


def _query(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


ERRORS = {
    "400": _json("Error", "Invalid parameters (`details` names them)."),
    "429": _json("Error", "Rate limit (120 requests per minute and address) exceeded."),
}
PAGE = _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1})
PER_PAGE = _query(
    "per_page", "Entries per page (default 20).", {"type": "integer", "minimum": 1, "maximum": 100}
)
CATEGORY = {"type": "string", "enum": list(CATEGORIES)}


def document(base_url: str) -> dict[str, Any]:
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
    return {
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
        "servers": [{"url": base_url.rstrip("/") + "/api/v1"}],
        "paths": {
            "/solutions": {
                "get": {
                    "summary": "Published solutions, newest first",
                    "operationId": "listSolutions",
                    "parameters": [*list_filters, PAGE, PER_PAGE],
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
                        _query("q", "Search words (up to 200 characters).", STRING),
                        *search_filters,
                        _query(
                            "sortierung",
                            "Order.",
                            {"type": "string", "enum": ["relevance", "newest", "most_reused"]},
                        ),
                        PAGE,
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
                            STRING,
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
