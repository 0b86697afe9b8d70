"""Read-only JSON API `/api/v1` for municipal IT and portals: solutions, search, need matching,
municipalities, and its OpenAPI document.

Views are thin: parse and check the query string, call one service, serialize explicitly
(`serializers`). Every error, including unknown routes under /api/ and rate limits, uses one
envelope: `{"error": {"status", "code", "message", "details"}}` with a German message. The API
is anonymous and public: it never uses a session, so it shows exactly what visitors see.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import HTTPException

from catalogue import http_errors
from catalogue.api import openapi_exchange, serializers
from catalogue.categories import CATEGORIES
from catalogue.errors import NotFound, ValidationFailed
from catalogue.extensions import csrf, limiter
from catalogue.models import ProjectStatus, SolutionKind
from catalogue.services import catalogue as catalogue_service
from catalogue.services import needs as needs_service
from catalogue.services import search as search_service
from search_index.schema import SORT_RELEVANCE, SORTS

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # GET only; no session is used
limiter.limit("120 per minute")(bp)

MAX_PER_PAGE = 100
MAX_MATCH_TEXT = 5000


def error_response(status: int, message: str | None = None, details: Any = None) -> Response:
    body = {
        "error": {
            "status": status,
            "code": http_errors.api_code(status),
            "message": message or http_errors.api_message(status) or "Fehler.",
            "details": details or {},
        }
    }
    response = jsonify(body)
    response.status_code = status
    return response


def is_api_request() -> bool:
    return request.path == "/api/v1" or request.path.startswith("/api/")


def _anonymous() -> AnonymousUserMixin:
    return AnonymousUserMixin()


def _int_arg(name: str, default: int, low: int, high: int, errors: dict[str, str]) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = f"»{name}« muss eine ganze Zahl sein."
        return default
    if not low <= value <= high:
        errors[name] = f"»{name}« muss zwischen {low} und {high} liegen."
        return default
    return value


def _choice_arg(
    name: str, allowed: set[str] | Callable[[], set[str]], errors: dict[str, str]
) -> str | None:
    """The parameter's value if it is one of `allowed` (a set, or a function giving it, called
    only when the parameter is present)."""
    raw = request.args.get(name) or None
    if raw is None:
        return None
    if callable(allowed):
        allowed = allowed()
    if raw not in allowed:
        errors[name] = f"Unbekannter Wert »{raw}« für »{name}«."
        return None
    return raw


_E = TypeVar("_E", bound=Enum)


def _enum_arg(name: str, enum: type[_E], errors: dict[str, str]) -> _E | None:
    value = _choice_arg(name, {m.value for m in enum}, errors)
    return enum(value) if value else None


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(errors, "Die Anfrage enthält ungültige Parameter.")


def list_filters(errors: dict[str, str]) -> catalogue_service.SolutionFilters:
    """The solution list's filters from the query string (also used by the exports)."""
    return catalogue_service.SolutionFilters(
        category=_choice_arg("kategorie", set(CATEGORIES), errors),
        kreis=_choice_arg("kreis", lambda: {k.ags for k in catalogue_service.kreise()}, errors),
        municipality=_choice_arg(
            "kommune", lambda: {m.ags for m in catalogue_service.municipality_choices()}, errors
        ),
        kind=_enum_arg("art", SolutionKind, errors),
        status=_enum_arg("status", ProjectStatus, errors),
    )


@bp.get("/solutions")
def solutions():
    errors: dict[str, str] = {}
    filters = list_filters(errors)
    number = _int_arg("page", 1, 1, 10_000, errors)
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE, errors)
    _raise_if(errors)
    result = catalogue_service.list_solutions(filters, page=number, per_page=per_page)
    counts = catalogue_service.reuse_counts([s.id for s in result.items])
    items = [serializers.solution_summary(s, counts.get(s.id, 0)) for s in result.items]
    return jsonify(
        serializers.page(items, number=result.page, per_page=per_page, total=result.total)
    )


@bp.get("/solutions/<slug>")
def solution(slug: str):
    item = catalogue_service.get_solution(slug, _anonymous())
    counts = catalogue_service.reuse_counts([item.id])
    return jsonify(
        serializers.solution_detail(
            item,
            catalogue_service.published_reports(item.id),
            catalogue_service.reuses_of(item.id),
            counts.get(item.id, 0),
        )
    )


@bp.get("/search")
def search():
    errors: dict[str, str] = {}
    text = (request.args.get("q") or "").strip()
    if len(text) > 200:
        errors["q"] = "Der Suchtext darf höchstens 200 Zeichen lang sein."
    sort = _choice_arg("sortierung", set(SORTS), errors) or SORT_RELEVANCE
    number = _int_arg("page", 1, 1, 500, errors)
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE, errors)
    _raise_if(errors)
    filters = search_service.filters_from_params(request.args.getlist)
    outcome = search_service.search_catalogue(
        actor=_anonymous(), text=text, filters=filters, sort=sort, page=number, per_page=per_page
    )
    counts = catalogue_service.reuse_counts([i.solution.id for i in outcome.items])
    return jsonify(serializers.search_outcome(outcome, counts))


@bp.get("/match")
def match():
    errors: dict[str, str] = {}
    text = (request.args.get("text") or "").strip()
    if not text:
        errors["text"] = "Bitte beschreiben Sie Ihren Bedarf im Parameter »text«."
    elif len(text) > MAX_MATCH_TEXT:
        errors["text"] = f"Der Text darf höchstens {MAX_MATCH_TEXT} Zeichen lang sein."
    category = _choice_arg("kategorie", set(CATEGORIES), errors)
    _raise_if(errors)
    outcome = needs_service.match_text(text, category=category)
    counts = catalogue_service.reuse_counts([m.solution.id for m in outcome.matches])
    return jsonify(serializers.match_outcome(outcome, counts))


@bp.get("/municipalities")
def municipalities():
    counts = catalogue_service.contribution_counts()
    return jsonify(
        {
            "items": [
                serializers.municipality(m, counts.get(m.ags, 0))
                for m in catalogue_service.all_municipalities()
            ]
        }
    )


@bp.get("/openapi.json")
def openapi_document():
    # The core document (openapi.py) plus the exchange endpoints.
    return jsonify(openapi_exchange.document())


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    return error_response(404, error.message or http_errors.api_message(404))


@bp.errorhandler(ValidationFailed)
def _invalid(error: ValidationFailed):
    return error_response(400, error.message, error.errors)


@bp.after_request
def _public_headers(response: Response) -> Response:
    # Public, anonymous, read-only data: portals may fetch it from their own pages.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def init_app(app: Flask) -> None:
    from catalogue.api import exchange  # noqa: F401  (adds its routes to bp)

    if isinstance(app.json, DefaultJSONProvider):  # the app keeps Flask's provider
        app.json.ensure_ascii = False  # readable German in responses (UTF-8)
    app.register_blueprint(bp)


def http_error(error: HTTPException) -> Response:
    """JSON envelope for HTTP errors under /api/ (called by the app-wide handler); keeps the
    rate limiter's ``Retry-After`` and ``X-RateLimit-*`` headers."""
    status = error.code or 500
    message = http_errors.api_message(status)
    response = error_response(status, message)
    original = error.get_response()
    for name, value in original.headers.items():
        if name.lower() == "retry-after" or name.lower().startswith("x-ratelimit"):
            response.headers[name] = value
    return response
