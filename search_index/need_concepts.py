"""The need as concepts: which of its words are matched, with what weight.

Owns `ScoredConcept` and `need_concepts`: each word of the need (weighted by `need_text`:
sentence role, word class, fillers dropped) becomes a concept (stem, compound parts, thesaurus
synonyms; an unknown compound is split into two words the catalogue knows; short keyword needs
also get close spellings), and the most discriminative ones are kept (idf × weight, document
frequency cap). The idf mass of words the catalogue does not know at all is returned as well:
it lowers the coverage a result can reach.

Must not: import Flask or SQLAlchemy, or contain rules for particular needs or benchmark data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from search_index.analysis import WORD_RE, analyze_word, stem_word
from search_index.concepts import (
    Concept,
    Variant,
    add_fuzzy_variants,
    concept_docs,
    concept_for_word,
)
from search_index.need_text import need_words

if TYPE_CHECKING:
    from search_index.context import SearchContext

MAX_CONCEPTS = 16  # most discriminative need words kept (results are flat from 14 up)
MAX_DF_SHARE = 0.25  # words in more than this share of documents are not discriminative
VOCAB_SPLIT_WEIGHT = 0.6  # unknown compound split into two words the catalogue knows
FUZZY_MAX_WORDS = 6  # needs this short: unknown words also match close spellings (typos)
FUZZY_MIN_LEN = 5


@dataclass(eq=False)
class ScoredConcept:
    concept: Concept
    docs: set[int] | frozenset[int]
    idf: float
    df: int = 0
    weight: float = 1.0


def need_concepts(ctx: SearchContext, text: str, n_docs: int) -> tuple[list[ScoredConcept], float]:
    """The need's most discriminative known concepts, and the idf mass of unknown words."""
    seen: set[str] = set()
    scored: list[ScoredConcept] = []
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
        concept = concept_for_word(ctx, qw, nw.surface, parts_alone=True)
        if not qw.parts and ctx.doc_frequency("content", qw.stem) == 0:
            add_vocabulary_split(ctx, qw.raw, concept)
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
        scored.append(ScoredConcept(concept, frozenset(), idf(n_docs, df) * weight, df, weight))
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
        sc.idf = idf(n_docs, sc.df) * sc.weight
    return chosen, missing_idf


def idf(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def _variant_df(ctx: SearchContext, v: Variant) -> int:
    return min(ctx.doc_frequency("content", t) for t in v.terms)


def add_vocabulary_split(ctx: SearchContext, word: str, concept: Concept) -> None:
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
