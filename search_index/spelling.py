"""Close spellings from the index vocabulary, with a compiled edit distance.

Owns `close_terms` (the terms of a field within an edit distance of a word, sharing a prefix)
and `best_spelling` (the most frequent close spelling of a word). The distance is the optimal
string alignment distance (Levenshtein plus adjacent transpositions), as in Whoosh's
`IndexReader.terms_within`, computed by rapidfuzz over the per-prefix vocabulary the context
caches, instead of thousands of pure-Python distance calls per word.

Must not: import Flask or SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import OSA

if TYPE_CHECKING:
    from search_index.context import SearchContext


def close_terms(
    ctx: SearchContext, field: str, word: str, maxdist: int, prefix: int = 0
) -> list[str]:
    """Terms of `field` within `maxdist` edits of `word` that share its first `prefix` chars."""
    if len(word) < prefix:
        return []
    vocab = ctx.vocabulary(field, word[:prefix])
    if not vocab:
        return []
    found = process.extract(word, vocab, scorer=OSA.distance, score_cutoff=maxdist, limit=None)
    return [term for term, _dist, _i in found]


def best_spelling(ctx: SearchContext, word: str) -> tuple[str, int] | None:
    """The closest, then most frequent spelling of `word` that is more frequent than it.

    Looks at distance 1 first, distance 2 only for words of 7 or more letters when distance 1
    found nothing. Returns (spelling, document frequency) or None.
    """
    own = ctx.doc_frequency("spell", word)
    vocab = ctx.vocabulary("spell", word[:1])
    if not vocab:
        return None
    found = process.extract(word, vocab, scorer=OSA.distance, score_cutoff=2, limit=None)
    best: tuple[int, int, str] | None = None
    for cand, dist, _i in found:
        if cand == word or dist == 0 or (dist == 2 and len(word) < 7):
            continue
        df = ctx.doc_frequency("spell", cand)
        if df <= own:
            continue
        key = (dist, -df, cand)
        if best is None or key < best:
            best = key
    return (best[2], -best[1]) if best else None
