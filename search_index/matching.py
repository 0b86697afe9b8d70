"""Need matching: a municipality's free-text need → ranked solutions with bands and reasons.

Owns `Match`, `run_match` (used by `CatalogueIndex.match`) and `run_similar` (duplicate hint
while a solution is written). Approach: analyse the need with the German chain, turn each word
into a concept (stem, compound parts, thesaurus synonyms; unknown compounds split into words
the catalogue knows), keep the most discriminative concepts (idf, document-frequency cap),
pre-rank all documents carrying any of them by idf-weighted coordination (set operations), then
score the best `CANDIDATES` with BM25 (title + content) and the soft, idf-weighted share of the
need's concepts each covers; finally a light pseudo-relevance feedback step adds the share of
the best result's discriminative title/summary words (its siblings in other words). Nouns weigh
more than lower-case words in properly cased texts. Experience reports count towards their
solution (both through the solution's `reports_text` and through report documents). Bands come from the coverage (unknown
need words included) and the distance to the best result; reasons are generated from what
actually matched.

Must not: import Flask or SQLAlchemy, OR all words of a long text (too slow), or contain rules
for particular needs or benchmark data.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from search_index.analysis import WORD_RE, analyze_query_words, analyze_word, stem_word
from search_index.need_text import LOWERCASE_WEIGHT, need_words
from search_index.query import (
    Concept,
    Variant,
    add_fuzzy_variants,
    concept_docs,
    concept_for_word,
)
from search_index.scoring import bm25

if TYPE_CHECKING:
    from search_index.index import SearchContext

# Tuned on the dev set (halves checked against each other) and benchmarks/matching/check.
MATCH_BOOSTS = {"title": 1.0, "content": 1.0}  # BM25 fields; content holds summary/tags/reports
MAX_CONCEPTS = 16  # most discriminative need words kept (results are flat from 14 up)
MAX_DF_SHARE = 0.25  # words in more than this share of documents are not discriminative
CANDIDATES = 100  # documents re-ranked with BM25 after the coordination pre-ranking
REPORT_FACTOR = 0.7  # a match in an experience report counts a little less than the solution
W_COVERAGE = 0.7  # final = 0.3 × BM25 (relative to the best) + 0.7 × soft coverage
CATEGORY_BONUS = 0.05
VOCAB_SPLIT_WEIGHT = 0.6  # unknown compound split into two words the catalogue knows
FUZZY_MAX_WORDS = 6  # needs this short: unknown words also match close spellings (typos)
FUZZY_MIN_LEN = 5
# Pseudo-relevance feedback: words of the best result's title and summary. Chosen on the odd
# half of the dev set, checked on the even half (both improved; flat for 0.03-0.1 and 12-16).
PRF_DOCS = 1
PRF_TERMS = 12
PRF_EXTRA = 30  # documents added to the candidates because they carry feedback words
PRF_SCAN_MAX_DF = 1000  # feedback words this rare are looked up in all documents
W_FEEDBACK = 0.05  # final = 0.95 × need score + 0.05 × feedback share
# Soft coverage: a concept found in the title counts fully, in tags/summary 0.9, elsewhere 0.6.
FIELD_FACTORS = {"title": 1.0, "tags": 0.9, "summary": 0.9, "content": 0.6}

# Bands (see _band). "strong" = the solution carries at least 65 % of the need's idf mass
# (unknown words included), with at least two of its words, close to the best score. On the dev
# set no irrelevant result reaches 60 % and relevant strong ones mostly have 70 % or more; 65 %
# keeps a margin on both sides, because a wrong "strong" costs more than a missing one.
BANDS = ("strong", "possible", "weak")
STRONG_COVERAGE = 0.65
STRONG_MIN_CONCEPTS = 2
STRONG_REL = 0.8
POSSIBLE_COVERAGE = 0.3


@dataclass
class Match:
    solution_id: int
    score: float
    band: str  # "strong" | "possible" | "weak"
    reasons: list[str] = field(default_factory=list)


@dataclass(eq=False)
class _ScoredConcept:
    concept: Concept
    docs: set[int] | frozenset[int]
    idf: float
    df: int = 0
    weight: float = 1.0


def _need_concepts(
    ctx: SearchContext, text: str, n_docs: int
) -> tuple[list[_ScoredConcept], float]:
    """The need's most discriminative known concepts, and the idf mass of unknown words."""
    seen: set[str] = set()
    scored: list[_ScoredConcept] = []
    max_idf = math.log(1 + (n_docs + 0.5) / 0.5)
    missing_idf = 0.0
    # Short keyword needs get typo tolerance; in long texts most unknown words are colloquial,
    # and close spellings of them mislead (measured: strong precision fell below 0.9).
    short = len(WORD_RE.findall(text)) <= FUZZY_MAX_WORDS
    for nw in need_words(text):
        qw = analyze_word(nw.surface)
        if qw is None or qw.stem in seen or len(qw.stem) < 2:
            continue
        seen.add(qw.stem)
        concept = concept_for_word(ctx, qw, nw.surface)
        if not qw.parts and ctx.doc_frequency("content", qw.stem) == 0:
            _add_vocabulary_split(ctx, qw.raw, concept)
            if short and len(qw.stem) >= FUZZY_MIN_LEN:
                add_fuzzy_variants(ctx, concept)  # typos: close spellings the catalogue knows
        # Sentence role, word class (nouns name the topic) and fillers: see need_text.
        weight = nw.weight
        # Cheap estimate first (largest variant); exact document sets only for the chosen ones.
        df = max((_variant_df(ctx, v) for v in concept.variants), default=0)
        if not df:
            if len(qw.stem) >= 4 and not qw.stem.isdigit():
                missing_idf += max_idf * weight
            continue
        scored.append(_ScoredConcept(concept, frozenset(), _idf(n_docs, df) * weight, df, weight))
    if not scored:
        return [], missing_idf
    selective = [s for s in scored if s.df <= max(2, MAX_DF_SHARE * n_docs)]
    if len(selective) < 3:
        selective = scored
    selective.sort(key=lambda s: -s.idf)
    chosen = selective[:MAX_CONCEPTS]
    for sc in chosen:
        sc.docs = concept_docs(ctx, sc.concept)
        sc.df = len(sc.docs)
        sc.idf = _idf(n_docs, sc.df) * sc.weight
    return chosen, missing_idf


