"""Public read models for the API's exchange endpoints: public needs, reuse records, a
municipality's offers / reuses / needs in one place, and the time of the newest change.

Read-only and anonymous: everything returned here is what a visitor may see (published
solutions, public needs). Views serialize; they never query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.db import db
from catalogue.errors import NotFound
from catalogue.models import (
    ContentState,
    ExperienceReport,
    Need,
    NeedStatus,
    NeedVisibility,
    Reuse,
    ReuseStatus,
    Solution,
)
from catalogue.services import catalogue as catalogue_service
from catalogue.services import municipalities as municipality_service
from catalogue.services.pagination import Page

_T = TypeVar("_T")


def _public_needs() -> sa.Select[tuple[Need]]:
    return (
        sa.select(Need)
        .where(Need.visibility == NeedVisibility.PUBLIC)
        .options(orm.selectinload(Need.municipality))
    )


def _page(
    query: sa.Select[tuple[_T]],
    order_by: Sequence[sa.ColumnExpressionArgument[Any]],
    page: int,
    per_page: int,
) -> Page[_T]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    rows = db.session.scalars(
        query.order_by(*order_by).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


def public_needs(
    *, municipality: str | None, status: NeedStatus | None, page: int, per_page: int
) -> Page[Need]:
    query = _public_needs()
    if municipality:
        query = query.where(Need.municipality_ags == municipality)
    if status:
        query = query.where(Need.status == status)
    return _page(query, (Need.created_at.desc(), Need.id.desc()), page, per_page)


def public_need(need_id: int) -> Need:
    need = db.session.scalar(_public_needs().where(Need.id == need_id))
    if need is None:
        raise NotFound("Diesen Bedarf gibt es nicht oder er ist nicht öffentlich.")
    return need


def _public_reuses() -> sa.Select[tuple[Reuse]]:
    return (
        sa.select(Reuse)
        .join(Reuse.solution)
        .where(Solution.state == ContentState.PUBLISHED, Solution.revision_of_id.is_(None))
        .options(
            orm.contains_eager(Reuse.solution).selectinload(Solution.lead_municipality),
            orm.contains_eager(Reuse.solution).selectinload(Solution.tags),
            orm.selectinload(Reuse.municipality),
        )
    )


def public_reuses(
    *, municipality: str | None, status: ReuseStatus | None, page: int, per_page: int
) -> Page[Reuse]:
    query = _public_reuses()
    if municipality:
        query = query.where(Reuse.municipality_ags == municipality)
    if status:
        query = query.where(Reuse.status == status)
    return _page(query, (Reuse.id,), page, per_page)


@dataclass
class MunicipalityOverview:
    """What a municipality offers, reuses and needs — the DigitalBüro's question in one answer."""

    profile: municipality_service.MunicipalityProfile
    needs: list[Need]
    reuse_counts: dict[int, int]


def municipality_overview(ags: str) -> MunicipalityOverview:
    profile = municipality_service.municipality_profile(ags)
    needs = list(
        db.session.scalars(
            _public_needs()
            .where(Need.municipality_ags == ags)
            .order_by(Need.created_at.desc(), Need.id.desc())
        )
    )
    ids = [s.id for s in profile.offers + profile.partner_in] + [
        r.solution_id for r in profile.reuses
    ]
    return MunicipalityOverview(profile, needs, catalogue_service.reuse_counts(ids))


def last_change() -> datetime | None:
    """The newest change of published content, reuse records or needs (for Last-Modified)."""
    stamps = [
        db.session.scalar(sa.select(sa.func.max(column)))
        for column in (
            Solution.updated_at,
            ExperienceReport.updated_at,
            Reuse.updated_at,
            Need.updated_at,
        )
    ]
    known = [s for s in stamps if s is not None]
    return max(known) if known else None


@dataclass(frozen=True)
class SitemapEntry:
    endpoint: str
    values: dict[str, Any]
    lastmod: datetime | None = None


def sitemap_entries() -> list[SitemapEntry]:
    """Every public page worth indexing: published solutions, municipalities, public needs."""
    entries = [
        SitemapEntry(endpoint, {})
        for endpoint in (
            "public.index",
            "public.solutions",
            "public.municipalities",
            "needs.index",
            "needs.describe",
            "pages.interfaces",
            "pages.easy_language",
            "pages.impressum",
            "pages.privacy",
            "pages.accessibility",
        )
    ]
    entries += [
        SitemapEntry("public.solution", {"slug": slug}, changed)
        for slug, changed in db.session.execute(
            sa.select(Solution.slug, Solution.updated_at)
            .where(Solution.state == ContentState.PUBLISHED, Solution.revision_of_id.is_(None))
            .order_by(Solution.id)
        )
    ]
    entries += [
        SitemapEntry("public.municipality", {"ags": m.ags})
        for m in catalogue_service.all_municipalities()
    ]
    entries += [
        SitemapEntry("needs.detail", {"need_id": need_id}, changed)
        for need_id, changed in db.session.execute(
            sa.select(Need.id, Need.updated_at)
            .where(Need.visibility == NeedVisibility.PUBLIC)
            .order_by(Need.id)
        )
    ]
    return entries
