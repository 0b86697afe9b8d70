"""Funding programmes whose projects the catalogue documents, and how completely.

A programme (e.g. the NRW programme's "Digitale Modellregion OWL") is data in
``catalogue/data/programmes.json``: its name, the number of projects it funded according to its
sources, and the tag that marks its documented projects. This module only reads; it counts the
published solutions carrying the tag so that the start page can say honestly how many of the
funded projects are documented and how many are not (yet) known to the catalogue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from catalogue.db import db
from catalogue.models import ContentState, Solution, Tag

PROGRAMMES_FILE = Path(__file__).resolve().parent.parent / "data" / "programmes.json"


@dataclass(frozen=True)
class ProgrammeSource:
    title: str
    url: str


@dataclass(frozen=True)
class ProgrammeCoverage:
    name: str
    funding_programme: str
    tag: str
    projects_total: int
    documented: int
    ended: str
    sources: tuple[ProgrammeSource, ...]

    @property
    def unknown(self) -> int:
        return max(self.projects_total - self.documented, 0)


@cache
def _programmes(path: Path = PROGRAMMES_FILE) -> tuple[dict[str, Any], ...]:
    if not path.exists():
        return ()
    with open(path, encoding="utf-8") as f:
        return tuple(json.load(f))


def programme_coverage() -> list[ProgrammeCoverage]:
    """Programmes with at least one published, documented project, with their coverage."""
    result = []
    for programme in _programmes():
        documented = (
            db.session.scalar(
                sa.select(sa.func.count(sa.distinct(Solution.id)))
                .join(Solution.tags)
                .where(
                    Tag.name == programme["tag"],
                    Solution.state == ContentState.PUBLISHED,
                    Solution.revision_of_id.is_(None),
                )
            )
            or 0
        )
        if documented == 0:
            continue
        result.append(
            ProgrammeCoverage(
                name=programme["name"],
                funding_programme=programme["funding_programme"],
                tag=programme["tag"],
                projects_total=int(programme["projects_total"]),
                documented=documented,
                ended=programme.get("ended", ""),
                sources=tuple(ProgrammeSource(**src) for src in programme.get("sources", [])),
            )
        )
    return result
