"""Search integration: turning database rows into index documents, applying the search outbox
to this host's index, rebuilding and checking the index, and running searches whose hits are
loaded from the database and re-filtered by visibility.

The index is derived data. Only published content is indexed; a stale index can never show an
unpublished entry because every hit is re-checked against the database before it is shown.

Outbox cursor (per host, stored next to the index): rows are applied idempotently — an upsert
reloads the row's *current* state, so order and repetition do not matter. The cursor only moves
over a contiguous run of seen ids. A gap (an id not visible yet, e.g. a transaction on
PostgreSQL that took its sequence value earlier but commits later) holds the cursor back until the
row shows up or the gap is older than ``GAP_TIMEOUT`` seconds (a rolled-back transaction leaves a
permanent gap). Rows above a gap are re-applied on the next run, which is harmless.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.db import db, unit_of_work, utcnow
from catalogue.models import (
    ContentState,
    ExperienceReport,
    Municipality,
    SearchOutbox,
    SearchSetting,
    Solution,
    ZeroResultQuery,
)
from catalogue.permissions import is_curator, require
from catalogue.services.catalogue import published_solutions_by_id, reuse_counts
from search_index.documents import IndexDocument
from search_index.index import CatalogueIndex
from search_index.query import SearchRequest
from search_index.thesaurus import Thesaurus

log = logging.getLogger(__name__)

GAP_TIMEOUT = 120.0  # seconds; longer than any transaction that writes outbox rows
BATCH = 500
THESAURUS_KEY = "thesaurus"


# Documents ------------------------------------------------------------------------------------


def _published_solution_query() -> sa.Select:
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
        doc_id=f"solution:{s.id}",
        kind="solution",
        solution_id=s.id,
        version=s.version,
        title=s.title,
        summary=s.summary,
        body="\n\n".join(p for p in (s.problem, s.description) if p),
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
        doc_id=f"report:{r.id}",
        kind="report",
        solution_id=solution.id,
        version=r.version,
        title=r.title,
        summary=f"Erfahrungsbericht aus {m.name} zu „{solution.title}“",
        body="\n\n".join(p for p in (r.what_worked, r.what_did_not, r.advice) if p),
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
    solution_ids = {int(d.split(":")[1]) for d in doc_ids if d.startswith("solution:")}
    report_ids = {int(d.split(":")[1]) for d in doc_ids if d.startswith("report:")}
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
        seen.add(f"solution:{s.id}")
    for r in reports:
        parent = solutions.get(r.solution_id)
        if parent is not None and r.state == ContentState.PUBLISHED and r.revision_of_id is None:
            upserts.append(report_document(r, parent, counts.get(parent.id, 0)))
            seen.add(f"report:{r.id}")
    wanted = {f"solution:{i}" for i in solution_ids} | {f"report:{i}" for i in report_ids}
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


# The index of this host -------------------------------------------------------------------------


def current_thesaurus() -> Thesaurus:
    row = db.session.get(SearchSetting, THESAURUS_KEY)
    return (
        Thesaurus.from_text(row.value)
        if row is not None and row.value.strip()
        else Thesaurus.default()
    )


def _thesaurus_stamp():
    return db.session.scalar(
        sa.select(SearchSetting.updated_at).where(SearchSetting.key == THESAURUS_KEY)
    )


def get_index() -> CatalogueIndex:
    """This process's index object; the curators' thesaurus is re-read when it changed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    index = app.extensions.get("catalogue_index")
    stamp = _thesaurus_stamp()
    if index is None:
        index = CatalogueIndex(Path(app.config["SEARCH_INDEX_DIR"]), thesaurus=current_thesaurus())
        app.extensions["catalogue_index"] = index
        app.extensions["catalogue_thesaurus_stamp"] = stamp
    elif app.extensions.get("catalogue_thesaurus_stamp") != stamp:
        index.thesaurus = current_thesaurus()
        app.extensions["catalogue_thesaurus_stamp"] = stamp
    return index


