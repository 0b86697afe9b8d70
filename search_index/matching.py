"""Need matching: a municipality's free-text need → ranked solutions with bands and reasons.

Owns `Match` and `run_match` (used by `CatalogueIndex.match` and, for the duplicate hint while a
solution is written, `CatalogueIndex.similar`). Approach: analyse the need with the German
chain, turn each word into a concept (stem, compound parts, thesaurus synonyms; unknown compounds
split into words the catalogue knows), keep the most discriminative concepts (idf, document-
frequency cap), pre-rank all documents carrying any of them by idf-weighted coordination (set
operations), then score the best `CANDIDATES` with BM25 (title + content) and the soft,
idf-weighted share of the need's concepts each covers; a light pseudo-relevance feedback step
adds the share of the best result's discriminative title, summary and tag words (its siblings
in other words; `match_feedback`); everyday words pointing to an administrative term
(`search_index.everyday`) reorder the results below "passt gut"; the closeness of the need's
sentence embedding to each candidate's (`search_index.embedding`) orders them too, so a
solution told in other words than the need still rises. Nouns weigh more than
lower-case words in properly cased texts. Experience reports count towards their solution
(through its `reports_text` and as report documents). Bands: `match_bands`; reasons are
generated from what actually matched.

Must not: import Flask or SQLAlchemy, OR all words of a long text (too slow), or contain rules
for particular needs or benchmark data.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from search_index import embedding, everyday, match_feedback
from search_index.concepts import Concept
from search_index.docsets import coordination_pool
from search_index.match_bands import Candidate, assign_leads, bands, confirms, own_score
from search_index.match_explain import backing_reports, reasons
from search_index.match_feedback import PRF_DOCS, PRF_EXTRA, W_FEEDBACK, feedback_scores
from search_index.match_things import catalogue_cased, names_a_thing, need_classes
from search_index.need_concepts import (
    MAX_DF_SHARE,
    ScoredConcept,
    distinct_count,
    need_concepts,
)
from search_index.need_text import core_text
from search_index.scoring import bm25

if TYPE_CHECKING:
    from search_index.context import SearchContext

# Tuned on the dev set (halves checked against each other) and benchmarks/matching/check.
# BM25 fields; content holds the title too, with summary, description, tags and reports, so a
# title word scores in both. Thirtieth round, 79 sets: a title boost of 0.7 (was 1.0) raises
# nDCG@10 +0.0030, recall@5 +0.0018, strong recall +0.0071, strong precision +0.0007, no-match
# accuracy ±0 (0.8: +0.0015 / +0.0014 / +0.0047, no-match −0.0018; 0.5: nDCG@10 +0.0043 and
# strong recall +0.0099, but strong precision −0.0015, no-match −0.0027; 1.5 lowers all but one).
MATCH_BOOSTS = {"title": 0.7, "content": 1.0}
CANDIDATES = 100  # documents re-ranked with BM25 after the coordination pre-ranking
REPORT_FACTOR = 0.7  # a match in an experience report counts a little less than the solution
W_COVERAGE = 0.7  # final = 0.3 × BM25 (relative to the best) + 0.7 × soft coverage
CATEGORY_BONUS = 0.05
# Siblings of the best result (another approach to the same problem) mostly share its category:
# results in the best result's category, the best included, rank higher. The bonus orders; the
# bands read closeness to the best without it (`rel`). Twentieth round, 47 sets: 0.1 (was 0.02)
# raises nDCG@10 0.9249 → 0.9312 and recall@5 0.9075 → 0.9207 (up on 35 sets, down on 7), strong
# recall +0.0019, strong precision -0.0005; 0.06 +0.0049 / +0.0098, 0.15 +0.0048 / +0.0059 (far
# results of the category crowd out right ones of another). While the bonus also raised `rel`,
# 0.03 and more cost right "passt gut" labels (the second result came closer).
BEST_CATEGORY_BONUS = 0.1
# Soft coverage: a concept found in the title counts fully, in tags/summary 0.9, elsewhere 0.6.
# The need's main concepts: its three words with the highest weighted idf. A compound's head
# stands in for its compound and is none of them: "Bescheid" for an unknown "Grundsteuerbescheid"
# must not make a dog-tax service carry two of the main words of "Grundsteuerbescheid online
# abrufen".
MAIN_CONCEPTS = 3
# The meaning signal: the cosine of the need's sentence embedding with each candidate's
# (`search_index.embedding`; multilingual Universal Sentence Encoder). Staff describe a problem
# in other words than the solution that answers it; the encoder reads both as sentences.
# `W_MEANING` × the cosine orders the candidates — like the category bonus, it orders without
# making a result fit better: the bands read the need's own evidence. Thirty-first round, 87
# sets (W 0.7): nDCG@10 +0.0103, recall@5 +0.0133, nDCG@10 up on 75 sets and down on 12.
# Adding the 20 documents closest in meaning to the candidates as well gained nothing more
# (+0.0098 / +0.0125 at W 1.0) and listed results that share no word with the need. The need
# is read without its greetings, sign-offs and side topics (`need_text.core_text`), its lower-case
# sentences with the catalogue's nouns capitalised (`match_things.catalogue_cased`).
W_MEANING = 0.7
MEANING_RIVALS = 10 + everyday.HINT_DEPTH
FIELD_FACTORS = {"title": 1.0, "tags": 0.9, "summary": 0.9, "content": 0.6}


@dataclass
class Match:
    solution_id: int
    score: float
    band: str  # "strong" | "possible" | "weak"
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Candidate:
    solution_id: int
    docnum: int
    score: float
    coverage: float  # idf-weighted, soft share of the need's known concepts
    coverage_all: float  # the same, counting words the catalogue does not know at all
    matched: list[ScoredConcept]
    rel: float = 0.0  # score / best score
    margin: float = 0.0  # lead of its evidence over any other result (match_bands)
    evidence: float = 0.0  # the need's own score (BM25 + coverage + category), no feedback
    main: float = 0.0  # share of the need's main concepts (highest weighted idf) carried
    fielded: float = 0.0  # idf share of the need's concepts found in title, summary or tags
    kin: float = 0.0  # share of the feedback words (the best result's vocabulary) it carries
    sibling_bonus: float = 0.0  # for sharing the best result's category (ranking only)
    meaning_bonus: float = 0.0  # for its closeness in meaning to the need (ranking only)
    meaning_lead: float = 0.0  # the best result's cosine minus the best of its rivals' (bands)


def rank_candidates(
    ctx: SearchContext,
    text: str,
    *,
    limit: int = 10,
    category: str | None = None,
    tags: Sequence[str] = (),
    exclude_solution_ids: Iterable[int] = (),
    concepts_out: list[ScoredConcept] | None = None,
    unknown_out: list[str] | None = None,
) -> tuple[list[_Candidate], int]:
    """Ranked candidates with their features, and the number of the need's known concepts;
    the need's concepts are added to `concepts_out` if given (for the bands' reading of what
    the need names)."""
    n_docs = max(1, len(ctx.live_docs()))
    full_text = " ".join([text, *tags])
    concepts, missing_idf = need_concepts(ctx, full_text, n_docs, unknown_out)
    if concepts_out is not None:
        concepts_out.extend(concepts)
    if not concepts:
        return [], 0
    excluded = {int(s) for s in exclude_solution_ids}
    sol_ids = ctx.array("solution_id")

    # Stage 1: idf-weighted coordination over all documents that carry any concept.
    skip = np.isin(np.asarray(sol_ids), list(excluded)) if excluded else None
    weights = [sc.idf for sc in concepts]
    pool, carried = coordination_pool(
        [sc.docs for sc in concepts], weights, len(sol_ids), CANDIDATES, skip
    )
    # Stage 2: BM25 + coverage over the candidates.
    features = _pool_features(ctx, concepts, pool)
    ranked = _rank(ctx, features, concepts, missing_idf, category, {})
    # Stage 3: pseudo-relevance feedback. Staff describe problems in other words than the
    # solutions use; the words of the best results' titles, summaries and tags find their siblings.
    feedback = feedback_scores(ctx, concepts, ranked[:PRF_DOCS], n_docs, pool)
    if feedback:
        extra = [d for d in feedback if not carried[d] and int(sol_ids[d]) not in excluded]
        more = _pool_features(
            ctx, concepts, heapq.nlargest(PRF_EXTRA, extra, key=feedback.__getitem__)
        )
        for sid, found in more.items():  # per solution its best-scoring document
            if sid not in features or found.raw > features[sid].raw:
                features[sid] = found
        ranked = _rank(ctx, features, concepts, missing_idf, category, feedback)
    _favour_best_category(ctx, ranked)
    meant = catalogue_cased(ctx, core_text(text), concepts)
    _favour_meaning(ctx, ranked, " ".join([meant, *tags]))
    for c in ranked:
        # closeness to the best as the need's own evidence says it (the bands' reading): the
        # category bonus orders siblings, it does not bring them closer to the best
        top = own_score(ranked[0])
        c.rel = own_score(c) / top if top > 0 else 0.0
        c.kin = feedback.get(c.docnum, 0.0)
    assign_leads(ctx, ranked)
    return ranked[:limit], distinct_count(concepts)


def _favour_best_category(ctx: SearchContext, ranked: list[_Candidate]) -> None:
    """Add `BEST_CATEGORY_BONUS` to the results in the best result's category; re-sort."""
    if len(ranked) < 2:
        return
    categories = ctx.array("category")
    best = categories[ranked[0].docnum]
    for c in ranked:  # the best result too: its siblings never overtake it by the bonus
        if categories[c.docnum] == best:
            c.sibling_bonus = BEST_CATEGORY_BONUS
            c.score += BEST_CATEGORY_BONUS
    ranked.sort(key=lambda c: (-c.score, c.solution_id))


