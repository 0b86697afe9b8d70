"""Index documents: turning published database rows into ``search_index`` documents.

Only published, current (non-revision) solutions and experience reports become documents. This
module reads the database and builds plain documents; it never writes the index or the database.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.db import db
from catalogue.fields import REPORT_SPEC, SOLUTION_SPEC
from catalogue.models import ContentState, ExperienceReport, Municipality, Solution
from catalogue.services.catalogue import reuse_counts
from search_index.documents import IndexDocument, parse_doc_id, report_doc_id, solution_doc_id

BATCH = 500


def _published_solution_query() -> sa.Select[tuple[Solution]]:
    # populate_existing: the session may hold rows loaded before another process changed them.
    return (
        sa.select(Solution)
        .execution_options(populate_existing=True)
        .where(Solution.state == ContentState.PUBLISHED, Solution.revision_of_id.is_(None))
        .options(
            orm.selectinload(Solution.tags),
            orm.selectinload(Solution.lead_municipality),
        )
    )


def _reports_by_solution(solution_ids: list[int]) -> dict[int, list[ExperienceReport]]:
    result: dict[int, list[ExperienceReport]] = {}
    if not solution_ids:
        return result
    for report in db.session.scalars(
        sa.select(ExperienceReport)
        .execution_options(populate_existing=True)
        .where(
            ExperienceReport.solution_id.in_(solution_ids),
            ExperienceReport.state == ContentState.PUBLISHED,
            ExperienceReport.revision_of_id.is_(None),
        )
    ):
        result.setdefault(report.solution_id, []).append(report)
    return result


def _kreis_of(m: Municipality) -> str:
    return (m.kreis_ags or m.ags)[:5]


def solution_document(
    s: Solution, reports: list[ExperienceReport], reuse_count: int
) -> IndexDocument:
    m = s.lead_municipality
    return IndexDocument(
        doc_id=solution_doc_id(s.id),
        kind="solution",
        solution_id=s.id,
        version=s.version,
        title=s.title,
        summary=s.summary,
        body="\n\n".join(
            p for f in SOLUTION_SPEC.where(search="body") if (p := getattr(s, f.name))
        ),
        lessons="",
        reports_text="\n\n".join(r.full_text for r in reports),
        tags=tuple(t.name for t in s.tags),
        category=s.category,
        kreis=_kreis_of(m),
        municipality=m.ags,
        solution_kind=s.kind.value,
        status=s.project_status.value,
        readiness=s.readiness.value,
        published=s.published_at or s.created_at,
        reuse_count=reuse_count,
        population=m.population or 0,
    )


def report_document(r: ExperienceReport, solution: Solution, reuse_count: int) -> IndexDocument:
    m = r.municipality
    return IndexDocument(
        doc_id=report_doc_id(r.id),
        kind="report",
        solution_id=solution.id,
        version=r.version,
        title=r.title,
        summary=f"Erfahrungsbericht aus {m.name} zu „{solution.title}“",
        body="\n\n".join(p for f in REPORT_SPEC.where(search="body") if (p := getattr(r, f.name))),
        tags=tuple(t.name for t in solution.tags),
        category=solution.category,
        kreis=_kreis_of(m),
        municipality=m.ags,
        solution_kind=solution.kind.value,
        status=solution.project_status.value,
        readiness=solution.readiness.value,
        published=r.published_at or r.created_at,
        reuse_count=reuse_count,
        population=m.population or 0,
    )


def documents_for(doc_ids: list[str]) -> tuple[list[IndexDocument], list[str]]:
    """Current index documents for ``doc_ids``; ids that must not be indexed go to deletes."""
    ids: dict[str, set[int]] = {"solution": set(), "report": set()}
    for doc_id in doc_ids:
        try:
            kind, entry_id = parse_doc_id(doc_id)
        except ValueError:
            continue  # not an id of ours: nothing to index or delete
        ids[kind].add(entry_id)
    solution_ids, report_ids = ids["solution"], ids["report"]
    upserts: list[IndexDocument] = []
    seen: set[str] = set()
    if report_ids:
        reports = list(
            db.session.scalars(
                sa.select(ExperienceReport)
                .execution_options(populate_existing=True)
                .where(ExperienceReport.id.in_(report_ids))
                .options(orm.selectinload(ExperienceReport.municipality))
            )
        )
        # A report's text counts towards its solution: re-index the solution too.
        solution_ids |= {r.solution_id for r in reports}
    else:
        reports = []
    solutions = {
        s.id: s
        for s in db.session.scalars(
            _published_solution_query().where(Solution.id.in_(solution_ids))
        )
    }
    by_solution = _reports_by_solution(list(solutions))
    counts = reuse_counts(list(solutions))
    for s in solutions.values():
        upserts.append(solution_document(s, by_solution.get(s.id, []), counts.get(s.id, 0)))
        seen.add(solution_doc_id(s.id))
    for r in reports:
        parent = solutions.get(r.solution_id)
        if parent is not None and r.state == ContentState.PUBLISHED and r.revision_of_id is None:
            upserts.append(report_document(r, parent, counts.get(parent.id, 0)))
            seen.add(report_doc_id(r.id))
    wanted = {solution_doc_id(i) for i in solution_ids} | {report_doc_id(i) for i in report_ids}
    return upserts, sorted(wanted - seen)


def all_documents(batch: int = BATCH) -> Iterator[IndexDocument]:
    last_id = 0
    while True:
        solutions = list(
            db.session.scalars(
                _published_solution_query()
                .where(Solution.id > last_id)
                .order_by(Solution.id)
                .limit(batch)
            )
        )
        if not solutions:
            return
        last_id = solutions[-1].id
        ids = [s.id for s in solutions]
        by_solution = _reports_by_solution(ids)
        counts = reuse_counts(ids)
        municipalities = {
            m.ags: m
            for m in db.session.scalars(
                sa.select(Municipality).where(
                    Municipality.ags.in_(
                        {r.municipality_ags for rs in by_solution.values() for r in rs}
                    )
                )
            )
        }
        for s in solutions:
            reports = by_solution.get(s.id, [])
            yield solution_document(s, reports, counts.get(s.id, 0))
            for r in reports:
                r.municipality = municipalities[r.municipality_ags]
                yield report_document(r, s, counts.get(s.id, 0))
        db.session.expunge_all()


def count_documents() -> int:
    solutions = db.session.scalar(
        sa.select(sa.func.count(Solution.id)).where(
            Solution.state == ContentState.PUBLISHED, Solution.revision_of_id.is_(None)
        )
    )
    reports = db.session.scalar(
        sa.select(sa.func.count(ExperienceReport.id))
        .join(Solution, Solution.id == ExperienceReport.solution_id)
        .where(
            ExperienceReport.state == ContentState.PUBLISHED,
            ExperienceReport.revision_of_id.is_(None),
            Solution.state == ContentState.PUBLISHED,
            Solution.revision_of_id.is_(None),
        )
    )
    return (solutions or 0) + (reports or 0)


def expected_versions() -> dict[str, int]:
    return {doc.doc_id: doc.version for doc in all_documents()}
