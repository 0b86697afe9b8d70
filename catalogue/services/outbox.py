"""Writing search outbox rows. Called by services inside their unit of work so that the row
commits (or rolls back) together with the change it describes."""

from __future__ import annotations

from sqlalchemy import orm

from catalogue.models import OutboxOp, SearchOutbox


def solution_doc_id(solution_id: int) -> str:
    return f"solution:{solution_id}"


def report_doc_id(report_id: int) -> str:
    return f"report:{report_id}"


def enqueue(session: orm.Session, doc_id: str, op: OutboxOp = OutboxOp.UPSERT) -> None:
    session.add(SearchOutbox(doc_id=doc_id, op=op))
