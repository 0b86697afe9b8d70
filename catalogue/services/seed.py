"""Loading seed data: official municipality data and the demo / model-region content.

Every loader is idempotent: running it again updates municipalities in place and skips content
that already exists (matched by slug). Content is created in the published state with a review
event that names the seed as its source, and with search outbox rows like any other change.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.categories import CATEGORIES
from catalogue.clock import utcnow
from catalogue.db import unit_of_work
from catalogue.fields import REPORT_SPEC, SOLUTION_SPEC, Field
from catalogue.models import (
    ContactPerson,
    ContentState,
    ExperienceReport,
    Municipality,
    MunicipalityKind,
    ProjectStatus,
    Readiness,
    ReportRole,
    Reuse,
    ReuseStatus,
    Solution,
    SolutionKind,
    SolutionLink,
    Tag,
)
from catalogue.services.audit import record_event
from catalogue.services.outbox import enqueue
from catalogue.text import slugify
from search_index.documents import report_doc_id, solution_doc_id

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
OWL_DIR = DATA_DIR / "owl"
DEMO_FILE = DATA_DIR / "demo" / "solutions.jsonl"
MODELLREGION_FILE = DATA_DIR / "modellregion_owl.jsonl"


def _municipality_kind(type_label: str) -> MunicipalityKind:
    if type_label.startswith("Kreisfreie"):
        return MunicipalityKind.KREISFREIE_STADT
    if type_label.startswith("Stadt"):
        return MunicipalityKind.STADT
    return MunicipalityKind.GEMEINDE


def _opt_float(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


def _opt_int(value: str) -> int | None:
    return int(value) if value not in ("", None) else None


@dataclass(frozen=True)
class SeedResult:
    created: int
    existing: int
    updated: int = 0


def load_municipalities(directory: Path = OWL_DIR) -> SeedResult:
    """Load Kreise and municipalities from ``kreise.csv`` and ``municipalities_extended.csv``."""
    with open(directory / "kreise.csv", encoding="utf-8") as f:
        kreis_rows = list(csv.DictReader(f))
    with open(directory / "municipalities_extended.csv", encoding="utf-8") as f:
        municipality_rows = list(csv.DictReader(f))
    municipality_ags = {row["ags"] for row in municipality_rows}
    created = updated = 0
    with unit_of_work() as s:
        existing = {m.ags: m for m in s.scalars(sa.select(Municipality))}

        def upsert(ags: str, **values: Any) -> None:
            nonlocal created, updated
            row = existing.get(ags)
            if row is None:
                row = Municipality(ags=ags, **values)
                s.add(row)
                existing[ags] = row
                created += 1
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                updated += 1

        for row in kreis_rows:
            ags = row["ags"].ljust(8, "0")
            if ags in municipality_ags:  # a kreisfreie Stadt is its own Kreis
                continue
            upsert(
                ags,
                name=row["name"],
                official_name=row["name"],
                kind=MunicipalityKind.KREIS,
                type_label="Kreis",
                kreis_ags=None,
                population=_opt_int(row["population"]),
                population_date=row["population_date"] or None,
                slug=slugify(row["name"]),
            )
        s.flush()
        for row in municipality_rows:
            kind = _municipality_kind(row["type"])
            kreis_ags = row["ags"][:5] + "000"
            upsert(
                row["ags"],
                name=row["name"],
                official_name=row["gv_bezeichnung"],
                kind=kind,
                type_label=row["type"],
                kreis_ags=None if kind == MunicipalityKind.KREISFREIE_STADT else kreis_ags,
                population=_opt_int(row["population_2024_12_31"]),
                population_date="2024-12-31",
                area_km2=_opt_float(row["area_km2"]),
                postcode=row["plz_verwaltungssitz"] or None,
                lat=_opt_float(row["lat"]),
                lon=_opt_float(row["lon"]),
                slug=slugify(row["name"]),
            )
    return SeedResult(created=created, existing=updated)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        yield from (json.loads(line) for line in f if line.strip())


def _municipality_by_name(s: orm.Session, name: str) -> Municipality:
    """A municipality by its name; a Kreis only when named as one ("Kreis Paderborn")."""
    m = s.scalar(
        sa.select(Municipality)
        .where(Municipality.name == name)
        .order_by((Municipality.kind == MunicipalityKind.KREIS).asc())
        .limit(1)
    )
    if m is None:
        raise ValueError(f"unknown municipality in seed data: {name!r}")
    return m


def _tags(s: orm.Session, names: list[str], cache: dict[str, Tag]) -> list[Tag]:
    result: list[Tag] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        key = name.lower()
        tag = cache.get(key)
        if tag is None:
            # Python lowercases umlauts; SQLite's lower() does not, so compare here.
            tag = next(
                (
                    t
                    for t in s.scalars(sa.select(Tag).where(Tag.name.ilike(name)))
                    if t.name.lower() == key
                ),
                None,
            ) or s.scalar(sa.select(Tag).where(Tag.name == name))
            if tag is None:
                tag = Tag(name=name)
                s.add(tag)
            cache[key] = tag
        if tag not in result:
            result.append(tag)
    return result


def _unique_slug(s: orm.Session, title: str) -> str:
    base = slugify(title)
    slug, n = base, 2
    while s.scalar(sa.select(Solution.id).where(Solution.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _seed_value(f: Field, entry: dict[str, Any]) -> Any:
    if f.is_lines:
        return "\n".join(entry.get(f.name) or [])
    if f.is_text:
        return entry.get(f.name) or ""
    return entry.get(f.name)


def _scalar_fields(entry: dict[str, Any]) -> dict[str, Any]:
    """The plain columns of a solution as given by a seed entry (``SOLUTION_SPEC``)."""
    return {
        **{f.name: _seed_value(f, entry) for f in SOLUTION_SPEC.where(seed=True)},
        "category": entry["category"],
        "kind": SolutionKind(entry["kind"]),
        "project_status": ProjectStatus(entry["status"]),
        "readiness": Readiness(entry["readiness"]),
        "source_note": entry.get("source_note") or "",
    }


def _partners(s: orm.Session, entry: dict[str, Any]) -> list[Municipality]:
    return [
        _municipality_by_name(s, name)
        for name in entry.get("partners") or []
        if name != entry["municipality"]
    ]


def _links(entry: dict[str, Any]) -> list[SolutionLink]:
    return [
        SolutionLink(title=link["title"], url=link["url"], position=i)
        for i, link in enumerate(entry.get("links") or [])
    ]


# The seed-relevant state of a solution: columns, lead, tags, partners, links (title, url).
_Snapshot = tuple[dict[str, Any], str, list[str], list[str], list[tuple[str, str]]]


def _snapshot(solution: Solution) -> _Snapshot:
    return (
        {key: getattr(solution, key) for key in _SCALAR_KEYS},
        solution.lead_municipality_ags,
        sorted(t.name for t in solution.tags),
        sorted(m.ags for m in solution.partners),
        [(link.title, link.url) for link in sorted(solution.links, key=lambda x: x.position)],
    )


_SCALAR_KEYS = tuple(
    _scalar_fields(
        {
            "title": "",
            "category": "",
            "kind": "software",
            "status": "planned",
            "readiness": "not_yet",
        }
    )
)


def _update_from_seed(
    s: orm.Session, solution: Solution, entry: dict[str, Any], cache: dict[str, Tag]
) -> bool:
    """Bring a published seed entry up to date with its seed line; True if anything changed."""
    before = _snapshot(solution)
    for key, value in _scalar_fields(entry).items():
        setattr(solution, key, value)
    solution.lead_municipality_ags = _municipality_by_name(s, entry["municipality"]).ags
    solution.tags = _tags(s, entry.get("tags") or [], cache)
    solution.partners = _partners(s, entry)
    # Links are replaced only when they differ, so that an unchanged entry keeps its rows.
    if before[4] != [(link["title"], link["url"]) for link in entry.get("links") or []]:
        solution.links = _links(entry)
    s.flush()
    return _snapshot(solution) != before


def load_content(path: Path, *, is_demo: bool, update_existing: bool = False) -> SeedResult:
    """Create published solutions (with reports and reuse records) from a seed JSONL file.

    With ``update_existing`` (used for the sourced model-region data), entries that exist already
    (same title, published, not demo) are updated in place from the seed file, each change with a
    review event and a search outbox row; unchanged entries are left alone.
    """
    created = skipped = updated = 0
    tag_cache: dict[str, Tag] = {}
    with unit_of_work() as s:
        known = {
            sol.title: sol
            for sol in s.scalars(sa.select(Solution).where(Solution.revision_of_id.is_(None)))
        }
        base_time = utcnow()
        for position, entry in enumerate(_read_jsonl(path)):
            if entry["category"] not in CATEGORIES:
                raise ValueError(f"unknown category {entry['category']!r} in {path.name}")
            existing = known.get(entry["title"])
            if existing is not None:
                if (
                    update_existing
                    and not existing.is_demo
                    and existing.state == ContentState.PUBLISHED
                    and existing.source_note
                    and _update_from_seed(s, existing, entry, tag_cache)
                ):
                    record_event(
                        s,
                        actor=None,
                        entity_type="solution",
                        entity_id=existing.id,
                        from_state=ContentState.PUBLISHED.value,
                        to_state=ContentState.PUBLISHED.value,
                        comment="Aktualisierung aus öffentlichen Quellen",
                    )
                    enqueue(s, solution_doc_id(existing.id))
                    updated += 1
                else:
                    skipped += 1
                continue
            lead = _municipality_by_name(s, entry["municipality"])
            # Spread publication dates so "newest" lists follow the order of the seed file.
            now = base_time - timedelta(days=position)
            solution = Solution(
                slug=_unique_slug(s, entry["title"]),
                state=ContentState.PUBLISHED,
                lead_municipality_ags=lead.ags,
                is_demo=is_demo,
                published_at=now,
                **_scalar_fields(entry),
            )
            solution.tags = _tags(s, entry.get("tags") or [], tag_cache)
            solution.partners = _partners(s, entry)
            solution.links = _links(entry)
            solution.contacts = [
                ContactPerson(
                    name=c["name"],
                    role=c.get("role", ""),
                    email=c.get("email", ""),
                    phone=c.get("phone", ""),
                    position=i,
                )
                for i, c in enumerate(entry.get("contacts") or [])
            ]
            s.add(solution)
            s.flush()
            source = "Demodaten" if is_demo else "Übernahme aus öffentlichen Quellen"
            record_event(
                s,
                actor=None,
                entity_type="solution",
                entity_id=solution.id,
                from_state=None,
                to_state=ContentState.PUBLISHED.value,
                comment=source,
            )
            enqueue(s, solution_doc_id(solution.id))
            for report_data in entry.get("reports") or []:
                municipality = _municipality_by_name(s, report_data["municipality"])
                report = ExperienceReport(
                    solution_id=solution.id,
                    municipality_ags=municipality.ags,
                    role=ReportRole(report_data["role"]),
                    state=ContentState.PUBLISHED,
                    **{
                        f.name: _seed_value(f, report_data)
                        for f in REPORT_SPEC.where(seed=True)
                        if f.name != "title"  # falls back to the solution's title
                    },
                    title=report_data.get("title") or solution.title,
                    is_demo=is_demo,
                    published_at=now,
                )
                s.add(report)
                s.flush()
                record_event(
                    s,
                    actor=None,
                    entity_type="report",
                    entity_id=report.id,
                    from_state=None,
                    to_state=ContentState.PUBLISHED.value,
                    comment=source,
                )
                enqueue(s, report_doc_id(report.id))
                if report.role == ReportRole.REUSER and municipality.ags != lead.ags:
                    s.add(
                        Reuse(
                            solution_id=solution.id,
                            municipality_ags=municipality.ags,
                            status=ReuseStatus.IN_OPERATION,
                            note="Aus einem Erfahrungsbericht übernommen.",
                            is_demo=is_demo,
                        )
                    )
            known[entry["title"]] = solution
            created += 1
    return SeedResult(created=created, existing=skipped, updated=updated)


def load_modellregion() -> SeedResult:
    return load_content(MODELLREGION_FILE, is_demo=False, update_existing=True)


def load_demo() -> SeedResult:
    return load_content(DEMO_FILE, is_demo=True)
