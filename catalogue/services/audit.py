"""Writing review events (the immutable audit trail)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import orm

from catalogue.models import ReviewEvent


def record_event(
    session: orm.Session,
    *,
    actor: Any,
    entity_type: str,
    entity_id: int,
    from_state: str | None,
    to_state: str,
    comment: str = "",
) -> ReviewEvent:
    event = ReviewEvent(
        entity_type=entity_type,
        entity_id=entity_id,
        actor_id=getattr(actor, "id", None),
        from_state=from_state,
        to_state=to_state,
        comment=comment,
    )
    session.add(event)
    return event
