"""Jinja filters and globals: German formatting (Flask-Babel), Markdown, labels, permissions.

Presentation only; no queries here.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g, request
from flask_babel import format_date, format_datetime, format_decimal

from catalogue.categories import CATEGORIES, category_label
from catalogue.fields import REPORT_SPEC, SOLUTION_SPEC
from catalogue.models import ContentState, ImportRunStatus, Role
from catalogue.permissions import TEMPLATE_PREDICATES
from catalogue.text import render_markdown

# Which nav entry is "current" for an endpoint (detail pages belong to their list).
_NAV_SECTIONS = {
    "public.solution": "public.solutions",
    "public.municipality": "public.municipalities",
    "needs.describe": "needs.index",
    "needs.new": "needs.index",
    "needs.detail": "needs.index",
    "needs.contact_request": "needs.brokering",
}


# Blueprints whose pages all belong to one nav entry.
_NAV_BLUEPRINTS = {
    "contribute": "contribute.index",
    "review": "review.queue",
    "admin": "admin.index",
    "digitalbuero": "digitalbuero.index",
}


def nav_active(endpoint: str) -> bool:
    current = request.endpoint or ""
    if current == endpoint or _NAV_SECTIONS.get(current) == endpoint:
        return True
    return _NAV_BLUEPRINTS.get(current.split(".", 1)[0]) == endpoint


def unread_notifications() -> int:
    from flask_login import current_user

    from catalogue.services.notifications import unread_count

    return unread_count(current_user)


def _date(value: date | datetime | None, fmt: str = "medium") -> str:
    return format_date(value, fmt) if value else ""


def _time(value: datetime | None, fmt: str = "dd.MM.yyyy HH:mm") -> str:
    """A moment in the app's time zone (Europe/Berlin; stored times are UTC)."""
    return format_datetime(value, fmt) if value else ""


def _number(value: int | float | None) -> str:
    return format_decimal(value) if value is not None else ""


def _euro(value: int | None) -> str:
    return f"{format_decimal(value)} €" if value is not None else ""


def state_label(value: str) -> str:
    try:
        return ContentState(value).label
    except ValueError:
        return value


def use_script(name: str) -> str:
    """A part of the page that needs a same-origin script (e.g. a long text field and its
    counter) asks for it here; the layout's last lines load each asked-for script once, so pages
    without such parts carry no script at all."""
    scripts: list[str] = g.setdefault("page_scripts", [])
    if name not in scripts:
        scripts.append(name)
    return ""


def page_scripts() -> list[str]:
    """The scripts asked for while the page was rendered (`use_script`), in order."""
    return list(g.get("page_scripts", []))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["category_label"] = category_label
    app.jinja_env.filters["date_de"] = _date
    app.jinja_env.filters["time_de"] = _time
    app.jinja_env.filters["number_de"] = _number
    app.jinja_env.filters["euro"] = _euro
    app.jinja_env.globals["nav_active"] = nav_active
    app.jinja_env.globals["use_script"] = use_script
    app.jinja_env.globals["page_scripts"] = page_scripts
    app.jinja_env.globals["state_label"] = state_label
    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.globals["CATEGORIES"] = CATEGORIES
    app.jinja_env.globals["SOLUTION_SPEC"] = SOLUTION_SPEC
    app.jinja_env.globals["REPORT_SPEC"] = REPORT_SPEC
    app.jinja_env.globals["ContentState"] = ContentState
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["ImportRunStatus"] = ImportRunStatus
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
