"""The DigitalBüro's start page (/digitalbuero): region map, reuse network, work queues and
trends, plus the map's CSV download and the simple filtered lists behind the work queues.

Thin views: the figures come from ``services.dashboard`` and ``services.work_queues``, the map
geometry from ``services.region``; everything is rendered on the server as HTML and inline SVG.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from catalogue.db import utcnow
from catalogue.services import dashboard as dashboard_service
from catalogue.services import region as region_service
from catalogue.services import work_queues as queue_service

bp = Blueprint("digitalbuero", __name__, url_prefix="/digitalbuero")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Signed-in users only; the services check the role."""


def _queue_url(key: str) -> str:
    """Where a work queue's count links to: existing lists with filters, else our own list."""
    return {
        "pruefung": url_for("review.queue"),
        "barrieren": url_for("admin.barrier_reports"),
        "suchen": url_for("admin.zero_results"),
    }.get(key) or url_for("digitalbuero.queue", key=key)


@dataclass(frozen=True)
class MapArea:
    area: region_service.Area
    figures: dashboard_service.MunicipalityFigures | None
    value: int
    css_class: int


def _answer_days() -> int:
    return int(current_app.config["CONTACT_REQUEST_ANSWER_DAYS"])


@bp.get("/")
def index():
    now = utcnow()
    measure = dashboard_service.measure(request.args.get("karte"))
    figures = dashboard_service.municipality_figures(actor=current_user, now=now)
    by_ags = {row.municipality.ags: row for row in figures}
    try:
        region = region_service.region_map(current_app.config["REGION_BOUNDARIES"])
    except region_service.RegionDataError as error:
        # The figures, queues and trends stay useful without the map: say what is wrong.
        current_app.logger.error("DigitalBüro map unavailable: %s", error)
        region = None
    municipal_areas = region.municipalities if region else ()
    values = [by_ags[a.ags].value(measure.key) for a in municipal_areas if a.ags in by_ags]
    breaks = dashboard_service.class_breaks(values)
    areas = []
    for area in municipal_areas:
        row = by_ags.get(area.ags)
        value = row.value(measure.key) if row else 0
        areas.append(MapArea(area, row, value, dashboard_service.class_of(value, breaks)))
    network = dashboard_service.reuse_network(actor=current_user, figures=figures)
    months, series = dashboard_service.trends(actor=current_user, now=now)
    queues = queue_service.work_queues(actor=current_user, answer_days=_answer_days(), now=now)
    return render_template(
        "digitalbuero/index.html",
        measure=measure,
        measures=dashboard_service.MEASURES,
        region=region,
        areas=areas,
        legend=dashboard_service.legend(breaks),
        figures=figures,
        network=network,
        months=months,
        series=series,
        queues=queues,
        queue_url=_queue_url,
        age=lambda since: queue_service.age_in_days(since, now),
        now=now,
        month_label=dashboard_service.month_label,
    )


@bp.get("/kommunen.csv")
def figures_csv():
    figures = dashboard_service.municipality_figures(actor=current_user)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        ["AGS", "Kommune", "Art", "Kreis"] + [m.column for m in dashboard_service.MEASURES]
    )
    for row in figures:
        m = row.municipality
        writer.writerow(
            [m.ags, m.display_name, m.kind.label, m.kreis.display_name if m.kreis else ""]
            + [row.value(measure.key) for measure in dashboard_service.MEASURES]
        )
    filename = f"kommunen-kennzahlen-{utcnow():%Y-%m-%d}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/aufgaben/<key>")
def queue(key: str):
    now = utcnow()
    item = queue_service.work_queue(
        actor=current_user, key=key, answer_days=_answer_days(), now=now
    )
    return render_template(
        "digitalbuero/queue.html",
        queue=item,
        age=lambda since: queue_service.age_in_days(since, now),
        limit=queue_service.WEAK_MATCH_LIMIT,
    )
