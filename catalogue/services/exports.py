"""Exports as tables (CSV / XLSX): the solution list with its filters, municipalities with their
figures, reuse records and needs — exactly what the viewer may see on the pages.

Loads through the same queries and visibility rules as the pages (published solutions only,
needs via ``needs.list_needs`` with the viewer as actor); the file formats live in
``catalogue.exchange.tables``. Column names are German and documented in the README.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.categories import category_label
from catalogue.db import db
from catalogue.exchange.tables import Column, Table
from catalogue.fields import SOLUTION_SPEC
from catalogue.fields.solutions import CLASSIFICATION, CONTENT, TECHNICAL
from catalogue.models import (
    ContentState,
    MunicipalityKind,
    Need,
    NeedStatus,
    NeedVisibility,
    Reuse,
    ReuseStatus,
    Solution,
)
from catalogue.permissions import Actor
from catalogue.services import catalogue as catalogue_service
from catalogue.services import needs as needs_service

MAX_ROWS = 100_000


def _spec_columns(section: str) -> list[Column]:
    """Export columns of the plain fields of one form section (``SOLUTION_SPEC``)."""
    return [Column(f.name, f.table) for f in SOLUTION_SPEC.in_table("export", section)]


SOLUTION_COLUMNS = [
    Column("id", "ID"),
    Column("slug", "Kennung"),
    *_spec_columns(CONTENT),
    Column("category", "Kategorie"),
    Column("kind", "Art"),
    Column("status", "Projektstand"),
    Column("readiness", "Nachnutzbarkeit"),
    Column("lead_ags", "AGS federführende Kommune"),
    Column("lead_name", "Federführende Kommune"),
    *_spec_columns(CLASSIFICATION),
    Column("partners", "Partnerkommunen"),
    Column("tags", "Schlagworte"),
    *_spec_columns(TECHNICAL),
    Column("reuses", "Nachnutzungen"),
    Column("demo", "Demo-Eintrag"),
    Column("published_at", "Veröffentlicht"),
    Column("url", "Adresse"),
]
MUNICIPALITY_COLUMNS = [
    Column("ags", "AGS"),
    Column("name", "Name"),
    Column("type", "Art"),
    Column("kreis", "Kreis"),
    Column("population", "Einwohner"),
    Column("area_km2", "Fläche (km²)"),
    Column("offers", "Eigene Lösungen"),
    Column("reuses", "Nachnutzungen"),
    Column("public_needs", "Offene öffentliche Bedarfe"),
    Column("url", "Adresse"),
]
REUSE_COLUMNS = [
    Column("id", "ID"),
    Column("solution_slug", "Lösung (Kennung)"),
    Column("solution_title", "Lösung"),
    Column("ags", "AGS nachnutzende Kommune"),
    Column("municipality", "Nachnutzende Kommune"),
    Column("status", "Stand"),
    Column("confirmed", "Vom DigitalBüro bestätigt"),
    Column("ended_reason", "Grund für das Ende"),
    Column("updated_at", "Zuletzt geändert"),
    Column("url", "Adresse der Lösung"),
]
NEED_COLUMNS = [
    Column("id", "ID"),
    Column("title", "Titel"),
    Column("text", "Beschreibung"),
    Column("category", "Kategorie"),
    Column("ags", "AGS"),
    Column("municipality", "Kommune"),
    Column("status", "Stand"),
    Column("visibility", "Sichtbarkeit"),
    Column("created_at", "Erfasst"),
]


def _url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def solutions_table(filters: catalogue_service.SolutionFilters, *, base_url: str) -> Table:
    """The published solutions as on /loesungen with the same filters, newest first."""
    items = catalogue_service.list_solutions(filters, page=1, per_page=MAX_ROWS).items
    ids = [s.id for s in items]
    partners = {
        s.id: s
        for s in db.session.scalars(
            sa.select(Solution)
            .where(Solution.id.in_(ids))
            .options(orm.selectinload(Solution.partners))
        )
    }
    counts = catalogue_service.reuse_counts(ids)
    rows = [
        {
            "id": s.id,
            "slug": s.slug,
            **{f.name: getattr(s, f.name) for f in SOLUTION_SPEC.in_table("export")},
            "category": category_label(s.category),
            "kind": s.kind.label,
            "status": s.project_status.label,
            "readiness": s.readiness.label,
            "lead_ags": s.lead_municipality_ags,
            "lead_name": s.lead_municipality.name,
            "partners": [m.name for m in partners[s.id].partners],
            "tags": [t.name for t in s.tags],
            "reuses": counts.get(s.id, 0),
            "demo": s.is_demo,
            "published_at": s.published_at,
            "url": _url(base_url, f"/loesungen/{s.slug}"),
        }
        for s in items
    ]
    return Table("Lösungen", SOLUTION_COLUMNS, rows)


def municipalities_table(*, base_url: str) -> Table:
    """Every municipality and Kreis with its figures (public data only)."""
    offers = catalogue_service.contribution_counts()
    reuses = Counter(
        db.session.scalars(
            sa.select(Reuse.municipality_ags)
            .join(Reuse.solution)
            .where(
                Solution.state == ContentState.PUBLISHED, Reuse.status.in_(ReuseStatus.started())
            )
        )
    )
    public_needs = Counter(
        db.session.scalars(
            sa.select(Need.municipality_ags).where(
                Need.visibility == NeedVisibility.PUBLIC, Need.status == NeedStatus.OPEN
            )
        )
    )
    names = {m.ags: m.name for m in catalogue_service.kreise()}
    rows = [
        {
            "ags": m.ags,
            "name": m.name,
            "type": m.type_label,
            "kreis": names.get(m.kreis_ags or "", "") if m.kind != MunicipalityKind.KREIS else "",
            "population": m.population,
            "area_km2": m.area_km2,
            "offers": offers.get(m.ags, 0),
            "reuses": reuses.get(m.ags, 0),
            "public_needs": public_needs.get(m.ags, 0),
            "url": _url(base_url, f"/kommunen/{m.ags}"),
        }
        for m in catalogue_service.all_municipalities()
    ]
    return Table("Kommunen", MUNICIPALITY_COLUMNS, rows)


def reuses_table(*, base_url: str) -> Table:
    """Reuse records of published solutions (shown on solution and municipality pages)."""
    records = db.session.scalars(
        sa.select(Reuse)
        .join(Reuse.solution)
        .where(Solution.state == ContentState.PUBLISHED)
        .options(orm.contains_eager(Reuse.solution), orm.selectinload(Reuse.municipality))
        .order_by(Solution.title, Reuse.id)
    ).all()
    rows = [
        {
            "id": r.id,
            "solution_slug": r.solution.slug,
            "solution_title": r.solution.title,
            "ags": r.municipality_ags,
            "municipality": r.municipality.name,
            "status": r.status.label,
            "confirmed": r.confirmed_at is not None,
            "ended_reason": r.ended_reason,
            "updated_at": r.updated_at,
            "url": _url(base_url, f"/loesungen/{r.solution.slug}"),
        }
        for r in records
    ]
    return Table("Nachnutzungen", REUSE_COLUMNS, rows)


def needs_table(*, actor: Actor) -> Table:
    """The needs the actor may see (public ones; staff also their own municipality's)."""
    rows = [
        {
            "id": n.id,
            "title": n.title,
            "text": n.text,
            "category": category_label(n.category) if n.category else "",
            "ags": n.municipality_ags,
            "municipality": n.municipality.name,
            "status": n.status.label,
            "visibility": n.visibility.label,
            "created_at": n.created_at,
        }
        for n in needs_service.list_needs(actor=actor)
    ]
    return Table("Bedarfe", NEED_COLUMNS, rows)