def _favour_meaning(ctx: SearchContext, ranked: list[_Candidate], text: str) -> None:
    """Add `W_MEANING` × the cosine of the need's sentence embedding with each candidate's
    (`search_index.embedding`) to its score; re-sort."""
    if not ranked or not W_MEANING:
        return
    rows = ctx.embedding_rows([c.docnum for c in ranked])
    if not rows.any():  # an index built before embeddings
        return
    closeness = rows @ embedding.encode([text])[0]
    for c, cos in zip(ranked, closeness, strict=True):
        c.meaning_bonus = W_MEANING * float(cos)
        c.score += c.meaning_bonus
    ranked.sort(key=lambda c: (-c.score, c.solution_id))
    # the bands' calibrated lead reads how far the best result leads in meaning over the others
    # a page of results and its hints show, whatever `limit` a caller asks for
    rivals = [c.meaning_bonus for c in ranked[1:MEANING_RIVALS]]
    ranked[0].meaning_lead = (ranked[0].meaning_bonus - max(rivals, default=0.0)) / W_MEANING


@dataclass
class _Features:
    raw: float  # BM25 (experience reports discounted)
    docnum: int
    carried: float  # idf mass of the need's concepts the document carries (soft)
    matched: list[ScoredConcept]
    fielded: float = 0.0  # idf mass of the concepts found in title, summary or tags


