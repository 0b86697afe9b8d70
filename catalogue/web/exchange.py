"""Open data exchange pages: publiccode.yml of a solution (later: CSV/XLSX exports, imports).

Thin views: one service call, then a file response. Only what the viewer may see leaves.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, url_for
from flask_login import current_user

from catalogue.services import exchange as exchange_service

bp = Blueprint("exchange", __name__)


def public_url(endpoint: str, **values) -> str:
    """Absolute link built from BASE_URL (as in feeds and e-mails), not from the request host."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


@bp.get("/loesungen/<slug>/publiccode.yml")
def publiccode(slug: str):
    export = exchange_service.publiccode_export(
        actor=current_user, slug=slug, page_url=public_url("public.solution", slug=slug)
    )
    response = Response(export.text, mimetype="application/yaml")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="publiccode.yml"'
    return response
