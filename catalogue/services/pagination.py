"""A small page object shared by list queries."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to show, with ``None`` where a gap is."""
        shown = {1, self.pages} | set(range(self.page - size, self.page + size + 1))
        result: list[int | None] = []
        last = 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number - last > 1:
                result.append(None)
            result.append(number)
            last = number
        return result
