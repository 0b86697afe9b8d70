"""Ranking of candidate documents without Whoosh's collector.

Owns the two ranking stages shared by search and need matching:
* `prerank`: a cheap, set-based score over any number of documents (concept idf × variant
  weight × field bonuses, no term frequencies), used to cut the candidate list;
* `bm25`: exact BM25 (per field, query-time boosts, term frequency and length normalisation) for
  a few hundred candidates, read by skipping through the posting lists.

Whoosh's own OR matchers decode every posting of every clause (ArrayUnionMatcher), which made a
query with thesaurus variants cost 50-250 ms at 1k documents; skipping to known candidates costs
a small fraction of that. Must not: import Flask or SQLAlchemy, or open/close searchers.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search_index.concepts import Concept
    from search_index.context import SearchContext

K1 = 1.2
B = 0.75
PRERANK_BONUS = {"title": 1.0, "summary": 0.4, "tags": 0.4}
SKIP_FACTOR = 20  # longer posting lists are read only in the blocks holding candidates


def idf(ctx: SearchContext, field: str, term: str) -> float:
    n = max(1, ctx.reader.doc_count())
    df = ctx.doc_frequency(field, term)
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def prerank(
    ctx: SearchContext, concepts: Sequence[Concept], docs: Iterable[int], want: int
) -> list[int]:
    """The `want` best of `docs` by a set-based score (ties: newest first).

    Per concept, a document gets the idf × weight of its best single-word variant plus bonuses
    for title/summary/tags hits; only set and dict operations run per document.
    """
    pool = docs if isinstance(docs, (set, frozenset)) else set(docs)
    if len(pool) <= want:
        return list(pool)
    scores: dict[int, float] | None = None
    for concept in concepts:
        variants = [
            (v.weight * idf(ctx, "content", v.terms[0]), v.terms[0])
            for v in concept.variants
            if len(v.terms) == 1
        ]
        if not variants:
            continue
        variants.sort(reverse=True)
        best: dict[int, float] = {}
        for base, term in variants:
            hits = ctx.term_docs("content", term) & pool
            best.update(dict.fromkeys(hits.difference(best), base))
        top_base, top_term = variants[0]
        for fieldname, bonus in PRERANK_BONUS.items():
            for d in ctx.term_docs(fieldname, top_term) & pool:
                best[d] = best.get(d, 0.0) + bonus * top_base
        if scores is None:
            scores = best
        else:
            get = scores.get
            scores.update({d: get(d, 0.0) + s for d, s in best.items()})
    if not scores:
        scores = dict.fromkeys(pool, 0.0)
    for d in pool.difference(scores):
        scores[d] = 0.0
    published = ctx.array("published")
    return heapq.nlargest(want, scores, key=lambda d: (scores[d], published[d]))


def bm25(
    ctx: SearchContext,
    concepts: Sequence[Concept],
    docs: Iterable[int],
    boosts: Mapping[str, float],
    concept_weights: Sequence[float] | None = None,
) -> dict[int, float]:
    """BM25 per field with query-time boosts; a concept scores its best variant."""
    wanted = set(docs)
    ordered = sorted(wanted)
    if not ordered:
        return {}
    reader = ctx.reader
    n = max(1, reader.doc_count_all())
    tf_cache: dict[tuple[str, str], dict[int, float]] = {}
    avg_len: dict[str, float] = {}
    doc_len: dict[tuple[int, str], int] = {}

    def tfs(field: str, term: str) -> dict[int, float]:
        key = (field, term)
        found = tf_cache.get(key)
        if found is not None:
            return found
        df = ctx.doc_frequency(field, term)
        if not df:
            found = {}
        elif df <= SKIP_FACTOR * len(ordered):
            weights = ctx.term_weights(field, term)  # whole list, block-wise, cached
            if len(weights) < len(wanted):
                found = {d: w for d, w in weights.items() if d in wanted}
            else:
                found = {d: weights[d] for d in wanted if d in weights}
        else:
            found = ctx.weights_for(field, term, ordered)
        tf_cache[key] = found
        return found

    def norm(d: int, field: str) -> float:
        avg = avg_len.get(field)
        if avg is None:
            avg = avg_len[field] = max(1.0, reader.field_length(field) / n)
        key = (d, field)
        dl = doc_len.get(key)
        if dl is None:
            dl = doc_len[key] = reader.doc_field_length(d, field, 0)
        return K1 * (1 - B + B * dl / avg)

    scores = dict.fromkeys(ordered, 0.0)
    for ci, concept in enumerate(concepts):
        cw = concept_weights[ci] if concept_weights is not None else 1.0
        best: dict[int, float] = {}
        for v in concept.variants:
            part: dict[int, float] = {}
            fields = boosts.items() if len(v.terms) == 1 else (("content", 1.0),)
            for term in v.terms:
                for field, boost in fields:
                    if not boost:
                        continue
                    found = tfs(field, term)
                    if not found:
                        continue
                    w = boost * idf(ctx, field, term) * v.weight / len(v.terms)
                    for d, tf in found.items():
                        part[d] = part.get(d, 0.0) + w * tf * (K1 + 1) / (tf + norm(d, field))
            if len(v.terms) > 1:
                # a multi-word variant counts only where all of its words occur
                need = [tfs("content", t) for t in v.terms]
                part = {d: s for d, s in part.items() if all(d in x for x in need)}
            for d, s in part.items():
                if s > best.get(d, 0.0):
                    best[d] = s
        for d, s in best.items():
            scores[d] += cw * s
    return scores
