"""Explicit JSON serializers of the public API (no `Model.to_dict()`).

Owns the shape of every API object; `catalogue/api/openapi.py` documents the same shapes and a
test validates real responses against that document. Only public fields: no contact persons, no
authors, no unpublished content. Enumerations are given as stable `value` plus German `label`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, url_for

from catalogue.categories import category_label
from catalogue.fields import REPORT_SPEC, SOLUTION_SPEC, Api
from catalogue.models import ExperienceReport, Municipality, Reuse, Solution, SolutionKind
from catalogue.services.needs import MatchOutcome
from catalogue.services.search import SearchOutcome


def _url(endpoint: str, **values: Any) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _enum(value: Any) -> dict[str, str]:
    return {"value": value.value, "label": value.label}


def _timestamp(value: datetime | None) -> str | None:
    """RFC 3339 with offset (OpenAPI ``date-time``); stored values are naive UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def municipality_ref(m: Municipality) -> dict[str, Any]:
    return {"ags": m.ags, "name": m.name, "url": _url("public.municipality", ags=m.ags)}


def municipality(m: Municipality, published_solutions: int) -> dict[str, Any]:
    return {
        **municipality_ref(m),
        "kind": _enum(m.kind),
        "kreis_ags": m.kreis_ags,
        "population": m.population,
        "published_solutions": published_solutions,
    }


def _spec_values(s: Solution, api: Api) -> dict[str, Any]:
    """The plain fields of the specification that the API shows in ``api``."""
    return {f.json_key: f.api_value(getattr(s, f.name)) for f in SOLUTION_SPEC.where(api=api)}


def solution_summary(s: Solution, reuse_count: int) -> dict[str, Any]:
    return {
        "id": s.id,
        "slug": s.slug,
        **_spec_values(s, Api.SUMMARY),
        "category": {"value": s.category, "label": category_label(s.category)},
        "kind": _enum(s.kind),
        "project_status": _enum(s.project_status),
        "readiness": _enum(s.readiness),
        "municipality": municipality_ref(s.lead_municipality),
        "tags": [t.name for t in s.tags],
        "reuse_count": reuse_count,
        "is_demo": s.is_demo,
        "published_at": _timestamp(s.published_at),
        "url": _url("public.solution", slug=s.slug),
        "api_url": _url("api.solution", slug=s.slug),
    }


def _report(r: ExperienceReport) -> dict[str, Any]:
    return {
        "id": r.id,
        **{f.json_key: f.api_value(getattr(r, f.name)) for f in REPORT_SPEC.where(api=Api.DETAIL)},
        "role": _enum(r.role),
        "municipality": municipality_ref(r.municipality),
        "published_at": _timestamp(r.published_at),
    }


def _reuse(r: Reuse) -> dict[str, Any]:
    return {
        "municipality": municipality_ref(r.municipality),
        "status": _enum(r.status),
        "confirmed": r.confirmed_at is not None,
    }


def solution_detail(
    s: Solution, reports: list[ExperienceReport], reuses: list[Reuse], reuse_count: int
) -> dict[str, Any]:
    return {
        **solution_summary(s, reuse_count),
        **_spec_values(s, Api.DETAIL),
        "partners": [municipality_ref(m) for m in s.partners],
        "publiccode_url": _url("exchange.publiccode", slug=s.slug)
        if s.kind == SolutionKind.SOFTWARE
        else None,
        "links": [{"title": link.title, "url": link.url} for link in s.links],
        "version": s.version,
        "updated_at": _timestamp(s.updated_at),
        "reports": [_report(r) for r in reports],
        "reuses": [_reuse(r) for r in reuses],
    }


def page(items: list[dict[str, Any]], *, number: int, per_page: int, total: int) -> dict[str, Any]:
    return {"items": items, "page": number, "per_page": per_page, "total": total}


def search_outcome(outcome: SearchOutcome, reuse_counts: dict[int, int]) -> dict[str, Any]:
    hits = []
    for item in outcome.items:
        hits.append(
            {
                "type": item.kind,
                "score": round(item.score, 4),
                "solution": solution_summary(item.solution, reuse_counts.get(item.solution.id, 0)),
                "report": (
                    {"id": item.report.id, "title": item.report.title} if item.report else None
                ),
                "highlights": item.highlights,
            }
        )
    return {
        **page(hits, number=outcome.page, per_page=outcome.per_page, total=outcome.total),
        "query": outcome.text,
        "sort": outcome.sort,
        "suggestion": outcome.suggestion,
        "suggestion_total": outcome.suggestion_total,
        "fuzzy": outcome.fuzzy,
        "corrections": outcome.corrections,
        "relaxed": outcome.relaxed,
        "broadened": outcome.broadened,
        "facets": outcome.facets,
    }


def match_outcome(outcome: MatchOutcome, reuse_counts: dict[int, int]) -> dict[str, Any]:
    return {
        "has_strong": outcome.has_strong,
        "matches": [
            {
                "band": m.band,
                "band_label": m.band_label,
                "score": round(m.score, 4),
                "reasons": m.reasons,
                "solution": solution_summary(m.solution, reuse_counts.get(m.solution.id, 0)),
            }
            for m in outcome.matches
        ],
    }
