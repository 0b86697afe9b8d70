"""OpenAPI parts of the exchange endpoints (index, municipality detail, needs, reuse records,
exports); ``document`` is the whole API document (``openapi.document`` plus these). Same conventions as there: every
property required, no others allowed, real responses validated against these in the tests."""

from __future__ import annotations

from typing import Any

from catalogue.api import openapi
from catalogue.api.openapi_parts import (
    ERRORS,
    INTEGER,
    PAGE,
    PER_PAGE,
    STRING,
    STRINGS,
    TIMESTAMP,
    _json,
    _nullable,
    _obj,
    _query,
    _ref,
    with_common_responses,
)
from catalogue.models import NeedStatus, ReuseStatus

URI = {"type": "string", "format": "uri"}
NULLABLE_URI = {"type": ["string", "null"], "format": "uri"}
DATASETS = ["solutions", "municipalities", "reuses", "needs"]

SCHEMAS: dict[str, Any] = {
    "PageLinks": _obj(
        {
            "self": URI,
            "first": URI,
            "prev": NULLABLE_URI,
            "next": NULLABLE_URI,
            "last": URI,
        },
        "Links to pages of this list (also sent as an RFC 8288 `Link` header).",
    ),
    "Need": _obj(
        {
            "id": {**INTEGER, "description": "Stable id."},
            "title": STRING,
            "text": STRING,
            "category": {"oneOf": [_ref("Label"), {"type": "null"}]},
            "tags": STRINGS,
            "status": _ref("Label"),
            "municipality": _ref("MunicipalityRef"),
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "api_url": URI,
        },
        "A public need (Bedarf) of a municipality, in its own words.",
    ),
    "ReuseRecord": _obj(
        {
            "id": {**INTEGER, "description": "Stable id."},
            "solution": _ref("SolutionSummary"),
            "municipality": _ref("MunicipalityRef"),
            "status": _ref("Label"),
            "confirmed": {"type": "boolean", "description": "Confirmed by the DigitalBüro."},
            "ended_reason": STRING,
            "updated_at": TIMESTAMP,
        },
        "Municipality X reuses solution Y, with its lifecycle state.",
    ),
}
SCHEMAS["NeedPage"] = _obj(
    {
        "items": {"type": "array", "items": _ref("Need")},
        "page": INTEGER,
        "per_page": INTEGER,
        "total": INTEGER,
        "links": _ref("PageLinks"),
    }
)
SCHEMAS["ReusePage"] = _obj(
    {
        "items": {"type": "array", "items": _ref("ReuseRecord")},
        "page": INTEGER,
        "per_page": INTEGER,
        "total": INTEGER,
        "links": _ref("PageLinks"),
    }
)
SCHEMAS["MunicipalityDetail"] = _obj(
    {
        "ags": STRING,
        "name": STRING,
        "url": URI,
        "kind": _ref("Label"),
        "kreis_ags": _nullable("string"),
        "population": _nullable("integer"),
        "published_solutions": INTEGER,
        "type_label": STRING,
        "kreis": {"oneOf": [_ref("MunicipalityRef"), {"type": "null"}]},
        "members": {"type": "array", "items": _ref("MunicipalityRef")},
        "offers": {
            "type": "array",
            "items": _ref("SolutionSummary"),
            "description": "Published solutions it leads.",
        },
        "partner_in": {"type": "array", "items": _ref("SolutionSummary")},
        "reuses": {"type": "array", "items": _ref("ReuseRecord")},
        "needs": {"type": "array", "items": _ref("Need"), "description": "Public needs only."},
    },
    "What a municipality offers, reuses and needs, in one answer.",
)
SCHEMAS["ApiIndex"] = _obj(
    {
        "title": STRING,
        "description": STRING,
        "version": STRING,
        "links": {
            "type": "object",
            "additionalProperties": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                        },
                    },
                ]
            },
        },
    },
    "Entry document with links to every resource.",
)

CONDITIONAL = {
    "304": {"description": "Not modified (`If-None-Match` / `If-Modified-Since` matched)."}
}
MUNICIPALITY_FILTER = _query("kommune", "AGS of the municipality.", STRING)


def _list(schema: str, summary: str, op: str, status_enum: list[str]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "operationId": op,
            "parameters": [
                MUNICIPALITY_FILTER,
                _query("status", "Lifecycle state.", {"type": "string", "enum": status_enum}),
                PAGE,
                PER_PAGE,
            ],
            "responses": {"200": _json(schema, "One page."), **CONDITIONAL, **ERRORS},
        }
    }


def paths() -> dict[str, Any]:
    return {
        "/": {
            "get": {
                "summary": "Index with links to every resource",
                "operationId": "apiIndex",
                "responses": {"200": _json("ApiIndex", "Links."), "429": ERRORS["429"]},
            }
        },
        "/municipalities/{ags}": {
            "get": {
                "summary": "A municipality with what it offers, reuses and needs",
                "operationId": "getMunicipality",
                "parameters": [{"name": "ags", "in": "path", "required": True, "schema": STRING}],
                "responses": {
                    "200": _json("MunicipalityDetail", "The municipality."),
                    **CONDITIONAL,
                    "404": _json("Error", "No municipality with this AGS."),
                    "429": ERRORS["429"],
                },
            }
        },
        "/needs": _list(
            "NeedPage", "Public needs, newest first", "listNeeds", [s.value for s in NeedStatus]
        ),
        "/needs/{need_id}": {
            "get": {
                "summary": "One public need",
                "operationId": "getNeed",
                "parameters": [
                    {"name": "need_id", "in": "path", "required": True, "schema": INTEGER}
                ],
                "responses": {
                    "200": _json("Need", "The need."),
                    **CONDITIONAL,
                    "404": _json("Error", "No public need with this id."),
                    "429": ERRORS["429"],
                },
            }
        },
        "/reuses": _list(
            "ReusePage",
            "Reuse records of published solutions",
            "listReuses",
            [s.value for s in ReuseStatus],
        ),
        "/exports/{dataset}.{fmt}": {
            "get": {
                "summary": "A dataset as a spreadsheet file (CSV: UTF-8 with BOM, `;`; or XLSX)",
                "operationId": "exportDataset",
                "description": "`solutions` accepts the filters of `/solutions`; `needs` "
                "contains public needs only.",
                "parameters": [
                    {
                        "name": "dataset",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": DATASETS},
                    },
                    {
                        "name": "fmt",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": ["csv", "xlsx"]},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The file.",
                        "content": {
                            "text/csv": {"schema": {"type": "string"}},
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                                "schema": {"type": "string", "format": "binary"}
                            },
                        },
                    },
                    **CONDITIONAL,
                    "404": _json("Error", "Unknown dataset or format."),
                    **ERRORS,
                },
            }
        },
    }


def document() -> dict[str, Any]:
    """The served OpenAPI document: the core API and the exchange endpoints."""
    doc = openapi.document()
    doc["paths"].update(with_common_responses(paths()))
    doc["components"]["schemas"] = {**doc["components"]["schemas"], **SCHEMAS}
    return doc
