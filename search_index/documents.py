"""Input format of the search index.

Owns `IndexDocument`, the one and only shape in which the application hands content to the
search layer, and the format of its ids (`solution_doc_id`, `report_doc_id`, `parse_doc_id`). Must not import Flask, SQLAlchemy or Whoosh; it is a plain value object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

KINDS = ("solution", "report")


def solution_doc_id(solution_id: int) -> str:
    """The index id of a solution: ``"solution:<id>"``."""
    return f"{KINDS[0]}:{solution_id}"


def report_doc_id(report_id: int) -> str:
    """The index id of an experience report: ``"report:<id>"``."""
    return f"{KINDS[1]}:{report_id}"


def parse_doc_id(doc_id: str) -> tuple[str, int]:
    """``(kind, id)`` of an index id built by `solution_doc_id` or `report_doc_id`; raises
    ValueError for anything else."""
    kind, _, raw = doc_id.partition(":")
    if kind not in KINDS or not raw.isdigit():
        raise ValueError(f"not a document id: {doc_id!r}")
    return kind, int(raw)


@dataclass(frozen=True, slots=True)
class IndexDocument:
    """One searchable entry (a solution or an experience report).

    `doc_id` is "solution:<id>" or "report:<id>". For reports `solution_id` is the solution they
    belong to; for solutions it is their own id. `reports_text` (solutions only) is the text of
    their published experience reports; it counts towards need matching.
    """

    doc_id: str
    kind: str
    solution_id: int
    version: int
    title: str
    summary: str = ""
    body: str = ""
    lessons: str = ""
    reports_text: str = ""
    tags: tuple[str, ...] = ()
    category: str = ""
    kreis: str = ""
    municipality: str = ""
    solution_kind: str = ""
    status: str = ""
    readiness: str = ""
    published: datetime = field(default_factory=lambda: datetime(1970, 1, 1))
    reuse_count: int = 0
    population: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if not self.doc_id:
            raise ValueError("doc_id must not be empty")
        if isinstance(self.tags, list):  # tolerate lists from callers, keep the object hashable
            object.__setattr__(self, "tags", tuple(self.tags))
