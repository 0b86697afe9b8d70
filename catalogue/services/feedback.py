"""Accessibility feedback ("Barriere melden"): storing reports and listing them for curators."""

from __future__ import annotations

import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.errors import ValidationFailed
from catalogue.models import BarrierReport
from catalogue.permissions import Actor, can_view_barrier_reports, require


def submit_barrier_report(
    *, actor: Actor, description: str, page_url: str = "", contact_email: str = ""
) -> BarrierReport:
    """Record a report of an accessibility barrier ("Barriere melden"); anyone may send one,
    curators read them. An e-mail address is optional and only kept to answer."""
    description = description.strip()
    errors: dict[str, str] = {}
    if len(description) < 10:
        errors["description"] = "Bitte beschreiben Sie die Barriere in mindestens 10 Zeichen."
    if len(description) > 5000:
        errors["description"] = "Bitte fassen Sie sich kürzer (höchstens 5000 Zeichen)."
    if contact_email and "@" not in contact_email:
        errors["contact_email"] = (
            "Bitte geben Sie eine gültige E-Mail-Adresse an oder lassen Sie das Feld leer."
        )
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        report = BarrierReport(
            description=description,
            page_url=page_url.strip()[:500],
            contact_email=contact_email.strip(),
        )
        s.add(report)
    return report


def list_barrier_reports(*, actor: Actor) -> list[BarrierReport]:
    require(can_view_barrier_reports(actor))
    return list(
        db.session.scalars(sa.select(BarrierReport).order_by(BarrierReport.created_at.desc()))
    )
