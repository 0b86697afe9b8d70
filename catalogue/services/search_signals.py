"""Demand signals from searching: searches without results, counted per normalised query so
the DigitalBüro sees what people look for and do not find."""

from __future__ import annotations

import sqlalchemy as sa

from catalogue.clock import utcnow
from catalogue.db import affected_rows, db, unit_of_work
from catalogue.models import ZeroResultQuery
from catalogue.permissions import Actor, is_curator, require


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
                updated = affected_rows(
                    s.execute(
                        sa.update(ZeroResultQuery)
                        .where(ZeroResultQuery.query == query)
                        .values(count=ZeroResultQuery.count + 1, last_seen=utcnow())
                    )
                )
                if not updated:
                    s.add(ZeroResultQuery(query=query))
            return
        except sa.exc.IntegrityError:
            if attempt:
                raise


def zero_result_queries(*, actor: Actor, limit: int = 100) -> list[ZeroResultQuery]:
    require(is_curator(actor))
    return list(
        db.session.scalars(
            sa.select(ZeroResultQuery)
            .order_by(ZeroResultQuery.count.desc(), ZeroResultQuery.last_seen.desc())
            .limit(limit)
        )
    )
