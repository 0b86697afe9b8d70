"""Concepts: what one query or need word stands for, and which documents carry it.

Owns `Variant`, `Concept` and the functions shared by search and need matching: every word
becomes a concept, i.e. a set of weighted variants of which a document must contain at least
one: the word's stem, all of its compound parts together, thesaurus synonyms (also per part),
close spellings for words the index does not know. A single compound part alone ("Termin" for
"Terminvergabe") is not a variant of its own: it would match most of the catalogue. It is kept
as `Concept.fallback` and used only when nothing else matches (the result is then flagged).

The document set of a concept is computed once per query (`concept_docs` memoizes it on the
concept; adding variants invalidates it). Must not: import Flask or SQLAlchemy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from search_index.analysis import (
    WORD_RE,
    QueryWord,
    analyze_query_words,
    analyze_word,
    decompounder,
    german_analyzer,
    stem_word,
)
from search_index.spelling import close_terms

if TYPE_CHECKING:
    from search_index.context import SearchContext

MAX_VARIANTS = 16
PHRASE_VERIFY_LIMIT = 3000
FALLBACK_WEIGHT = 0.5  # a single compound part standing in for the compound


@dataclass(frozen=True)
class Variant:
    terms: tuple[str, ...]  # stems that must all occur (in this order if phrase)
    weight: float
    phrase: bool = False
    kind: str = "word"  # word | parts | synonym | fuzzy | phrase | part | compound


@dataclass
class Concept:
    label: str  # the word as the user typed it (for reasons and suggestions)
    stem: str
    variants: list[Variant]
    raw: str = ""
    fallback: list[Variant] = field(default_factory=list)  # single parts (see module doc)
    corrections: list[str] = field(default_factory=list)  # stems of close spellings used
    _docs: tuple[int, frozenset[int] | set[int]] | None = field(
        default=None, repr=False, compare=False
    )

    def stems(self) -> set[str]:
        return {t for v in self.variants for t in v.terms}

    def use_fallback(self) -> bool:
        """Let single compound parts stand in for the compound; True if there were any."""
        if not self.fallback:
            return False
        self.variants.extend(self.fallback)
        self.fallback = []
        return True


def concept_for_word(
    ctx: SearchContext,
    qw: QueryWord,
    label: str,
    synonyms: bool = True,
    parts_alone: bool = False,
) -> Concept:
    thesaurus = ctx.thesaurus
    seen: dict[tuple[str, ...], Variant] = {}
    parts = set(qw.parts)
    fallback: dict[tuple[str, ...], Variant] = {}

    def add(terms: tuple[str, ...], weight: float, kind: str) -> None:
        if not terms or terms in seen or len(seen) >= MAX_VARIANTS:
            return
        if any(ctx.doc_frequency("content", t) == 0 for t in terms):
            return
        if not parts_alone and len(qw.parts) > 1 and len(terms) == 1 and terms[0] in parts:
            # "termin" listed as a synonym of "terminvergab": a part alone is only a fallback
            fallback.setdefault(terms, Variant(terms, FALLBACK_WEIGHT * weight, False, "part"))
            return
        seen[terms] = Variant(terms, weight, False, kind)

    add((qw.stem,), 1.0, "word")
    if qw.parts:
        add(qw.parts, 0.8, "parts")
    if synonyms:
        for key, weight in thesaurus.expand(qw.stem)[1:]:
            add(tuple(key.split()), weight, "synonym")
        if qw.parts:
            for i, part in enumerate(qw.parts):
                for key, weight in thesaurus.expand(part)[1:]:
                    replaced = qw.parts[:i] + tuple(key.split()) + qw.parts[i + 1 :]
                    add(tuple(dict.fromkeys(replaced)), 0.8 * weight, "synonym")
    if len(qw.parts) > 1 and not parts_alone:
        for part in qw.parts:
            if len(part) >= 4:
                add((part,), 1.0, "part")
    return Concept(
        label=label,
        stem=qw.stem,
        variants=list(seen.values()),
        raw=qw.raw,
        fallback=list(fallback.values()),
    )


_QUOTED = re.compile(r"\"([^\"]+)\"|„([^“”]+)[“”]")


def build_concepts(ctx: SearchContext, text: str, synonyms: bool = True) -> list[Concept]:
    concepts: list[Concept] = []
    rest = text
    for m in _QUOTED.finditer(text):
        phrase_text = m.group(1) or m.group(2)
        words = analyze_query_words(phrase_text)
        rest = rest.replace(m.group(0), " ")
        if len(words) == 1:
            concepts.append(concept_for_word(ctx, words[0], phrase_text.strip(), synonyms))
        elif words:
            stems = tuple(w.stem for w in words)
            variants = []
            if all(ctx.doc_frequency("content", s) for s in stems):
                variants.append(Variant(stems, 1.0, True, "phrase"))
            concepts.append(Concept(phrase_text.strip(), " ".join(stems), variants))
    seen: set[str] = {c.stem for c in concepts}
    typed = typed_words(rest)
    runs = thesaurus_runs(ctx, typed) if synonyms else [(None, [w]) for w in typed]
    for phrase, run in runs:
        if phrase is not None and phrase.stem not in seen:
            seen.add(phrase.stem)
            concepts.append(phrase)
            continue
        for surface, word in run:  # no entry, or an entry already typed: the words alone
            if word.stem not in seen:
                seen.add(word.stem)
                concepts.append(concept_for_word(ctx, word, surface, synonyms))
    return concepts


def typed_words(text: str) -> list[tuple[str, QueryWord]]:
    """The words of a text as written, with their analysis (stop words left out)."""
    typed: list[tuple[str, QueryWord]] = []
    for m in WORD_RE.finditer(text):
        word = analyze_word(m.group(0))
        if word is not None:
            typed.append((m.group(0), word))
    return typed


def thesaurus_runs(
    ctx: SearchContext, typed: list[tuple[str, QueryWord]]
) -> list[tuple[Concept | None, list[tuple[str, QueryWord]]]]:
    """The typed words in order, grouped: each run of words that forms a thesaurus entry with
    its concept (see `thesaurus_phrase`), every other word alone with None."""
    runs: list[tuple[Concept | None, list[tuple[str, QueryWord]]]] = []
    i = 0
    while i < len(typed):
        phrase, n = thesaurus_phrase(ctx, typed[i:])
        n = n if phrase is not None else 1
        runs.append((phrase, typed[i : i + n]))
        i += n
    return runs


def thesaurus_phrase(
    ctx: SearchContext, words: list[tuple[str, QueryWord]]
) -> tuple[Concept | None, int]:
    """One concept for the longest run of typed words forming a thesaurus entry, and its length.

    "Kita Anmeldung" is the entry "Kita-Anmeldung" (and "Kindertagesstätte Anmeldung" too,
    through the synonym "Kita"): the concept matches the typed words together, the entry and
    its group (Kita-Navigator, Kitaplatz …) instead of requiring every word on its own.
    """
    thesaurus = ctx.thesaurus
    for n in range(min(len(words), max(2, thesaurus.max_words)), 1, -1):
        run = words[:n]
        key = thesaurus.phrase_key([[qw.stem, *thesaurus.synonyms_of(qw.stem)] for _s, qw in run])
        if key is None:
            continue
        typed = tuple(dict.fromkeys(qw.stem for _s, qw in run))
        candidates = [(typed, 1.0, "word")]
        if " " not in key:  # a compound entry ("Kita-Anmeldung") is also a word of its own
            candidates.append(((key,), 1.0, "word"))
        candidates += [(tuple(k.split()), w, "synonym") for k, w in thesaurus.expand(key)]
        variants: dict[tuple[str, ...], Variant] = {}
        for terms, weight, kind in candidates:
            if len(variants) >= MAX_VARIANTS or terms in variants:
                continue
            if all(ctx.doc_frequency("content", t) for t in terms):
                variants[terms] = Variant(terms, weight, False, kind)
        if variants:
            label = " ".join(s for s, _qw in run)
            return Concept(label=label, stem=key, variants=list(variants.values())), n
    return None, 0


def highlight_stems(concepts: list[Concept]) -> set[str]:
    """Stems worth marking: whole words and synonyms, compound parts only if not tiny."""
    stems: set[str] = set()
    for c in concepts:
        for v in c.variants:
            if len(v.terms) == 1 or v.phrase:
                stems.update(v.terms)
            else:
                stems.update(t for t in v.terms if len(t) >= 5)
    return stems


def _has_phrase(text: str, terms: tuple[str, ...]) -> bool:
    """True if the stems occur at consecutive positions (compound parts share a position)."""
    positions: dict[int, set[str]] = {}
    for t in german_analyzer()(text, positions=True):
        positions.setdefault(t.pos, set()).add(t.text)
    pos_list = sorted(positions)
    n = len(terms)
    for i in range(len(pos_list) - n + 1):
        if all(terms[k] in positions[pos_list[i + k]] for k in range(n)):
            return True
    return False


def variant_docs(ctx: SearchContext, variant: Variant) -> frozenset[int] | set[int]:
    if variant.phrase:
        # The index keeps no positions: intersect the words, then check adjacency on the stored
        # title/summary/body (skipped for very large candidate sets).
        docs = all_terms(ctx, variant.terms)
        if len(docs) > PHRASE_VERIFY_LIMIT:
            return docs
        out = set()
        for d in docs:
            stored = ctx.stored(d)
            text = "\n".join(stored.get(f, "") for f in ("title", "summary", "body"))
            if _has_phrase(text, variant.terms):
                out.add(d)
        return out
    return all_terms(ctx, variant.terms)


def all_terms(ctx: SearchContext, terms: tuple[str, ...]) -> frozenset[int]:
    """Documents carrying every one of `terms` (intersection, smallest set first; cached)."""
    if len(terms) == 1:
        return ctx.term_docs("content", terms[0])
    return ctx.cached_docs(("all", *terms), lambda: _intersection(ctx, terms))


def _intersection(ctx: SearchContext, terms: tuple[str, ...]) -> frozenset[int]:
    # On the sorted posting arrays, rarest term first (by document frequency, so a list is only
    # decoded when needed): no set of a long list is built for one intersection.
    rarest = sorted(terms, key=lambda t: ctx.doc_frequency("content", t))
    out = ctx.postings("content", rarest[0])[0]
    for term in rarest[1:]:
        if not len(out):
            break
        ids = ctx.postings("content", term)[0]
        if not len(ids):
            return frozenset()
        k = np.minimum(np.searchsorted(ids, out), len(ids) - 1)
        out = out[ids[k] == out]
    return frozenset(out.tolist())


def concept_docs(ctx: SearchContext, concept: Concept) -> set[int] | frozenset[int]:
    """Documents carrying any variant of the concept (computed once per variant list)."""
    memo = concept._docs
    if memo is not None and memo[0] == len(concept.variants):
        return memo[1]
    sets = [variant_docs(ctx, v) for v in concept.variants]
    docs: set[int] | frozenset[int]
    if not sets:
        docs = frozenset()
    elif len(sets) == 1:
        docs = sets[0]
    else:
        docs = set()
        for s in sets:
            docs |= s
    concept._docs = (len(concept.variants), docs)
    return docs


@lru_cache(maxsize=1)
def dictionary_stems() -> frozenset[str]:
    """Stems of the compound dictionary's words: German words, not typos."""
    return frozenset(stem_word(word) for word in decompounder().canonical.values())


