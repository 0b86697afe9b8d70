"""Ranges of the numbers people enter: wide enough for every real entry, narrow enough for
every database column. Forms, services and the API read them from here; no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

# Primary keys are INTEGER (signed 32 bit on PostgreSQL).
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class FigureLimit:
    low: int
    high: int
    unit: str
    example: str = "12"  # as a person would type it, for error messages

    def problem(self, value: int | None) -> str | None:
        """The German reason why ``value`` is out of range, or None."""
        if value is None:
            return None
        if value < self.low:
            return "Bitte geben Sie keine negative Zahl an."
        if value > self.high:
            return f"Bitte geben Sie höchstens {self.high:,} {self.unit} an.".replace(",", ".")
        return None


FIGURES: dict[str, FigureLimit] = {
    # A large municipal IT programme runs to some thousand person-years.
    "effort_person_days": FigureLimit(0, 10_000_000, "Personentage", "40"),
    # Whole euros (BIGINT column): a state-wide programme can cost several billion.
    "cost_eur": FigureLimit(0, 1_000_000_000_000, "Euro", "15.000"),
    "duration_months": FigureLimit(0, 1_200, "Monate", "6"),
    # The largest German city has under four million inhabitants.
    "population": FigureLimit(0, 100_000_000, "Einwohnerinnen und Einwohner", "25.000"),
}


def figure_problem(name: str, value: int | None) -> str | None:
    return FIGURES[name].problem(value)
