"""Read models of the DigitalBüro's start page: figures per municipality (for the region map
and its table), the reuse network and the monthly trends. The work queues live in
``services.work_queues``.

Only curators and admins may read these; the functions never write. Aggregation happens in a
handful of grouped queries plus small Python loops, so the page stays portable between SQLite
and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import db
from catalogue.models import (
    ContactRequest,
    ContentState,
    ExperienceReport,
    Municipality,
    Need,
    NeedStatus,
    Reuse,
    ReuseStatus,
    Solution,
)
from catalogue.permissions import Actor, can_view_dashboard, require

PUBLIC_STATES = (ContentState.PUBLISHED, ContentState.ARCHIVED)


@dataclass(frozen=True)
class Measure:
    key: str  # URL value
    label: str  # switch and legend
    column: str  # table header


MEASURES = (
    Measure("angebote", "Angebotene Lösungen", "Lösungen"),
    Measure("nachnutzungen", "Nachnutzungen", "Nachnutzungen"),
    Measure("bedarfe", "Offene Bedarfe", "Offene Bedarfe"),
    Measure("aktivitaet", "Aktivität (12 Monate)", "Aktivität 12 Mon."),
)
MEASURE_KEYS = {m.key: m for m in MEASURES}


def measure(key: str | None) -> Measure:
    return MEASURE_KEYS.get(key or "", MEASURES[0])


@dataclass
class MunicipalityFigures:
    municipality: Municipality
    offered: int = 0
    reuses: int = 0
    open_needs: int = 0
    activity: int = 0

    def value(self, key: str) -> int:
        return {
            "angebote": self.offered,
            "nachnutzungen": self.reuses,
            "bedarfe": self.open_needs,
            "aktivitaet": self.activity,
        }[key]

    @property
    def participation(self) -> int:
        return self.offered + self.reuses + self.open_needs + self.activity


def _count_by(
    column: orm.InstrumentedAttribute[str | None], *where: sa.ColumnElement[bool]
) -> Counter[str]:
    rows = db.session.execute(sa.select(column, sa.func.count()).where(*where).group_by(column))
    return Counter({key: n for key, n in rows if key})


def _published_solution(*extra: sa.ColumnElement[bool]) -> tuple[sa.ColumnElement[bool], ...]:
    return (Solution.state == ContentState.PUBLISHED, Solution.revision_of_id.is_(None), *extra)


def municipality_figures(*, actor: Actor, now: datetime | None = None) -> list[MunicipalityFigures]:
    """One row per municipality and Kreis, ordered by Kreis then name (Kreise first)."""
    require(can_view_dashboard(actor), "Diese Übersicht ist dem DigitalBüro vorbehalten.")
    since = (now or utcnow()) - timedelta(days=365)
    offered = _count_by(Solution.lead_municipality_ags, *_published_solution())
    reuses = _count_by(Reuse.municipality_ags, Reuse.status.in_(ReuseStatus.started()))
    open_needs = _count_by(Need.municipality_ags, Need.status == NeedStatus.OPEN)
    activity = (
        _count_by(
            Solution.lead_municipality_ags, *_published_solution(Solution.published_at >= since)
        )
        + _count_by(
            ExperienceReport.municipality_ags,
            ExperienceReport.state == ContentState.PUBLISHED,
            ExperienceReport.revision_of_id.is_(None),
            ExperienceReport.published_at >= since,
        )
        + _count_by(Need.municipality_ags, Need.created_at >= since)
        + _count_by(Reuse.municipality_ags, Reuse.updated_at >= since)
        + _count_by(ContactRequest.requester_municipality_ags, ContactRequest.created_at >= since)
    )
    rows = []
    for m in db.session.scalars(sa.select(Municipality)):
        rows.append(
            MunicipalityFigures(
                m, offered[m.ags], reuses[m.ags], open_needs[m.ags], activity[m.ags]
            )
        )
    rows.sort(
        key=lambda r: (
            r.municipality.kreis_ags or r.municipality.ags,
            not r.municipality.is_kreis,
            r.municipality.name,
        )
    )
    return rows


def class_breaks(values: list[int], classes: int = 4) -> list[int]:
    """Upper bounds of ``classes`` colour classes for positive values (0 gets its own class).

    Equal-count (quantile) classes over the distinct positive values, so a single busy city does
    not push everyone else into the lowest class."""
    distinct = sorted({v for v in values if v > 0})
    if not distinct:
        return []
    if len(distinct) <= classes:
        return distinct
    return sorted({distinct[round((i + 1) * len(distinct) / classes) - 1] for i in range(classes)})


def class_of(value: int, breaks: list[int]) -> int:
    """0 for zero, else 1..len(breaks) — the CSS class suffix of the area."""
    if value <= 0:
        return 0
    for i, bound in enumerate(breaks, start=1):
        if value <= bound:
            return i
    return len(breaks)


def legend(breaks: list[int]) -> list[tuple[int, str]]:
    items = [(0, "0")]
    low = 1
    for i, bound in enumerate(breaks, start=1):
        items.append((i, str(bound) if bound == low else f"{low}–{bound}"))
        low = bound + 1
    return items


# Reuse network --------------------------------------------------------------------------------


@dataclass
class Flow:
    owner: Municipality  # whose solution
    reuser: Municipality  # who reuses it
    solutions: list[Solution] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.solutions)


@dataclass
class ReuseNetwork:
    flows: list[Flow]
    top_solutions: list[tuple[Solution, int]]
    least_active: list[MunicipalityFigures]

    @property
    def total(self) -> int:
        return sum(f.count for f in self.flows)


def reuse_network(
    *, actor: Actor, figures: list[MunicipalityFigures], top: int = 8, least: int = 10
) -> ReuseNetwork:
    """Who reuses whose solutions (active reuse records of published solutions)."""
    require(can_view_dashboard(actor), "Diese Übersicht ist dem DigitalBüro vorbehalten.")
    rows = db.session.scalars(
        sa.select(Reuse)
        .join(Reuse.solution)
        .where(Reuse.status.in_(ReuseStatus.started()), *_published_solution())
        .options(
            orm.contains_eager(Reuse.solution).selectinload(Solution.lead_municipality),
            orm.selectinload(Reuse.municipality),
        )
    ).all()
    flows: dict[tuple[str, str], Flow] = {}
    per_solution: Counter[int] = Counter()
    solutions: dict[int, Solution] = {}
    for reuse in rows:
        owner = reuse.solution.lead_municipality
        key = (owner.ags, reuse.municipality_ags)
        flow = flows.setdefault(key, Flow(owner=owner, reuser=reuse.municipality))
        flow.solutions.append(reuse.solution)
        per_solution[reuse.solution_id] += 1
        solutions[reuse.solution_id] = reuse.solution
    ordered = sorted(flows.values(), key=lambda f: (-f.count, f.owner.name, f.reuser.name))
    top_solutions = [
        (solutions[sid], n)
        for sid, n in sorted(per_solution.items(), key=lambda kv: (-kv[1], solutions[kv[0]].title))
    ][:top]
    members = [r for r in figures if not r.municipality.is_kreis]
    least_active = sorted(members, key=lambda r: (r.participation, r.municipality.name))[:least]
    return ReuseNetwork(flows=ordered, top_solutions=top_solutions, least_active=least_active)


# Trends ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def peak(self) -> int:
        return max(self.counts, default=0)


def month_keys(now: datetime, months: int) -> list[str]:
    year, month = now.year, now.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return keys[::-1]


def _monthly(
    column: orm.InstrumentedAttribute[datetime | None],
    keys: list[str],
    *where: sa.ColumnElement[bool],
) -> list[int]:
    start = datetime(int(keys[0][:4]), int(keys[0][5:]), 1)
    stamps = db.session.scalars(sa.select(column).where(column >= start, *where))
    counts = Counter(f"{s.year:04d}-{s.month:02d}" for s in stamps if s is not None)
    return [counts[k] for k in keys]


def trends(
    *, actor: Actor, months: int = 24, now: datetime | None = None
) -> tuple[list[str], list[Series]]:
    """Monthly counts of new solutions, reports, needs and reuse records, oldest month first."""
    require(can_view_dashboard(actor), "Diese Übersicht ist dem DigitalBüro vorbehalten.")
    keys = month_keys(now or utcnow(), months)
    series = [
        Series(
            "loesungen",
            "Neue Lösungen",
            _monthly(
                Solution.published_at,
                keys,
                Solution.state.in_(PUBLIC_STATES),
                Solution.revision_of_id.is_(None),
            ),
        ),
        Series(
            "berichte",
            "Neue Erfahrungsberichte",
            _monthly(
                ExperienceReport.published_at,
                keys,
                ExperienceReport.state.in_(PUBLIC_STATES),
                ExperienceReport.revision_of_id.is_(None),
            ),
        ),
        Series("bedarfe", "Neue Bedarfe", _monthly(Need.created_at, keys)),
        Series("nachnutzungen", "Neue Nachnutzungen", _monthly(Reuse.created_at, keys)),
    ]
    return keys, series


MONTHS_DE = (
    "Jan.",
    "Feb.",
    "März",
    "Apr.",
    "Mai",
    "Juni",
    "Juli",
    "Aug.",
    "Sept.",
    "Okt.",
    "Nov.",
    "Dez.",
)


def month_label(key: str) -> str:
    """``"2026-03"`` → ``"März 2026"``."""
    return f"{MONTHS_DE[int(key[5:]) - 1]} {key[:4]}"
