"""API endpoints for open data exchange: the index document, a municipality with what it offers,
reuses and needs, public needs, reuse records, table exports; plus conditional requests
(ETag / Last-Modified) and pagination links for every list.

Registered on the API blueprint (same error envelope, rate limit and CORS headers). Thin views:
parse, call one service, serialize here explicitly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, jsonify, request, url_for

from catalogue.api import (
    _anonymous,
    _choice_arg,
    _enum_arg,
    _int_arg,
    _raise_if,
    bp,
    list_filters,
    openapi,
    serializers,
)
from catalogue.categories import category_label
from catalogue.errors import NotFound
from catalogue.exchange import tables
from catalogue.models import Need, NeedStatus, Reuse, ReuseStatus
from catalogue.services import catalogue as catalogue_service
from catalogue.services import exports, open_data
from catalogue.services.pagination import Page

MAX_PER_PAGE = 100
DATASETS = ("solutions", "municipalities", "reuses", "needs")


def _url(endpoint: str, **values: Any) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def page_links(endpoint: str, result: Page, **values: Any) -> dict[str, str | None]:
    """first/prev/self/next/last of a paginated list, keeping the query parameters."""
    args = {k: v for k, v in request.args.items() if k != "page"}

    def link(number: int) -> str:
        return _url(endpoint, **values) + "?" + urlencode({**args, "page": number})

    return {
        "self": link(result.page),
        "first": link(1),
        "prev": link(result.page - 1) if result.has_prev else None,
        "next": link(result.page + 1) if result.page < result.pages else None,
        "last": link(result.pages),
    }


def paged(items: list[dict[str, Any]], result: Page, links: dict[str, str | None]) -> Response:
    body = {
        **serializers.page(items, number=result.page, per_page=result.per_page, total=result.total),
        "links": links,
    }
    response = jsonify(body)
    # RFC 8288 Link header, as GitHub and most JSON APIs do.
    response.headers["Link"] = ", ".join(
        f'<{url}>; rel="{rel}"' for rel, url in links.items() if url and rel != "self"
    )
    return response


def need(n: Need) -> dict[str, Any]:
    return {
        "id": n.id,
        "title": n.title,
        "text": n.text,
        "category": {"value": n.category, "label": category_label(n.category)}
        if n.category
        else None,
        "tags": [t.strip() for t in n.tags.split(",") if t.strip()],
        "status": serializers._enum(n.status),
        "municipality": serializers.municipality_ref(n.municipality),
        "created_at": serializers._timestamp(n.created_at),
        "updated_at": serializers._timestamp(n.updated_at),
        "api_url": _url("api.need_detail", need_id=n.id),
    }


def reuse_record(r: Reuse, reuse_counts: dict[int, int]) -> dict[str, Any]:
    return {
        "id": r.id,
        "solution": serializers.solution_summary(r.solution, reuse_counts.get(r.solution_id, 0)),
        "municipality": serializers.municipality_ref(r.municipality),
        "status": serializers._enum(r.status),
        "confirmed": r.confirmed_at is not None,
        "ended_reason": r.ended_reason,
        "updated_at": serializers._timestamp(r.updated_at),
    }


@bp.get("")
@bp.get("/")
def index():
    """Entry document: where everything is (HATEOAS-style links)."""
    return jsonify(
        {
            "title": "Lösungskatalog API",
            "description": "Öffentliche, lesende Schnittstelle des Lösungskatalogs "
            f"des {current_app.config['OPERATOR_NAME']}.",
            "version": openapi.VERSION,
            "links": {
                "openapi": _url("api.openapi_document"),
                "solutions": _url("api.solutions"),
                "search": _url("api.search"),
                "match": _url("api.match"),
                "municipalities": _url("api.municipalities"),
                "municipality": _url("api.municipality", ags="00000000").replace(
                    "00000000", "{ags}"
                ),
                "needs": _url("api.needs"),
                "reuses": _url("api.reuses"),
                "feed": _url("public.solutions_feed"),
                "exports": {
                    name: {
                        fmt: _url("api.export", dataset=name, fmt=fmt) for fmt in ("csv", "xlsx")
                    }
                    for name in DATASETS
                },
            },
        }
    )


@bp.get("/municipalities/<ags>")
def municipality(ags: str):
    """What a municipality offers, is partner in, reuses and needs — in one answer."""
    overview = open_data.municipality_overview(ags)
    profile, counts = overview.profile, overview.reuse_counts
    m = profile.municipality
    return jsonify(
        {
            **serializers.municipality(m, len(profile.offers)),
            "type_label": m.type_label,
            "kreis": serializers.municipality_ref(m.kreis) if m.kreis else None,
            "members": [serializers.municipality_ref(x) for x in profile.members],
            "offers": [
                serializers.solution_summary(s, counts.get(s.id, 0)) for s in profile.offers
            ],
            "partner_in": [
                serializers.solution_summary(s, counts.get(s.id, 0)) for s in profile.partner_in
            ],
            "reuses": [reuse_record(r, counts) for r in profile.reuses],
            "needs": [need(n) for n in overview.needs],
        }
    )


@bp.get("/needs")
def needs():
    errors: dict[str, str] = {}
    municipality_ags = _choice_arg(
        "kommune", lambda: {m.ags for m in catalogue_service.all_municipalities()}, errors
    )
    status = _enum_arg("status", NeedStatus, errors)
    number = _int_arg("page", 1, 1, 10_000, errors)
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE, errors)
    _raise_if(errors)
    result = open_data.public_needs(
        municipality=municipality_ags, status=status, page=number, per_page=per_page
    )
    return paged([need(n) for n in result.items], result, page_links("api.needs", result))


@bp.get("/needs/<int:need_id>")
def need_detail(need_id: int):
    return jsonify(need(open_data.public_need(need_id)))


@bp.get("/reuses")
def reuses():
    errors: dict[str, str] = {}
    municipality_ags = _choice_arg(
        "kommune", lambda: {m.ags for m in catalogue_service.all_municipalities()}, errors
    )
    status = _enum_arg("status", ReuseStatus, errors)
    number = _int_arg("page", 1, 1, 10_000, errors)
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE, errors)
    _raise_if(errors)
    result = open_data.public_reuses(
        municipality=municipality_ags, status=status, page=number, per_page=per_page
    )
    counts = catalogue_service.reuse_counts([r.solution_id for r in result.items])
    items = [reuse_record(r, counts) for r in result.items]
    return paged(items, result, page_links("api.reuses", result))


@bp.get("/exports/<dataset>.<fmt>")
def export(dataset: str, fmt: str):
    """The page exports as files; anonymous, so needs are the public ones only."""
    if dataset not in DATASETS:
        raise NotFound(f"Den Datensatz »{dataset}« gibt es nicht. Möglich: {', '.join(DATASETS)}.")
    base_url = current_app.config["BASE_URL"]
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Dieses Dateiformat gibt es nicht. Möglich sind csv und xlsx.")
    if dataset == "solutions":
        errors: dict[str, str] = {}
        filters = list_filters(errors)
        _raise_if(errors)
        table = exports.solutions_table(filters, base_url=base_url)
    elif dataset == "municipalities":
        table = exports.municipalities_table(base_url=base_url)
    elif dataset == "reuses":
        table = exports.reuses_table(base_url=base_url)
    else:
        table = exports.needs_table(actor=_anonymous())
    content, mimetype = tables.render(table, fmt)
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{dataset}.{fmt}"'
    return response


def conditional(response: Response) -> Response:
    """ETag (hash of the body) and Last-Modified for successful GETs; answers 304 when the
    client's copy is current. ETag wins over If-Modified-Since (RFC 9110)."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.direct_passthrough:
        return response
    response.add_etag()
    changed = open_data.last_change()
    if changed is not None:
        response.last_modified = changed
    response.headers.setdefault("Cache-Control", "no-cache")
    response.make_conditional(request)  # in place (304 or 206 where the request allows it)
    return response


bp.after_request(conditional)
