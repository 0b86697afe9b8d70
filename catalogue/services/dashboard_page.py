"""What the DigitalBüro's start page shows, composed in one call: the map coloured by a
measure, the reuse network, the work queues and the trends (``web.digitalbuero`` renders it).

Read-only; the figures come from ``services.dashboard``, the queues from
``services.work_queues``, the geometry from ``services.region``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from catalogue.clock import local_date, utcnow
from catalogue.permissions import Actor
from catalogue.services import dashboard, region, work_queues

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MapArea:
    area: region.Area
    figures: dashboard.MunicipalityFigures | None
    value: int
    css_class: int


@dataclass(frozen=True)
class Overview:
    now: datetime
    measure: dashboard.Measure
    region: region.RegionMap | None
    areas: list[MapArea]
    legend: list[tuple[int, str]]
    figures: list[dashboard.MunicipalityFigures]
    network: dashboard.ReuseNetwork
    months: list[str]
    series: list[dashboard.Series]
    queues: list[Any]

    def age(self, since: datetime | None) -> int | None:
        return work_queues.age_in_days(since, self.now)


def overview(
    *, actor: Actor, measure_key: str | None, boundaries: str | Path | None, answer_days: int
) -> Overview:
    """Everything on /digitalbuero for a curator or admin (the services check the role)."""
    now = utcnow()
    measure = dashboard.measure(measure_key)
    figures = dashboard.municipality_figures(actor=actor, now=now)
    by_ags = {row.municipality.ags: row for row in figures}
    try:
        region_map: region.RegionMap | None = region.region_map(boundaries)
    except region.RegionDataError as error:
        # The figures, queues and trends stay useful without the map: the page says what is wrong.
        log.error("DigitalBüro map unavailable: %s", error)
        region_map = None
    municipal_areas = region_map.municipalities if region_map else ()
    values = [by_ags[a.ags].value(measure.key) for a in municipal_areas if a.ags in by_ags]
    breaks = dashboard.class_breaks(values)
    areas = []
    for area in municipal_areas:
        row = by_ags.get(area.ags)
        value = row.value(measure.key) if row else 0
        areas.append(MapArea(area, row, value, dashboard.class_of(value, breaks)))
    months, series = dashboard.trends(actor=actor, now=now)
    return Overview(
        now=now,
        measure=measure,
        region=region_map,
        areas=areas,
        legend=dashboard.legend(breaks),
        figures=figures,
        network=dashboard.reuse_network(actor=actor, figures=figures),
        months=months,
        series=series,
        queues=work_queues.work_queues(actor=actor, answer_days=answer_days, now=now),
    )


def figures_table(*, actor: Actor) -> tuple[str, list[list[Any]]]:
    """The map's figures as rows for a CSV download, with a dated file name."""
    rows: list[list[Any]] = [
        ["AGS", "Kommune", "Art", "Kreis"] + [m.column for m in dashboard.MEASURES]
    ]
    for row in dashboard.municipality_figures(actor=actor):
        m = row.municipality
        rows.append(
            [m.ags, m.display_name, m.kind.label, m.kreis.display_name if m.kreis else ""]
            + [row.value(measure.key) for measure in dashboard.MEASURES]
        )
    return f"kommunen-kennzahlen-{local_date():%Y-%m-%d}.csv", rows


@dataclass(frozen=True)
class QueuePage:
    queue: Any
    age: Callable[[datetime | None], int | None]


def queue_page(*, actor: Actor, key: str, answer_days: int) -> QueuePage:
    """One work queue's filtered list (the services check the role)."""
    now = utcnow()
    item = work_queues.work_queue(actor=actor, key=key, answer_days=answer_days, now=now)
    return QueuePage(item, lambda since: work_queues.age_in_days(since, now))
