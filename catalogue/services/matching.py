"""Stored need matches and reverse matching, both run after commit by the worker.

- Reverse matching (job ``reverse_match``, queued in the transaction that first publishes a
  solution): once the index contains the new solution, every open need is matched; needs it fits
  strongly are flagged to curators and the need's municipality, exactly once per solution.
- Stored matches (``NeedMatchSet``): ``/vermittlung`` reads them instead of matching every open
  need per page load. A set is stale when its need changed or the index applied newer outbox
  rows; the worker refreshes stale sets a few at a time.

Matching itself stays in ``services.needs`` (``need_matches``); this module never runs inside a
request and never sends mail directly (notifications queue mail rows).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.models import ContentState, Need, NeedMatchSet, NeedStatus, Solution
from catalogue.services import jobs
from catalogue.services.catalogue import published_solutions_by_id

log = logging.getLogger(__name__)

STORED = 10  # matches stored per need
READ_CHUNK = 50  # needs matched per read transaction


@dataclass(frozen=True)
class _NeedRef:
    id: int
    title: str
    ags: str


@dataclass(frozen=True)
class _NeedSnapshot:
    """The fields of a need that matching reads, detached from the session."""

    id: int
    title: str
    text: str
    category: str | None
    tags: str
    municipality_ags: str


def _open_needs(need_ids: list[int] | None = None) -> list[Need]:
    query = sa.select(Need).where(Need.status == NeedStatus.OPEN).order_by(Need.id)
    if need_ids is not None:
        query = query.where(Need.id.in_(need_ids))
    return list(db.session.scalars(query))


def _compute(needs: list[Need]) -> dict[int, list[dict[str, Any]]]:
    from catalogue.services.needs import need_matches

    # Plain snapshots: the read transaction is ended between chunks, which expires ORM rows.
    snapshots = [
        _NeedSnapshot(
            id=n.id,
            title=n.title,
            text=n.text,
            category=n.category,
            tags=n.tags,
            municipality_ags=n.municipality_ags,
        )
        for n in needs
    ]
    result: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(snapshots), READ_CHUNK):
        for need in snapshots[start : start + READ_CHUNK]:
            outcome = need_matches(need, limit=STORED)
            result[need.id] = [
                {
                    "solution_id": m.solution.id,
                    "score": m.score,
                    "band": m.band,
                    "reasons": m.reasons,
                }
                for m in outcome.matches
            ]
        db.session.rollback()  # short read transactions: never hold locks for the whole run
    return result


def _store(session: orm.Session, computed: dict[int, list[dict[str, Any]]], outbox_id: int) -> None:
    existing = {
        row.need_id: row
        for row in session.scalars(
            sa.select(NeedMatchSet).where(NeedMatchSet.need_id.in_(list(computed)))
        )
    }
    live = set(session.scalars(sa.select(Need.id).where(Need.id.in_(list(computed)))))
    now = utcnow()
    for need_id, matches in computed.items():
        if need_id not in live:
            continue
        row = existing.get(need_id)
        if row is None:
            row = NeedMatchSet(need_id=need_id)
            session.add(row)
        row.matches = json.dumps(matches)
        row.outbox_id = outbox_id
        row.computed_at = now


def _cursor() -> int:
    from catalogue.services.search_sync import SyncState

    return SyncState.load().cursor


# Reverse matching ---------------------------------------------------------------------------


def _prepare_reverse_match(payload: dict[str, Any]) -> dict[str, Any]:
    """Reads the stored match sets: once every open need's set is at least as new as the
    approval, the needs whose set lists the solution as a strong match are flagged. One refresh
    pass therefore serves every approval of a burst instead of one matching run per approval."""
    solution_id = int(payload["solution_id"])
    after = int(payload.get("_after_outbox_id", 0))
    if _cursor() < after:
        raise jobs.NotReady("the index has not applied the approval yet")
    stored = sa.orm.aliased(NeedMatchSet)
    waiting = db.session.scalar(
        sa.select(sa.func.count(Need.id))
        .outerjoin(stored, stored.need_id == Need.id)
        .where(Need.status == NeedStatus.OPEN)
        .where(sa.or_(stored.need_id.is_(None), stored.outbox_id < after))
    )
    if waiting:
        raise jobs.NotReady(f"{waiting} stored match sets are older than the approval")
    flagged = []
    rows = db.session.execute(
        sa.select(Need.id, Need.title, Need.municipality_ags, NeedMatchSet.matches)
        .join(NeedMatchSet, NeedMatchSet.need_id == Need.id)
        .where(Need.status == NeedStatus.OPEN)
        .order_by(Need.id)
    )
    for need_id, title, ags, matches in rows:
        if any(
            m["solution_id"] == solution_id and m["band"] == "strong" for m in json.loads(matches)
        ):
            flagged.append(_NeedRef(need_id, title, ags))
    return {"flagged": flagged}


def reverse_match_link(slug: str, need_id: int) -> str:
    """Where a reverse-match notice leads (the digest recognises notices by it)."""
    return f"/loesungen/{slug}?bedarf={need_id}"


def _apply_reverse_match(session: orm.Session, payload: dict[str, Any], prepared: Any) -> None:
    from catalogue.models import Municipality
    from catalogue.services.accounts import match_alerts_footer, match_alerts_off_path
    from catalogue.services.needs import is_own_solution
    from catalogue.services.notifications import municipality_staff, notify, notify_curators

    solution = session.get(Solution, int(payload["solution_id"]))
    if solution is None or solution.state != ContentState.PUBLISHED:
        return
    base_url = current_app.config["BASE_URL"]
    for need in prepared["flagged"]:
        if session.get(Need, need.id) is None or is_own_solution(solution, need.ags):
            continue  # gone, or the municipality's own solution: never told about it
        municipality = session.get(Municipality, need.ags)
        text = (
            f"Die neue Lösung „{solution.title}“ passt gut zum Bedarf „{need.title}“ "
            f"({municipality.name if municipality else need.ags})."
        )
        notify_curators(session, text=text, link=f"/bedarfe/{need.id}")
        owner = solution.lead_municipality
        # to the need's municipality: its own need, who built the solution, and the next step
        own_text = (
            f"Die neue Lösung „{solution.title}“ ({owner.name if owner else 'eine Kommune'}) "
            f"passt gut zu Ihrem Bedarf „{need.title}“. Sehen Sie sie sich an: Über „Kontakt "
            f"vermitteln lassen“ auf ihrer Seite stellt das {current_app.config['OPERATOR_NAME']} "
            "den Kontakt her; Ihr Bedarf ist dort schon ausgewählt."
        )
        for user in municipality_staff(session, need.ags):
            notify(
                session,
                user=user,
                text=own_text,
                # the need goes along: the contact form preselects it (`?bedarf=`)
                link=reverse_match_link(solution.slug, need.id),
                # the notice in the app comes either way; the mail only if the person wants it
                mail_subject=(
                    f"Passende Lösung für Ihren Bedarf: {solution.title}"
                    if user.mail_match_alerts
                    else None
                ),
                base_url=base_url,
                mail_footer=match_alerts_footer(user.id, base_url),
                unsubscribe_path=match_alerts_off_path(user.id),
            )


jobs.register("reverse_match", jobs.Handler(_prepare_reverse_match, _apply_reverse_match))


def enqueue_reverse_match(session: orm.Session, solution_id: int) -> None:
    """Called in the unit of work that first publishes a solution."""
    jobs.enqueue_job(
        session,
        kind="reverse_match",
        key=f"reverse_match:solution:{solution_id}",
        payload={"solution_id": solution_id},
    )


# Stored matches -------------------------------------------------------------------------------


def stale_need_ids(limit: int, cursor: int) -> list[int]:
    """Open needs without a stored match set, or whose set predates a change of the need or
    an outbox row this host's index has applied since."""
    stored = sa.orm.aliased(NeedMatchSet)
    query = (
        sa.select(Need.id)
        .outerjoin(stored, stored.need_id == Need.id)
        .where(Need.status == NeedStatus.OPEN)
        .where(
            sa.or_(
                stored.need_id.is_(None),
                stored.computed_at < Need.updated_at,
                stored.outbox_id < cursor,
            )
        )
        # Oldest first (never computed before everything else), so no set starves while
        # new changes keep arriving.
        .order_by(sa.func.coalesce(stored.outbox_id, -1), Need.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def refresh_stale_matches(limit: int = 200, budget_seconds: float = 2.0) -> int:
    """Recompute stale match sets for up to ``budget_seconds`` (so the worker's index sync is
    never held up for long); returns how many were refreshed."""
    cursor = _cursor()
    need_ids = stale_need_ids(limit, cursor)
    db.session.rollback()
    if not need_ids:
        return 0
    started = time.monotonic()
    computed: dict[int, list[dict[str, Any]]] = {}
    for need in _open_needs(need_ids):
        computed.update(_compute([need]))
        if time.monotonic() - started > budget_seconds:
            break  # the rest waits for the next loop; the index sync comes first
    with unit_of_work() as s:
        _store(s, computed, cursor)
    return len(computed)


@dataclass
class StoredMatches:
    """What ``/vermittlung`` shows for one need; ``matches`` is None while not computed yet."""

    matches: list[Any] | None
    computed_at: Any = None

    @property
    def has_strong(self) -> bool:
        return any(m.band == "strong" for m in self.matches or [])


def stored_matches(needs: list[Need], limit: int = 3) -> dict[int, StoredMatches]:
    """Stored best matches per need, re-filtered so only published solutions are shown."""
    from catalogue.services.needs import MatchView, _trim_weak

    rows = {
        row.need_id: row
        for row in db.session.scalars(
            sa.select(NeedMatchSet).where(NeedMatchSet.need_id.in_([n.id for n in needs]))
        )
    }
    raw = {need_id: json.loads(row.matches) for need_id, row in rows.items()}
    solutions = published_solutions_by_id(
        {m["solution_id"] for matches in raw.values() for m in matches}
    )
    result: dict[int, StoredMatches] = {}
    for need in needs:
        row = rows.get(need.id)
        if row is None:
            result[need.id] = StoredMatches(None)
            continue
        views = [
            MatchView(solutions[m["solution_id"]], m["score"], m["band"], list(m["reasons"]))
            for m in raw[need.id]
            if m["solution_id"] in solutions
        ]
        result[need.id] = StoredMatches(_trim_weak(views)[:limit], row.computed_at)
    return result