def _root() -> Path:
    root = Path(current_app.config["SEARCH_INDEX_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def _sync_lock(timeout: float = 120.0) -> Iterator[None]:
    """Serialise index maintenance of this host across processes (flock, released on death)."""
    path = _root() / "sync.lock"
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("search index is locked by another process") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class SyncState:
    cursor: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # id -> first seen missing (epoch)

    @classmethod
    def load(cls) -> SyncState:
        path = _root() / "sync-state.json"
        try:
            data = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return cls()
        return cls(cursor=int(data["cursor"]), gaps={int(k): v for k, v in data["gaps"].items()})

    def save(self) -> None:
        path = _root() / "sync-state.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"cursor": self.cursor, "gaps": self.gaps}))
        os.replace(tmp, path)


def _advance(state: SyncState, seen_ids: list[int], now: float) -> None:
    seen = set(seen_ids)
    top = max(seen, default=state.cursor)
    cursor = state.cursor
    gaps: dict[int, float] = {}
    for candidate in range(state.cursor + 1, top + 1):
        if candidate in seen:
            if not gaps:
                cursor = candidate
            continue
        first_missing = state.gaps.get(candidate, now)
        if now - first_missing >= GAP_TIMEOUT and not gaps:
            cursor = candidate  # permanent gap (rolled back); step over it
            continue
        gaps[candidate] = first_missing
    state.cursor = cursor
    state.gaps = gaps


@dataclass(frozen=True)
class SyncResult:
    rows: int
    upserted: int
    deleted: int
    cursor: int
    waiting_gaps: int


def sync_outbox(now: float | None = None) -> SyncResult:
    """Apply outbox rows newer than this host's cursor to its index."""
    with _sync_lock():
        state = SyncState.load()
        rows = db.session.execute(
            sa.select(SearchOutbox.id, SearchOutbox.doc_id, SearchOutbox.op)
            .where(SearchOutbox.id > state.cursor)
            .order_by(SearchOutbox.id)
        ).all()
        upserted = deleted = 0
        if rows:
            doc_ids = sorted({r.doc_id for r in rows})
            for start in range(0, len(doc_ids), BATCH):
                chunk = doc_ids[start : start + BATCH]
                upserts, deletes = documents_for(chunk)
                get_index().apply(upserts, deletes)
                upserted += len(upserts)
                deleted += len(deletes)
        _advance(state, [r.id for r in rows], time.time() if now is None else now)
        state.save()
        return SyncResult(len(rows), upserted, deleted, state.cursor, len(state.gaps))


def sync_after_commit() -> None:
    """After-commit hook (inline mode): bring the local index up to date; never fail the
    request — the database is the truth and the next sync or a rebuild catches up."""
    if current_app.config["SEARCH_SYNC"] != "inline":
        return
    try:
        if _has_pending():
            sync_outbox()
    except Exception:  # noqa: BLE001 - the request already committed; log and move on
        log.exception("search index sync failed; it will be retried")


def _has_pending() -> bool:
    state = SyncState.load()
    newest = db.session.scalar(sa.select(sa.func.max(SearchOutbox.id)))
    return bool(state.gaps) or (newest or 0) > state.cursor


def rebuild(progress: Callable[[int, int | None], None] | None = None) -> int:
    """Rebuild the index from the database into a new directory and swap it in."""
    with _sync_lock(timeout=600):
        # Rows newer than this are re-applied afterwards (idempotent), so nothing committed
        # during the build is lost.
        horizon = db.session.scalar(
            sa.select(sa.func.max(SearchOutbox.id)).where(
                SearchOutbox.created_at < sa.literal(_seconds_ago(GAP_TIMEOUT))
            )
        )
        state = SyncState.load()
        total = count_documents()
        count = get_index().rebuild(all_documents(), total=total, progress=progress)
        state.cursor = min(state.cursor, horizon or 0) if state.cursor else (horizon or 0)
        state.gaps = {}
        state.save()
    sync_outbox()
    return count


def _seconds_ago(seconds: float):
    from datetime import timedelta

    return utcnow() - timedelta(seconds=seconds)


@dataclass(frozen=True)
class Drift:
    missing: list[str]  # published in the DB, absent from the index
    stale: list[str]  # in both, but the index has an older/other version
    orphaned: list[str]  # in the index, but not published in the DB

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)


def check() -> Drift:
    expected = expected_versions()
    actual = get_index().versions()
    return Drift(
        missing=sorted(set(expected) - set(actual)),
        stale=sorted(d for d in set(expected) & set(actual) if expected[d] != actual[d]),
        orphaned=sorted(set(actual) - set(expected)),
    )


def optimize() -> tuple[int, int]:
    """Merge this host's index into one segment (e.g. nightly); return segments before/after.

    Incremental updates add small segments; searches read every segment, so fewer are faster.
    Readers keep working; writers wait for the merge (same lock as rebuild).
    """
    index = get_index()
    before = index.stats()["segment_count"]
    index.optimize()
    return before, index.stats()["segment_count"]


def status() -> dict[str, Any]:
    state = SyncState.load()
    pending = db.session.scalar(
        sa.select(sa.func.count(SearchOutbox.id)).where(SearchOutbox.id > state.cursor)
    )
    return {
        **get_index().stats(),
        "cursor": state.cursor,
        "pending_outbox_rows": pending or 0,
        "waiting_gaps": len(state.gaps),
        "sync_mode": current_app.config["SEARCH_SYNC"],
    }


# Searching ---------------------------------------------------------------------------------------


@dataclass
class ResultItem:
    kind: str
    solution: Solution
    report: ExperienceReport | None
    highlights: dict[str, str]
    score: float


@dataclass
class SearchOutcome:
    text: str
    total: int
    items: list[ResultItem]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    fuzzy: bool
    page: int
    per_page: int
    sort: str
    # Engine flags (getattr defaults below while the engine does not set them all yet):
    relaxed: bool = False  # any-word fallback: not every word occurs in each hit
    corrected: bool = False  # results were found through corrected spellings
    corrections: dict[str, str] = field(default_factory=dict)  # typed word → spelling used
    broadened: bool = False  # one part of a compound stood in for the whole word
    suggestion_total: int | None = None  # hits of the suggestion (without filters)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


SORTS = ("relevance", "newest", "most_reused")
FACET_FIELDS = ("kind", "category", "kreis", "municipality", "solution_kind", "status", "readiness")
# Facet field → its query-string parameter on /suche and in the API (German, stable in links).
FILTER_PARAMS = {
    "kind": "typ",
    "category": "kategorie",
    "kreis": "kreis",
    "municipality": "kommune",
    "solution_kind": "art",
    "status": "status",
    "readiness": "reife",
}


def filters_from_params(getlist: Callable[[str], list[str]]) -> dict[str, list[str]]:
    """Facet filters from query-string parameters (`request.args.getlist`), at most 20 values each."""
    filters = {}
    for field_name, param in FILTER_PARAMS.items():
        values = [v for v in getlist(param) if v][:20]
        if values:
            filters[field_name] = values
    return filters


def _load_visible(hits) -> list[ResultItem]:
    solution_ids = {h.solution_id for h in hits}
    report_ids = {int(h.doc_id.split(":")[1]) for h in hits if h.kind == "report"}
    solutions = published_solutions_by_id(solution_ids)
    reports = {
        r.id: r
        for r in db.session.scalars(
            sa.select(ExperienceReport)
            .where(
                ExperienceReport.id.in_(report_ids),
                ExperienceReport.state == ContentState.PUBLISHED,
                ExperienceReport.revision_of_id.is_(None),
            )
            .options(orm.selectinload(ExperienceReport.municipality))
        )
    }
    items: list[ResultItem] = []
    for hit in hits:
        solution = solutions.get(hit.solution_id)
        if solution is None:
            continue
        report = None
        if hit.kind == "report":
            report = reports.get(int(hit.doc_id.split(":")[1]))
            if report is None:
                continue
            current_version = report.version
        else:
            current_version = solution.version
        # A snippet from an older version of the text is not shown; the current summary is.
        highlights = hit.highlights if hit.version == current_version else {}
        items.append(ResultItem(hit.kind, solution, report, highlights, hit.score))
    return items


def _suggestion_is_visible(index: CatalogueIndex, suggestion: str) -> bool:
    """Only suggest a spelling that leads to something the public may see."""
    probe = index.search(SearchRequest(text=suggestion, page=1, per_page=10, facet_fields=()))
    return bool(_load_visible(probe.hits))


def ensure_index_current() -> None:
    """In inline mode, apply pending outbox rows before reading (cheap when nothing is pending)."""
    if current_app.config["SEARCH_SYNC"] == "inline" and _has_pending():
        try:
            sync_outbox()
        except Exception:  # noqa: BLE001 - serve from the slightly stale index
            log.exception("search index sync before reading failed")


def search_catalogue(
    *,
    actor: Any,
    text: str,
    filters: dict[str, list[str]],
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchOutcome:
    ensure_index_current()
    sort = sort if sort in SORTS else "relevance"
    page = max(1, min(page, 500))
    index = get_index()
    results = index.search(
        SearchRequest(
            text=text,
            filters={k: v for k, v in filters.items() if k in FACET_FIELDS},
            sort=sort,
            page=page,
            per_page=per_page,
            facet_fields=FACET_FIELDS,
        )
    )
    items = _load_visible(results.hits)
    suggestion = results.suggestion
    if suggestion and not _suggestion_is_visible(index, suggestion):
        suggestion = None
    if text and results.total == 0 and not filters:
        record_zero_result(text)
    return SearchOutcome(
        text=text,
        total=results.total,
        items=items,
        facets=results.facets,
        suggestion=suggestion,
        fuzzy=results.fuzzy,
        page=page,
        per_page=per_page,
        sort=sort,
        relaxed=bool(getattr(results, "relaxed", False)),
        corrected=bool(getattr(results, "corrected", results.fuzzy)),
        corrections=dict(getattr(results, "corrections", None) or {}),
        broadened=bool(getattr(results, "broadened", False)),
        suggestion_total=getattr(results, "suggestion_total", None) if suggestion else None,
    )


def normalise_query(text: str) -> str:
    return " ".join(text.lower().split())[:200]


def record_zero_result(text: str) -> None:
    """Count a search without results. Concurrent identical searches may race on the unique
    query: the loser retries once and then increments the winner's row."""
    query = normalise_query(text)
    if not query:
        return
    for attempt in range(2):
        try:
            with unit_of_work() as s:
                updated = s.execute(
                    sa.update(ZeroResultQuery)
                    .where(ZeroResultQuery.query == query)
                    .values(count=ZeroResultQuery.count + 1, last_seen=utcnow())
                ).rowcount
                if not updated:
                    s.add(ZeroResultQuery(query=query))
            return
        except sa.exc.IntegrityError:
            if attempt:
                raise


def zero_result_queries(*, actor: Any, limit: int = 100) -> list[ZeroResultQuery]:
    require(is_curator(actor))
    return list(
        db.session.scalars(
            sa.select(ZeroResultQuery)
            .order_by(ZeroResultQuery.count.desc(), ZeroResultQuery.last_seen.desc())
            .limit(limit)
        )
    )


FACET_TITLES = {
    "kind": "Eintrag",
    "category": "Kategorie",
    "kreis": "Kreis",
    "municipality": "Kommune",
    "solution_kind": "Art der Lösung",
    "status": "Projektstand",
    "readiness": "Nachnutzbarkeit",
}


def facet_labels() -> dict[str, dict[str, str]]:
    """Human-readable labels for every facet value."""
    from catalogue.categories import CATEGORIES
    from catalogue.models import MunicipalityKind, ProjectStatus, Readiness, SolutionKind

    municipalities = list(db.session.scalars(sa.select(Municipality)))
    return {
        "kind": {"solution": "Lösungen", "report": "Erfahrungsberichte"},
        "category": dict(CATEGORIES),
        "kreis": {
            m.ags[:5]: m.display_name
            for m in municipalities
            if m.kind in (MunicipalityKind.KREIS, MunicipalityKind.KREISFREIE_STADT)
        },
        "municipality": {m.ags: m.name for m in municipalities},
        "solution_kind": dict(SolutionKind.choices()),
        "status": dict(ProjectStatus.choices()),
        "readiness": dict(Readiness.choices()),
    }
