"""Pseudo-relevance feedback of need matching: the best result's vocabulary finds its siblings.

Owns `feedback_scores`, `favour_kin_in_meaning` and their constants. Staff describe problems in
other words than the solutions use; the discriminative words of the best result's title, summary
and tags (the catalogue's own words for its subject) find the solutions that tackle the same
problem, and so does the best result's meaning (its sentence embedding) below "passt gut".
`matching` mixes the feedback share into the ranking score; the bands ignore both.

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
# Feedback in meaning: a result close in meaning to the best result (the cosine of their sentence
# embeddings above `KIN_MEANING_FLOOR`) is another approach to the same problem, or the same
# solution built elsewhere, written in other words. Below the "passt gut" results (they keep
# their place and band) it moves up by `W_KIN_MEANING` × (cosine − floor); the bands are read
# before, from the need's own evidence. Thirty-sixth round, 105 sets: nDCG@10 +0.0020, recall@5
# +0.0064 (colloquial needs +0.0157, e-mails +0.0041; recall@5 up on 66 sets, down on 21), bands
# unchanged; weight 0.3 / 0.7 with floor 0.3 and 0.5 with floor 0.4 gained about as much. On the
# four sets written in the same round (scored blind before the choice) +0.0029 / +0.0027.
# Moving the whole list instead (the best result kept first) changed the bands' reading of the
# second result: strong precision -0.0014, no-match accuracy -0.0013. The best result gets its
# closest sibling's bonus, not its own (1 - floor): with that it led every unrelated result by
# 0.35, more than the everyday hints (`everyday.HINT_MAX`) can make up, for the same figures.
W_KIN_MEANING = 0.5
KIN_MEANING_FLOOR = 0.3


class Ranked(Protocol):
    docnum: int


class Scored(Protocol):
    docnum: int
    score: float


def favour_kin_in_meaning(ctx: SearchContext, ranked: Sequence[Scored]) -> None:
    """Add `W_KIN_MEANING` × (cosine with the best result's sentence embedding − the floor, where
    positive) to the score of each result after the best, and the largest of those to the best
    result's: its siblings never pass it by the bonus, while a result the need's everyday words
    point to still can where it has no close sibling. No re-sort: `everyday.order` orders the
    results below "passt gut" by score."""
    if not ranked:
        return
    rows = ctx.embedding_rows([c.docnum for c in ranked])
    if not rows[0].any():  # an index built before embeddings
        return
    bonus = [W_KIN_MEANING * max(0.0, float(cos) - KIN_MEANING_FLOOR) for cos in rows @ rows[0]]
    bonus[0] = max(bonus[1:], default=0.0)  # its siblings never pass it by the bonus
    for c, b in zip(ranked, bonus, strict=True):
        c.score += b


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
