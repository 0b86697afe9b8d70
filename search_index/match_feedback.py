"""Pseudo-relevance feedback of need matching: the best result's vocabulary finds its siblings.

Owns `feedback_scores` and its constants. Staff describe problems in other words than the
solutions use; the discriminative words of the best result's title, summary and tags (the
catalogue's own words for its subject) find the solutions that tackle the same problem.
`matching` mixes the feedback share into the ranking score; the bands ignore it.

Must not: import Flask or SQLAlchemy, read the postings of common words for every document (it
would dominate the matching time of large catalogues), or contain rules for particular needs or
benchmark data.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from search_index.analysis import analyze_query_words
from search_index.need_concepts import MAX_DF_SHARE, ScoredConcept, idf

if TYPE_CHECKING:
    from search_index.context import SearchContext

# Words of the best result's title, summary and tags. The tags since the twenty-fourth round: on
# 55 sets nDCG@10 0.9299 → 0.9330 (up on 42 sets), recall@5 0.9127 → 0.9171, bands as before; on
# two blind sets written after the choice (heldout_ay, az) nDCG@10 +0.005 / +0.003, recall@5
# +0.015 / +0.007. The description as well, or two feedback documents, were worse; 10 or 16
# feedback words instead of 12 flat. Weight: dev, check, emails and orga improve from 0.05 to
# 0.2-0.4 (flat there); 0.3 is used. Bands ignore feedback (`matching` keeps it out of
# `evidence`).
PRF_DOCS = 1
PRF_TERMS = 12
PRF_EXTRA = 30  # documents added to the candidates because they carry feedback words
PRF_SCAN_MAX_DF = 1000  # feedback words this rare are looked up in all documents
W_FEEDBACK = 0.3  # final = 0.7 × need score + 0.3 × feedback share


class Ranked(Protocol):
    docnum: int


def feedback_scores(
    ctx: SearchContext,
    concepts: list[ScoredConcept],
    top: Sequence[Ranked],
    n_docs: int,
    pool: list[int],
) -> dict[int, float]:
    """docnum → idf-weighted share of the feedback words (from the top results) it carries.

    Feedback words are the discriminative words of the top results' titles, summaries and tags that
    the need itself does not contain; a word in several top results weighs more. Documents
    outside `pool` are found through the rarer feedback words only (reading the postings of
    common words for every document would dominate the matching time of large catalogues).
    """
    if not top:
        return {}
    own = {t for sc in concepts for t in sc.concept.stems()}
    weights: dict[str, float] = {}
    for c in top:
        stored = ctx.stored(c.docnum)
        text = " ".join(stored.get(f, "") for f in ("title", "summary", "tags"))  # tags: v3+
        stems: set[str] = set()
        for qw in analyze_query_words(text):
            stems.add(qw.stem)
            stems.update(qw.parts)
        for stem in stems:
            if stem in own or len(stem) < 3 or stem.isdigit():
                continue
            df = ctx.doc_frequency("content", stem)
            if df < 2 or df > MAX_DF_SHARE * n_docs:
                continue
            weights[stem] = weights.get(stem, 0.0) + idf(n_docs, df)
    # ties broken by the word itself: the result must not depend on set order (hash seed)
    chosen = heapq.nlargest(PRF_TERMS, weights.items(), key=lambda kv: (kv[1], kv[0]))
    total = sum(w for _, w in chosen)
    if not total:
        return {}
    scores: dict[int, float] = {}
    pool_sorted = sorted(pool)
    for stem, w in chosen:
        if ctx.doc_frequency("content", stem) <= PRF_SCAN_MAX_DF:
            docs: Iterable[int] = ctx.term_docs("content", stem)
        else:
            docs = ctx.weights_for("content", stem, pool_sorted)
        for d in docs:
            scores[d] = scores.get(d, 0.0) + w / total
    return scores
