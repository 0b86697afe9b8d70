"""Read queries for the public catalogue pages: solution lists with filters, solution detail,
municipality directory, start-page figures (profile pages: ``services.municipalities``).

Only published content is returned to the public; these functions never write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.db import db
from catalogue.errors import NotFound
from catalogue.models import (
    ContentState,
    ExperienceReport,
    Municipality,
    MunicipalityKind,
    ProjectStatus,
    Reuse,
    ReuseStatus,
    Solution,
    SolutionKind,
)
from catalogue.permissions import Actor, can_view_solution
from catalogue.services.pagination import Page

PUBLIC_STATES = (ContentState.PUBLISHED, ContentState.ARCHIVED)


@dataclass(frozen=True)
class SolutionFilters:
    category: str | None = None
    kreis: str | None = None
    municipality: str | None = None
    kind: SolutionKind | None = None
    status: ProjectStatus | None = None

    @property
    def active(self) -> bool:
        return any(
            v is not None
            for v in (self.category, self.kreis, self.municipality, self.kind, self.status)
        )


def _published_solutions() -> sa.Select[tuple[Solution]]:
    return sa.select(Solution).where(
        Solution.state == ContentState.PUBLISHED, Solution.revision_of_id.is_(None)
    )


def list_solutions(filters: SolutionFilters, page: int = 1, per_page: int = 20) -> Page[Solution]:
    query = _published_solutions()
    if filters.category:
        query = query.where(Solution.category == filters.category)
    if filters.kind:
        query = query.where(Solution.kind == filters.kind)
    if filters.status:
        query = query.where(Solution.project_status == filters.status)
    if filters.municipality:
        query = query.where(
            sa.or_(
                Solution.lead_municipality_ags == filters.municipality,
                Solution.partners.any(Municipality.ags == filters.municipality),
            )
        )
    if filters.kreis:
        in_kreis = sa.select(Municipality.ags).where(
            sa.or_(Municipality.kreis_ags == filters.kreis, Municipality.ags == filters.kreis)
        )
        query = query.where(Solution.lead_municipality_ags.in_(in_kreis))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    rows = db.session.scalars(
        query.options(orm.selectinload(Solution.lead_municipality), orm.selectinload(Solution.tags))
        .order_by(Solution.published_at.desc(), Solution.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


def newest_solutions(limit: int = 6) -> list[Solution]:
    return list(
        db.session.scalars(
            _published_solutions()
            .options(orm.selectinload(Solution.lead_municipality))
            .order_by(Solution.published_at.desc(), Solution.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class KeyFigures:
    solutions: int
    reports: int
    municipalities_contributing: int
    municipalities_total: int
    reuses: int
    reuses_confirmed: int = 0  # of them, confirmed by the DigitalBüro
    interested: int = 0  # interests ("interessiert"), no reuse yet


def key_figures() -> KeyFigures:
    s = db.session
    published = Solution.state == ContentState.PUBLISHED
    # reuses under way, and of them those the DigitalBüro confirmed (COUNT skips NULLs); an
    # interest is counted apart: it is no reuse yet
    reuses, confirmed, interested = s.execute(
        sa.select(
            sa.func.count(Reuse.id).filter(Reuse.status.in_(ReuseStatus.started())),
            sa.func.count(Reuse.confirmed_at).filter(Reuse.status.in_(ReuseStatus.started())),
            sa.func.count(Reuse.id).filter(Reuse.status == ReuseStatus.INTERESTED),
        )
    ).one()
    return KeyFigures(
        solutions=s.scalar(
            sa.select(sa.func.count(Solution.id)).where(
                published, Solution.revision_of_id.is_(None)
            )
        )
        or 0,
        reports=s.scalar(
            sa.select(sa.func.count(ExperienceReport.id)).where(
                ExperienceReport.state == ContentState.PUBLISHED,
                ExperienceReport.revision_of_id.is_(None),
            )
        )
        or 0,
        # Kreise can lead solutions too, but they are not among the "municipalities_total".
        municipalities_contributing=s.scalar(
            # "… of 70": Kreise contribute too, but are not counted among the municipalities.
            sa.select(sa.func.count(sa.distinct(Solution.lead_municipality_ags)))
            .join(Solution.lead_municipality)
            .where(published, Municipality.kind != MunicipalityKind.KREIS)
        )
        or 0,
        municipalities_total=s.scalar(
            sa.select(sa.func.count(Municipality.ags)).where(
                Municipality.kind != MunicipalityKind.KREIS
            )
        )
        or 0,
        reuses=reuses or 0,
        reuses_confirmed=confirmed or 0,
        interested=interested or 0,
    )


def get_solution(slug: str, actor: Actor) -> Solution:
    solution = db.session.scalar(
        sa.select(Solution)
        .where(Solution.slug == slug)
        .options(
            orm.selectinload(Solution.tags),
            orm.selectinload(Solution.partners),
            orm.selectinload(Solution.links),
            orm.selectinload(Solution.contacts),
            orm.selectinload(Solution.attachments),
        )
    )
    if solution is None or not can_view_solution(actor, solution):
        raise NotFound("Diese Lösung gibt es nicht oder sie ist nicht öffentlich.")
    return solution


def published_reports(solution_id: int) -> list[ExperienceReport]:
    return list(
        db.session.scalars(
            sa.select(ExperienceReport)
            .where(
                ExperienceReport.solution_id == solution_id,
                ExperienceReport.state == ContentState.PUBLISHED,
                ExperienceReport.revision_of_id.is_(None),
            )
            .options(orm.selectinload(ExperienceReport.municipality))
            .order_by(ExperienceReport.role, ExperienceReport.published_at)
        )
    )


def reuses_of(solution_id: int) -> list[Reuse]:
    return list(
        db.session.scalars(
            sa.select(Reuse)
            .where(Reuse.solution_id == solution_id)
            .options(orm.selectinload(Reuse.municipality))
            .order_by(Reuse.status, Reuse.created_at)
        )
    )


def reuse_counts(solution_ids: list[int]) -> dict[int, int]:
    if not solution_ids:
        return {}
    rows = db.session.execute(
        sa.select(Reuse.solution_id, sa.func.count(Reuse.id))
        .where(Reuse.solution_id.in_(solution_ids), Reuse.status.in_(ReuseStatus.started()))
        .group_by(Reuse.solution_id)
    )
    return {sid: n for sid, n in rows}


# Municipalities -------------------------------------------------------------------------------


@dataclass
class KreisGroup:
    kreis: Municipality
    municipalities: list[Municipality] = field(default_factory=list)


def kreise() -> list[Municipality]:
    """Kreise and kreisfreie Städte — the top level of the regional hierarchy."""
    return list(
        db.session.scalars(
            sa.select(Municipality)
            .where(
                sa.or_(
                    Municipality.kind == MunicipalityKind.KREIS,
                    Municipality.kind == MunicipalityKind.KREISFREIE_STADT,
                )
            )
            .order_by(Municipality.name)
        )
    )


def municipalities_by_kreis() -> list[KreisGroup]:
    groups = [KreisGroup(kreis=k) for k in kreise()]
    by_ags = {g.kreis.ags: g for g in groups}
    members = db.session.scalars(
        sa.select(Municipality)
        .where(Municipality.kind.in_([MunicipalityKind.STADT, MunicipalityKind.GEMEINDE]))
        .order_by(Municipality.name)
    )
    for m in members:
        if m.kreis_ags in by_ags:
            by_ags[m.kreis_ags].municipalities.append(m)
    return groups


def municipality_choices() -> list[Municipality]:
    return list(
        db.session.scalars(
            sa.select(Municipality)
            .where(Municipality.kind != MunicipalityKind.KREIS)
            .order_by(Municipality.name)
        )
    )


def contribution_counts() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Solution.lead_municipality_ags, sa.func.count(Solution.id))
        .where(Solution.state == ContentState.PUBLISHED, Solution.revision_of_id.is_(None))
        .group_by(Solution.lead_municipality_ags)
    )
    return {ags: n for ags, n in rows}


def all_municipalities() -> list[Municipality]:
    """Every municipality and Kreis, by name (for selects in forms)."""
    return list(db.session.scalars(sa.select(Municipality).order_by(Municipality.name)))


def published_solutions_by_id(ids: Iterable[int]) -> dict[int, Solution]:
    """Published (non-revision) solutions among ``ids`` — how every search and match result is
    re-checked against the database, so a stale index never shows an unpublished entry."""
    if not ids:
        return {}
    return {
        s.id: s
        for s in db.session.scalars(
            _published_solutions()
            .where(Solution.id.in_(set(ids)))
            .options(orm.selectinload(Solution.lead_municipality))
        )
    }