def add_fuzzy_variants(ctx: SearchContext, concept: Concept) -> bool:
    """Add close spellings of a word missing from the index; True if any were found.

    A word of the compound dictionary is spelt right even where the catalogue lacks it: "an
    Bächen" (Bach) is not a typo of Back-Office. Measured on 62 sets: no figure changed.
    """
    if concept.variants or " " in concept.stem:
        return False
    stem = concept.stem
    if len(stem) < 4 or stem in dictionary_stems():
        return False
    maxdist = 1 if len(stem) <= 6 else 2
    found: dict[str, int] = {}
    for term in close_terms(ctx, "content", stem, maxdist, prefix=2):
        df = ctx.doc_frequency("content", term)
        if df:
            found[term] = df
    # Typos in inflected endings are closer to the surface words of the spelling field.
    raw = concept.raw
    spellings = (
        {raw, raw.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü")} if raw else set()
    )
    for raw in sorted(s for s in spellings if len(s) >= 5):
        for word in close_terms(ctx, "spell", raw, 1 if len(raw) <= 7 else 2, prefix=2):
            qw = analyze_word(word)
            if qw is not None and qw.stem != stem:
                df = ctx.doc_frequency("content", qw.stem)
                if df:
                    found[qw.stem] = df
    candidates = sorted(((df, term) for term, df in found.items()), reverse=True)
    for _df, term in candidates[:5]:
        concept.variants.append(Variant((term,), 0.6, False, "fuzzy"))
        concept.corrections.append(term)
    if not candidates:
        # A misspelt thesaurus word ("Kindertagesstäte") can still reach its synonyms ("Kita").
        thesaurus = ctx.thesaurus
        for _dist, key in thesaurus.closest(stem, maxdist)[:2]:
            for term, weight in thesaurus.expand(key):
                terms = tuple(term.split())
                if all(ctx.doc_frequency("content", x) for x in terms):
                    concept.variants.append(Variant(terms, 0.6 * weight, False, "fuzzy"))
                    concept.corrections.append(key)
    return bool(concept.variants)