def _pool_features(
    ctx: SearchContext, concepts: list[ScoredConcept], pool: list[int]
) -> dict[int, _Features]:
    """solution id → features of its best-scoring document among `pool` (all per document, so
    features of two pools can be merged without scoring anything twice)."""
    kinds = ctx.array("kind")
    sol_ids = ctx.array("solution_id")
    # A concept scores its best variant.
    scores = bm25(ctx, [sc.concept for sc in concepts], pool, MATCH_BOOSTS)
    best: dict[int, tuple[float, int]] = {}
    for d in pool:
        sid = int(sol_ids[d])
        score = scores.get(d, 0.0) * (REPORT_FACTOR if kinds[d] == "report" else 1.0)
        if sid not in best or score > best[sid][0]:
            best[sid] = (score, d)
    chosen = {d for _, d in best.values()}
    strengths = [_strength_map(ctx, sc.concept, chosen) for sc in concepts]
    features: dict[int, _Features] = {}
    for sid, (raw, d) in best.items():
        carried = fielded = 0.0
        for i, sc in enumerate(concepts):
            if d in sc.docs:
                strength, in_field = strengths[i]
                carried += sc.idf * strength.get(d, 0.0)
                fielded += sc.idf if d in in_field else 0.0
        features[sid] = _Features(raw, d, carried, [sc for sc in concepts if d in sc.docs], fielded)
    return features


def _rank(
    ctx: SearchContext,
    features: dict[int, _Features],
    concepts: list[ScoredConcept],
    missing_idf: float,
    category: str | None,
    feedback: dict[int, float],
) -> list[_Candidate]:
    """Candidates from their features, best first."""
    if not features:
        return []
    categories = ctx.array("category")
    total_idf = sum(c.idf for c in concepts)
    words = [c for c in concepts if not c.source] or concepts
    main = sorted(words, key=lambda c: -c.idf)[:MAIN_CONCEPTS]
    top_bm25 = max(f.raw for f in features.values()) or 1.0
    ranked: list[_Candidate] = []
    for sid, f in features.items():
        coverage = f.carried / total_idf
        evidence = (1 - W_COVERAGE) * f.raw / top_bm25 + W_COVERAGE * coverage
        if category and categories[f.docnum] == category:
            evidence += CATEGORY_BONUS
        score = evidence
        if feedback:
            score = evidence - W_FEEDBACK * (evidence - feedback.get(f.docnum, 0.0))
        ranked.append(
            _Candidate(
                sid,
                f.docnum,
                score,
                coverage,
                f.carried / (total_idf + missing_idf),
                f.matched,
                main=sum(1 for sc in main if sc in f.matched) / len(main),
                fielded=f.fielded / total_idf,
                evidence=evidence,
            )
        )
    ranked.sort(key=lambda c: (-c.score, c.solution_id))
    return ranked