def _idf(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def _variant_df(ctx: SearchContext, v: Variant) -> int:
    return min(ctx.doc_frequency("content", t) for t in v.terms)


def _add_vocabulary_split(ctx: SearchContext, word: str, concept: Concept) -> None:
    """Split an unknown compound into two words the catalogue knows (Essensgeld → Essen+Geld).

    Complements the curated dictionary with the catalogue's own vocabulary, at query time only.
    """
    if len(word) < 8 or not word.isalpha():
        return
    best: tuple[int, str, str] | None = None
    for i in range(4, len(word) - 3):
        left, right = word[:i], word[i:]
        for link in ("", "s", "es", "n", "en", "e", "er"):
            if link:
                if not left.endswith(link) or len(left) - len(link) < 4:
                    continue
                base = left[: -len(link)]
            else:
                base = left
            ls, rs = stem_word(base), stem_word(right)
            if len(ls) < 3 or len(rs) < 3:
                continue
            if ctx.doc_frequency("content", ls) and ctx.doc_frequency("content", rs):
                key = min(len(base), len(right))
                if best is None or key > best[0]:
                    best = (key, ls, rs)
    if best is None:
        return
    _, ls, rs = best
    concept.variants.append(Variant((ls, rs), VOCAB_SPLIT_WEIGHT, False, "parts"))


@dataclass
class _Candidate:
    solution_id: int
    docnum: int
    score: float
    coverage: float  # idf-weighted, soft share of the need's known concepts
    coverage_all: float  # the same, counting words the catalogue does not know at all
    matched: list[_ScoredConcept]
    rel: float = 0.0  # score / best score


def rank_candidates(
    ctx: SearchContext,
    text: str,
    *,
    limit: int = 10,
    category: str | None = None,
    tags: Sequence[str] = (),
    exclude_solution_ids: Iterable[int] = (),
) -> tuple[list[_Candidate], int]:
    """Ranked candidates with their features, and the number of the need's known concepts."""
    n_docs = max(1, len(ctx.live_docs()))
    full_text = " ".join([text, *tags])
    concepts, missing_idf = _need_concepts(ctx, full_text, n_docs)
    if not concepts:
        return [], 0
    excluded = {int(s) for s in exclude_solution_ids}
    sol_ids = ctx.array("solution_id")

    # Stage 1: idf-weighted coordination over all documents that carry any concept.
    acc: dict[int, float] = {}
    for sc in concepts:
        for d in sc.docs:
            acc[d] = acc.get(d, 0.0) + sc.idf
    if excluded:
        acc = {d: s for d, s in acc.items() if int(sol_ids[d]) not in excluded}
    pool = heapq.nlargest(CANDIDATES, acc, key=acc.__getitem__)
    # Stage 2: BM25 + coverage over the candidates.
    features = _pool_features(ctx, concepts, pool)
    ranked = _rank(ctx, features, concepts, missing_idf, category, {})
    # Stage 3: pseudo-relevance feedback. Staff describe problems in other words than the
    # solutions use; the words of the best results' titles and summaries find their siblings.
    feedback = _feedback_scores(ctx, concepts, ranked[:PRF_DOCS], n_docs, pool)
    if feedback:
        extra = [d for d in feedback if d not in acc and int(sol_ids[d]) not in excluded]
        more = _pool_features(
            ctx, concepts, heapq.nlargest(PRF_EXTRA, extra, key=feedback.__getitem__)
        )
        for sid, found in more.items():  # per solution its best-scoring document
            if sid not in features or found.raw > features[sid].raw:
                features[sid] = found
        ranked = _rank(ctx, features, concepts, missing_idf, category, feedback)
    ranked = ranked[:limit]
    for c in ranked:
        c.rel = c.score / ranked[0].score if ranked and ranked[0].score else 0.0
    return ranked, len(concepts)


@dataclass
class _Features:
    raw: float  # BM25 (experience reports discounted)
    docnum: int
    carried: float  # idf mass of the need's concepts the document carries (soft)
    matched: list[_ScoredConcept]


def _pool_features(
    ctx: SearchContext, concepts: list[_ScoredConcept], pool: list[int]
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
        carried = sum(
            sc.idf * strengths[i].get(d, 0.0) for i, sc in enumerate(concepts) if d in sc.docs
        )
        features[sid] = _Features(raw, d, carried, [sc for sc in concepts if d in sc.docs])
    return features


def _rank(
    ctx: SearchContext,
    features: dict[int, _Features],
    concepts: list[_ScoredConcept],
    missing_idf: float,
    category: str | None,
    feedback: dict[int, float],
) -> list[_Candidate]:
    """Candidates from their features, best first."""
    if not features:
        return []
    categories = ctx.array("category")
    total_idf = sum(c.idf for c in concepts)
    top_bm25 = max(f.raw for f in features.values()) or 1.0
    ranked: list[_Candidate] = []
    for sid, f in features.items():
        coverage = f.carried / total_idf
        score = (1 - W_COVERAGE) * f.raw / top_bm25 + W_COVERAGE * coverage
        if feedback:
            score = (1 - W_FEEDBACK) * score + W_FEEDBACK * feedback.get(f.docnum, 0.0)
        if category and categories[f.docnum] == category:
            score += CATEGORY_BONUS
        ranked.append(
            _Candidate(
                sid, f.docnum, score, coverage, f.carried / (total_idf + missing_idf), f.matched
            )
        )
    ranked.sort(key=lambda c: (-c.score, c.solution_id))
    return ranked


def _feedback_scores(
    ctx: SearchContext,
    concepts: list[_ScoredConcept],
    top: list[_Candidate],
    n_docs: int,
    pool: list[int],
) -> dict[int, float]:
    """docnum → idf-weighted share of the feedback words (from the top results) it carries.

    Feedback words are the discriminative words of the top results' titles and summaries that
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
        text = f"{stored.get('title', '')} {stored.get('summary', '')}"
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
            weights[stem] = weights.get(stem, 0.0) + _idf(n_docs, df)
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
    ranked, n_concepts = rank_candidates(
        ctx,
        text,
        limit=limit,
        category=category,
        tags=tags,
        exclude_solution_ids=exclude_solution_ids,
    )
    out = []
    ceiling = 0  # bands never rise down the list: "strong" results always come first
    for c in ranked:
        level = max(BANDS.index(_band(c, n_concepts)), ceiling)
        ceiling = level
        out.append(
            Match(
                solution_id=c.solution_id,
                score=round(c.score, 4),
                band=BANDS[level],
                reasons=_reasons(ctx, c.docnum, c.matched, category, municipality_population),
            )
        )
    return out


def _strength_map(ctx: SearchContext, concept: Concept, pool: set[int]) -> dict[int, float]:
    """For documents of `pool`: how well each carries the concept (variant weight × field)."""
    best: dict[int, float] = {}
    content_factor = FIELD_FACTORS["content"]
    for v in concept.variants:
        if len(v.terms) == 1:
            term = v.terms[0]
            hits = ctx.term_docs("content", term) & pool
            if not hits:
                continue
            in_title = ctx.term_docs("title", term) & hits
            in_other = (ctx.term_docs("tags", term) | ctx.term_docs("summary", term)) & hits
            for d in hits:
                if d in in_title:
                    factor = FIELD_FACTORS["title"]
                elif d in in_other:
                    factor = max(FIELD_FACTORS["tags"], FIELD_FACTORS["summary"])
                else:
                    factor = content_factor
                value = v.weight * factor
                if value > best.get(d, 0.0):
                    best[d] = value
        else:
            hits = set(pool)
            for term in v.terms:
                hits &= ctx.term_docs("content", term)
            for d in hits:
                value = v.weight * content_factor
                if value > best.get(d, 0.0):
                    best[d] = value
    return best


def _band(c: _Candidate, n_concepts: int) -> str:
    if (
        c.coverage_all >= STRONG_COVERAGE
        and len(c.matched) >= min(STRONG_MIN_CONCEPTS, n_concepts)
        and c.rel >= STRONG_REL
    ):
        return "strong"
    if c.coverage_all >= POSSIBLE_COVERAGE:
        return "possible"
    return "weak"


def _quote(labels: list[str]) -> str:
    return ", ".join(f"»{label}«" for label in labels)


def _reasons(
    ctx: SearchContext,
    d: int,
    matched: list[_ScoredConcept],
    category: str | None,
    population: int | None,
) -> list[str]:
    reasons: list[str] = []
    in_title, in_text, via_synonym = [], [], []
    for sc in matched:
        c = sc.concept
        title_hit = any(
            len(v.terms) == 1 and d in ctx.term_docs("title", v.terms[0]) for v in c.variants
        )
        direct = any(v.kind in ("word", "parts") and d in _variant_set(ctx, v) for v in c.variants)
        if title_hit:
            in_title.append(c.label)
        else:
            in_text.append(c.label)
        if not direct:
            via_synonym.append(c.label)
    if in_title:
        verb = "kommt" if len(in_title) == 1 else "kommen"
        noun = "Ihr Begriff" if len(in_title) == 1 else "Ihre Begriffe"
        reasons.append(f"{noun} {_quote(in_title[:4])} {verb} im Titel vor")
    if in_text:
        verb = "kommt" if len(in_text) == 1 else "kommen"
        noun = "Ihr Begriff" if len(in_text) == 1 else "Ihre Begriffe"
        reasons.append(f"{noun} {_quote(in_text[:4])} {verb} in der Beschreibung vor")
    if via_synonym:
        reasons.append(f"verwandte Begriffe zu {_quote(via_synonym[:3])} gefunden")
    report_terms = [
        sc.concept.label
        for sc in matched
        if any(
            len(v.terms) == 1 and d in ctx.term_docs("reports", v.terms[0])
            for v in sc.concept.variants
        )
    ]
    if len(report_terms) >= 2 or (ctx.array("kind")[d] == "report"):
        reasons.append("ähnliches Problem in Erfahrungsberichten beschrieben")
    if category and ctx.array("category")[d] == category:
        reasons.append("gleiche Kategorie")
    reuse = int(ctx.array("reuse_count")[d])
    if reuse == 1:
        reasons.append("wird von 1 Kommune nachgenutzt")
    elif reuse > 1:
        reasons.append(f"wird von {reuse} Kommunen nachgenutzt")
    pop = int(ctx.array("population")[d])
    if population and pop and 0.5 <= pop / population <= 2.0:
        reasons.append(f"Kommune ähnlicher Größe ({pop:,} Einwohner)".replace(",", "."))
    return reasons


def _variant_set(ctx: SearchContext, v) -> frozenset[int] | set[int]:
    from search_index.query import variant_docs

    return variant_docs(ctx, v)


def run_similar(
    ctx: SearchContext,
    title: str,
    summary: str,
    limit: int = 5,
    exclude_solution_ids: Iterable[int] = (),
) -> list[Match]:
    """Solutions that look like the one being written (duplicate hint)."""
    matches = run_match(
        ctx, f"{title} {summary}", limit=limit, exclude_solution_ids=exclude_solution_ids
    )
    return [m for m in matches if m.band != "weak"]
