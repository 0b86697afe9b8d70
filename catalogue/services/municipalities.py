"""Municipality and Kreis profile pages: what a municipality offers, where it is a partner, what
it reuses, its experience reports and open public needs; a Kreis page also aggregates its
municipalities. Only published content and public needs; these functions never write.
"""

from __future__ import annotations

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
    Need,
    NeedStatus,
    NeedVisibility,
    Reuse,
    ReuseStatus,
    Solution,
)


def _published_solutions() -> sa.Select[tuple[Solution]]:
    return sa.select(Solution).where(
        Solution.state == ContentState.PUBLISHED, Solution.revision_of_id.is_(None)
    )


@dataclass
class MunicipalityProfile:
    municipality: Municipality
    offers: list[Solution]
    partner_in: list[Solution]
    reuses: list[Reuse]
    reports: list[ExperienceReport]
    members: list[Municipality]
    needs: list[Need] = field(default_factory=list)
    member_figures: list[MemberFigures] = field(default_factory=list)

    @property
    def started_reuses(self) -> list[Reuse]:
        """Reuses under way ("Nutzt nach"); interests and ended ones are listed apart."""
        return [r for r in self.reuses if r.status in ReuseStatus.started()]

    @property
    def interests(self) -> list[Reuse]:
        return [r for r in self.reuses if r.status == ReuseStatus.INTERESTED]

    @property
    def ended_reuses(self) -> list[Reuse]:
        return [r for r in self.reuses if r.status == ReuseStatus.ENDED]

    @property
    def member_totals(self) -> tuple[int, int, int]:
        return (
            sum(f.offers for f in self.member_figures),
            sum(f.reuses for f in self.member_figures),
            sum(f.needs for f in self.member_figures),
        )


@dataclass(frozen=True)
class MemberFigures:
    """A Kreis page's row for one of its municipalities."""

    municipality: Municipality
    offers: int
    reuses: int
    needs: int


def _public_needs(ags_list: list[str]) -> list[Need]:
    """Open or brokered public needs of the given municipalities, newest first."""
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(
                Need.municipality_ags.in_(ags_list),
                Need.visibility == NeedVisibility.PUBLIC,
                Need.status.in_([NeedStatus.OPEN, NeedStatus.BROKERED]),
            )
            .options(orm.selectinload(Need.municipality))
            .order_by(Need.created_at.desc(), Need.id.desc())
        )
    )


def _member_figures(members: list[Municipality]) -> list[MemberFigures]:
    ags_list = [m.ags for m in members]

    def counts(
        column: orm.InstrumentedAttribute[str], *where: sa.ColumnElement[bool]
    ) -> dict[str, int]:
        rows = db.session.execute(
            sa.select(column, sa.func.count()).where(column.in_(ags_list), *where).group_by(column)
        )
        return {ags: n for ags, n in rows}

    offers = counts(
        Solution.lead_municipality_ags,
        Solution.state == ContentState.PUBLISHED,
        Solution.revision_of_id.is_(None),
    )
    reuses = counts(Reuse.municipality_ags, Reuse.status.in_(ReuseStatus.started()))
    needs = counts(
        Need.municipality_ags,
        Need.visibility == NeedVisibility.PUBLIC,
        Need.status.in_([NeedStatus.OPEN, NeedStatus.BROKERED]),
    )
    return [
        MemberFigures(m, offers.get(m.ags, 0), reuses.get(m.ags, 0), needs.get(m.ags, 0))
        for m in members
    ]


def municipality_profile(ags: str) -> MunicipalityProfile:
    m = db.session.get(Municipality, ags)
    if m is None:
        raise NotFound("Diese Kommune ist nicht im Katalog.")
    offers = list(
        db.session.scalars(
            _published_solutions()
            .where(Solution.lead_municipality_ags == ags)
            .order_by(Solution.title)
        )
    )
    partner_in = list(
        db.session.scalars(
            _published_solutions()
            .where(Solution.partners.any(Municipality.ags == ags))
            .order_by(Solution.title)
        )
    )
    reuses = list(
        db.session.scalars(
            sa.select(Reuse)
            .join(Reuse.solution)
            .where(Reuse.municipality_ags == ags, Solution.state == ContentState.PUBLISHED)
            .options(orm.contains_eager(Reuse.solution))
            .order_by(Solution.title)
        )
    )
    reports = list(
        db.session.scalars(
            sa.select(ExperienceReport)
            .join(ExperienceReport.solution)
            .where(
                ExperienceReport.municipality_ags == ags,
                ExperienceReport.state == ContentState.PUBLISHED,
                ExperienceReport.revision_of_id.is_(None),
                Solution.state == ContentState.PUBLISHED,
            )
            .options(orm.contains_eager(ExperienceReport.solution))
            .order_by(Solution.title)
        )
    )
    members = []
    if m.kind == MunicipalityKind.KREIS:
        members = list(
            db.session.scalars(
                sa.select(Municipality)
                .where(Municipality.kreis_ags == ags)
                .order_by(Municipality.name)
            )
        )
    needs = _public_needs([ags] + [x.ags for x in members])
    return MunicipalityProfile(
        m, offers, partner_in, reuses, reports, members, needs, _member_figures(members)
    )
