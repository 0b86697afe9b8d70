"""Building blocks of the OpenAPI 3.1 document: the component schemas, parameter and
response helpers and the common error responses (``openapi.document`` assembles them).

Every object schema lists all its properties as required and forbids others, and
`tests/catalogue/test_api.py` validates real responses against these schemas, so the document
cannot drift from `serializers`.
"""

from __future__ import annotations

from typing import Any

from catalogue.categories import CATEGORIES
from catalogue.fields import REPORT_SPEC, SOLUTION_SPEC, Api
from search_index.schema import SORTS

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
            **{f.json_key: f.api_schema() for f in SOLUTION_SPEC.where(api=Api.SUMMARY)},
            "category": _ref("Label"),
            "kind": _ref("Label"),
            "project_status": _ref("Label"),
            "readiness": _ref("Label"),
            "municipality": _ref("MunicipalityRef"),
            "tags": STRINGS,
            "reuse_count": {
                **INTEGER,
                "description": "Municipalities reusing it (in Prüfung, Pilot or im Betrieb; "
                "an interest is no reuse).",
            },
            "is_demo": {"type": "boolean", "description": "Fictional example content."},
            "published_at": TIMESTAMP,
            "url": {"type": "string", "format": "uri"},
            "api_url": {"type": "string", "format": "uri"},
        }
    ),
    "Report": _obj(
        {
            "id": INTEGER,
            **{f.json_key: f.api_schema() for f in REPORT_SPEC.where(api=Api.DETAIL)},
            "role": _ref("Label"),
            "municipality": _ref("MunicipalityRef"),
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
            "sort": {"type": "string", "enum": list(SORTS)},
            "suggestion": {**_nullable("string"), "description": "»Meinten Sie …?«"},
            "suggestion_total": {
                **_nullable("integer"),
                "description": "Hits of the suggestion (without filters); null without one.",
            },
            "fuzzy": {"type": "boolean", "description": "Results come from close spellings."},
            "corrections": {
                "type": "object",
                "description": "Typed word → spelling the results were found with.",
                "additionalProperties": STRING,
            },
            "relaxed": {
                "type": "boolean",
                "description": "Any-word fallback: not every word occurs in each hit (ranked by "
                "how much of the query a hit covers).",
            },
            "broadened": {
                "type": "boolean",
                "description": "One part of a compound stood in for the whole word.",
            },
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
        **{f.json_key: f.api_schema() for f in SOLUTION_SPEC.where(api=Api.DETAIL)},
        "partners": {"type": "array", "items": _ref("MunicipalityRef")},
        "publiccode_url": {
            **_nullable("string"),
            "description": "publiccode.yml of the solution (software only; see the standard "
            "at https://yml.publiccode.tools/).",
        },
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
    "400": _json(
        "Error",
        "Invalid parameters (`details` names them), or control characters such as NUL in the "
        "path or query string.",
    ),
    "429": {
        **_json(
            "Error",
            "Rate limit (120 requests per minute and client address) exceeded; retry after the "
            "number of seconds in `Retry-After`.",
        ),
        "headers": {
            "Retry-After": {
                "description": "Seconds until the limit resets.",
                "schema": {"type": "integer"},
            },
            "X-RateLimit-Limit": {
                "description": "Requests allowed in the window.",
                "schema": {"type": "integer"},
            },
            "X-RateLimit-Remaining": {
                "description": "Requests left in the window.",
                "schema": {"type": "integer"},
            },
            "X-RateLimit-Reset": {
                "description": "When the window resets (Unix time, seconds).",
                "schema": {"type": "integer"},
            },
        },
    },
}


# Control characters other than tab and line breaks are refused (400) in every parameter.
_CONTROLS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
CONTROL_FREE = rf"^[^{_CONTROLS}]*$"
# Free text that is more than white space.
NEED_TEXT = {
    "type": "string",
    "minLength": 1,
    "maxLength": 5000,
    "pattern": rf"^[^{_CONTROLS}]*[^\s{_CONTROLS}][^{_CONTROLS}]*$",
}


def _parameter_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Text parameters refuse control characters; a choice may also be empty, which means
    "no filter" (as an HTML form sends it)."""
    if schema.get("type") == "string" and "enum" in schema:
        return {**schema, "enum": [*schema["enum"], *([""] if "" not in schema["enum"] else [])]}
    if schema.get("type") == "string":
        return {**schema, "pattern": schema.get("pattern", CONTROL_FREE)}
    if schema.get("type") == "array" and "items" in schema:
        return {**schema, "items": _parameter_schema(schema["items"])}
    return schema


def with_common_responses(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation can be refused for bad input (400) and for the rate limit (429): add
    both wherever an operation does not describe them itself, and state in every text
    parameter that control characters are not accepted."""
    for operations in paths.values():
        for operation in operations.values():
            for status, response in ERRORS.items():
                operation["responses"].setdefault(status, response)
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _parameter_schema(parameter["schema"])
    return paths


def _page(maximum: int) -> dict[str, Any]:
    return _query(
        "page",
        f"Page number, from 1 (at most {maximum}).",
        {"type": "integer", "minimum": 1, "maximum": maximum},
    )


PER_PAGE = _query(
    "per_page", "Entries per page (default 20).", {"type": "integer", "minimum": 1, "maximum": 100}
)
CATEGORY = {"type": "string", "enum": list(CATEGORIES)}

# The page parameter of list endpoints with a deep but bounded page range.
PAGE = _page(10_000)
