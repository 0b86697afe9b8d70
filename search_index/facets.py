"""Filters and disjunctive facet counts over a matched document set.

Owns `filter_sets`, `intersect` and `facet_counts`. Facet counts are "disjunctive": the counts
of a facet ignore that facet's own filter but apply all other filters (so the UI can show
alternatives in a selected facet). Must not: import Flask or SQLAlchemy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from search_index.schema import FILTER_FIELDS

if TYPE_CHECKING:
    from search_index.context import SearchContext


def filter_sets(
    ctx: SearchContext, docs: set[int] | frozenset[int], filters: Mapping[str, Sequence[str]]
) -> dict[str, set[int]]:
    """For each active filter key, the subset of `docs` that passes it."""
    out: dict[str, set[int]] = {}
    for key, values in filters.items():
        if key not in FILTER_FIELDS:
            raise ValueError(f"unknown filter {key!r}")
        if isinstance(values, str):
            values = [values]
        allowed = {str(v) for v in values if v is not None and str(v) != ""}
        if not allowed:
            continue
        arr = ctx.array(key)
        if len(allowed) == 1:
            (only,) = allowed
            out[key] = {d for d in docs if arr[d] == only}
        else:
            out[key] = {d for d in docs if arr[d] in allowed}
    return out


def intersect(
    base: set[int] | frozenset[int], sets: Sequence[set[int] | frozenset[int]]
) -> set[int] | frozenset[int]:
    if not sets:
        return base
    ordered = sorted([base, *sets], key=len)
    out = set(ordered[0])
    for s in ordered[1:]:
        if not out:
            break
        out &= s
    return out


def facet_counts(
    ctx: SearchContext,
    matched: set[int] | frozenset[int],
    passing: dict[str, set[int]],
    facet_fields: Sequence[str],
) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {}
    for name in facet_fields:
        if name not in FILTER_FIELDS:
            raise ValueError(f"unknown facet {name!r}")
        others = [s for k, s in passing.items() if k != name]
        base = intersect(matched, others)
        arr = ctx.array(name)
        counts = Counter(map(arr.__getitem__, base))
        counts.pop("", None)
        facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return facets
