"""The contributor's overview ("Meine Beiträge"): own entries with their latest review event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from catalogue.clock import utcnow
from catalogue.db import db
from catalogue.models import (
    ContentState,
    ExperienceReport,
    ReviewEvent,
    Solution,
)
from catalogue.permissions import (
    Actor,
    can_view_own_contributions,
    is_curator,
    require,
)


@dataclass
class ContributionRow:
    entity_type: str
    entry: Any
    last_comment: str
    last_event_at: Any


def my_contributions(*, actor: Actor) -> list[ContributionRow]:
    """Entries of the actor's municipality (curators: their own drafts) with the latest
    curator comment, newest activity first."""
    require(can_view_own_contributions(actor))
    if is_curator(actor) and actor.municipality_ags is None:
        solutions = list(
            db.session.scalars(sa.select(Solution).where(Solution.created_by_id == actor.id))
        )
        reports = list(
            db.session.scalars(
                sa.select(ExperienceReport).where(ExperienceReport.author_id == actor.id)
            )
        )
    else:
        solutions = list(
            db.session.scalars(
                sa.select(Solution).where(Solution.lead_municipality_ags == actor.municipality_ags)
            )
        )
        reports = list(
            db.session.scalars(
                sa.select(ExperienceReport).where(
                    ExperienceReport.municipality_ags == actor.municipality_ags
                )
            )
        )
    rows: list[ContributionRow] = []
    for entity_type, entries in (("solution", solutions), ("report", reports)):
        if not entries:
            continue
        events = db.session.scalars(
            sa.select(ReviewEvent)
            .where(
                ReviewEvent.entity_type == entity_type,
                ReviewEvent.entity_id.in_([e.id for e in entries]),
            )
            .order_by(ReviewEvent.created_at, ReviewEvent.id)
        )
        latest: dict[int, ReviewEvent] = {}
        commented: dict[int, str] = {}
        for event in events:
            latest[event.entity_id] = event
            if (
                event.comment
                and event.to_state in {"changes_requested", "rejected", "published"}
                and event.actor_id
            ):
                commented[event.entity_id] = event.comment
        for entry in entries:
            if entry.state == ContentState.ARCHIVED and entry.revision_of_id is not None:
                continue  # merged revisions
            last = latest.get(entry.id)
            rows.append(
                ContributionRow(
                    entity_type,
                    entry,
                    commented.get(entry.id, ""),
                    last.created_at if last else entry.created_at,
                )
            )
    rows.sort(key=lambda r: r.last_event_at or utcnow(), reverse=True)
    return rows
