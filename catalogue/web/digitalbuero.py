"""The DigitalBüro's start page (/digitalbuero): region map, reuse network, work queues and
trends, plus the map's CSV download and the simple filtered lists behind the work queues.

Thin views: the figures come from ``services.dashboard`` and ``services.work_queues``, the map
geometry from ``services.region``; everything is rendered on the server as HTML and inline SVG.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from catalogue.exchange.tables import csv_row
from catalogue.services import dashboard as dashboard_service
from catalogue.services import dashboard_page as page_service
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


def _answer_days() -> int:
    return int(current_app.config["CONTACT_REQUEST_ANSWER_DAYS"])


@bp.get("/")
def index():
    page = page_service.overview(
        actor=current_user,
        measure_key=request.args.get("karte"),
        boundaries=current_app.config["REGION_BOUNDARIES"],
        answer_days=_answer_days(),
    )
    return render_template(
        "digitalbuero/index.html",
        measure=page.measure,
        measures=dashboard_service.MEASURES,
        region=page.region,
        areas=page.areas,
        legend=page.legend,
        figures=page.figures,
        network=page.network,
        months=page.months,
        series=page.series,
        queues=page.queues,
        queue_url=_queue_url,
        age=page.age,
        now=page.now,
        month_label=dashboard_service.month_label,
    )


@bp.get("/kommunen.csv")
def figures_csv():
    filename, rows = page_service.figures_table(actor=current_user)
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(csv_row(row) for row in rows)
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/aufgaben/<key>")
def queue(key: str):
    page = page_service.queue_page(actor=current_user, key=key, answer_days=_answer_days())
    return render_template(
        "digitalbuero/queue.html",
        queue=page.queue,
        age=page.age,
        limit=queue_service.WEAK_MATCH_LIMIT,
    )