def thing_test(
    ctx: SearchContext,
    text: str,
    shown: Sequence[_Candidate],
    concepts: list[ScoredConcept],
    unknown: list[str],
) -> Callable[[Candidate], bool]:
    """Whether a result's matched words name a thing of the need (`names_a_thing`); the need's
    acts and things are read once, when a would-be "passt gut" first asks."""
    matched = [sc.concept for c in shown for sc in c.matched]
    classes = functools.cache(lambda: need_classes(ctx, text, matched, concepts, unknown))
    return lambda c: names_a_thing(ctx, c.docnum, c.matched, *classes())


def run_match(
    ctx: SearchContext,
    text: str,
    *,
    limit: int = 10,
    category: str | None = None,
    tags: Sequence[str] = (),
    municipality_population: int | None = None,
    exclude_solution_ids: Iterable[int] = (),
) -> list[Match]:
    concepts: list[ScoredConcept] = []
    unknown: list[str] = []
    ranked, n_concepts = rank_candidates(
        ctx,
        text,
        limit=limit + everyday.HINT_DEPTH,
        category=category,
        tags=tags,
        exclude_solution_ids=exclude_solution_ids,
        concepts_out=concepts,
        unknown_out=unknown,
    )

    labels = bands(
        ranked,
        n_concepts,
        thing_test(ctx, text, ranked[:limit], concepts, unknown),
        confirm=confirms(text, n_concepts),
        words=len(text.split()),
    )
    match_feedback.favour_kin_in_meaning(ctx, ranked)  # below "passt gut" (`everyday.order`)
    stems, max_df = {sc.concept.stem for sc in concepts}, MAX_DF_SHARE * len(ctx.live_docs())
    found = everyday.hints(ctx, " ".join([text, *tags]), stems, max_df)  # order below "passt gut"
    order, labels = everyday.order(ranked, labels, found)
    ranked, labels = [ranked[i] for i in order][:limit], labels[:limit]
    reports = backing_reports(ctx, ranked)
    return [
        Match(
            solution_id=c.solution_id,
            score=round(c.score, 4),
            band=label,
            reasons=reasons(
                ctx,
                c,
                reports=reports.get(c.solution_id, []),
                category=category,
                population=municipality_population,
                hint=everyday.reason(c.docnum, found),
            ),
        )
        for c, label in zip(ranked, labels, strict=True)
    ]


def _strength_map(
    ctx: SearchContext, concept: Concept, pool: set[int]
) -> tuple[dict[int, float], set[int]]:
    """For documents of `pool`: how well each carries the concept (variant weight × field), and
    the documents that carry it in their title, summary or tags."""
    best: dict[int, float] = {}
    fielded: set[int] = set()
    content_factor = FIELD_FACTORS["content"]
    other_factor = max(FIELD_FACTORS["tags"], FIELD_FACTORS["summary"])
    # membership of the few pool documents only, looked up in the sorted posting arrays
    docs = np.array(sorted(pool), dtype=np.int64)
    for v in concept.variants:
        if len(v.terms) == 1:
            term = v.terms[0]
            in_content = ctx.carrying("content", term, docs)
            if not in_content.any():
                continue
            hits = docs[in_content]
            in_title = ctx.carrying("title", term, hits)
            in_other = ctx.carrying("tags", term, hits) | ctx.carrying("summary", term, hits)
            fielded.update(hits[in_title | in_other].tolist())
            for d, title, other in zip(
                hits.tolist(), in_title.tolist(), in_other.tolist(), strict=True
            ):
                if title:
                    factor = FIELD_FACTORS["title"]
                elif other:
                    factor = other_factor
                else:
                    factor = content_factor
                value = v.weight * factor
                if value > best.get(d, 0.0):
                    best[d] = value
        else:
            all_parts = np.ones(len(docs), dtype=bool)
            for term in v.terms:
                all_parts &= ctx.carrying("content", term, docs)
            for d in docs[all_parts].tolist():
                value = v.weight * content_factor
                if value > best.get(d, 0.0):
                    best[d] = value
    return best, fielded
