"""Need matching (placeholder, filled in below)."""
from __future__ import annotations
from dataclasses import dataclass, field


@dataclass
class Match:
    solution_id: int
    score: float
    band: str
    reasons: list[str] = field(default_factory=list)
