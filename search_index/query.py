"""Catalogue search: query planning, filters, disjunctive facets, sorting, highlights, suggestions.

Owns `SearchRequest`, `SearchResults`, `Hit` and `run_search`, plus the "concept" model shared
with need matching: every query word becomes a concept, i.e. a set of weighted variants (the
word's stem, its compound parts, thesaurus synonyms) of which a document must contain at least
one.

Semantics (documented for the UI):
* Plain words are AND-ed (each word, or one of its variants, must occur); "quoted phrases" must
  occur as a phrase in title, summary or body (the index keeps no positions, so adjacency is
  checked on the stored text; above 3000 candidates only "all words" is checked). There is no
  field syntax; operators are ordinary words.
* If the AND query finds nothing, words that do not occur in the index are replaced by close
  spellings (edit distance 1-2) and `fuzzy=True` is set. If there is still nothing and the query
  has several words, any-word (OR) matching ranked by the number of matched words is used and
  `relaxed=True` is set.
* Facet counts are "disjunctive": the counts of a facet ignore that facet's own filter but apply
  all other filters (so the UI can show alternatives in a selected facet).
* Empty text browses everything (sorted by newest for sort="relevance").

Matching docnum sets are computed without scoring from cached per-term posting sets; only the
requested page is ranked (search_index.scoring). Must not: import Flask or SQLAlchemy, or decide
visibility.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from search_index.analysis import (
    WORD_RE,
    QueryWord,
    analyze_query_words,
    analyze_word,
    german_analyzer,
)
from search_index.highlight import highlight_fragment, highlight_whole
from search_index.scoring import bm25, prerank

if TYPE_CHECKING:
    from search_index.index import SearchContext

FILTER_FIELDS = (
    "kind",
    "category",
    "kreis",
    "municipality",
    "solution_kind",
    "status",
    "readiness",
)
SORTS = ("relevance", "newest", "most_reused")
SEARCH_BOOSTS = {"content": 1.0, "title": 2.0}  # summary and tags are part of content
SUGGEST_BELOW = 3
MAX_VARIANTS = 16
MAX_PER_PAGE = 100
RERANK_DEPTH = 60


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    facet_fields: tuple[str, ...] = ()


@dataclass
class Hit:
    doc_id: str
    kind: str
    solution_id: int
    score: float
    highlights: dict[str, str] = field(default_factory=dict)
    version: int = 0  # the indexed version: callers drop snippets of outdated text


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    fuzzy: bool = False
    relaxed: bool = False  # any-word fallback: not every word occurs in each hit
    page: int = 1
    per_page: int = 10


# ------------------------------------------------------------------------------------------
# Concepts
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    terms: tuple[str, ...]  # stems that must all occur (in this order if phrase)
    weight: float
    phrase: bool = False
    kind: str = "word"  # word | parts | synonym | fuzzy | phrase


@dataclass
class Concept:
    label: str  # the word as the user typed it (for reasons and suggestions)
    stem: str
    variants: list[Variant]
    raw: str = ""

    def stems(self) -> set[str]:
        return {t for v in self.variants for t in v.terms}


def concept_for_word(
    ctx: SearchContext, qw: QueryWord, label: str, synonyms: bool = True
) -> Concept:
    thesaurus = ctx.owner.thesaurus
    seen: dict[tuple[str, ...], Variant] = {}

    def add(terms: tuple[str, ...], weight: float, kind: str) -> None:
        if not terms or terms in seen or len(seen) >= MAX_VARIANTS:
            return
        if any(ctx.doc_frequency("content", t) == 0 for t in terms):
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
    return Concept(label=label, stem=qw.stem, variants=list(seen.values()), raw=qw.raw)


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
    for m in WORD_RE.finditer(rest):
        qw = analyze_word(m.group(0))
        if qw is None or qw.stem in seen:
            continue
        seen.add(qw.stem)
        concepts.append(concept_for_word(ctx, qw, m.group(0), synonyms))
    return concepts


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


PHRASE_VERIFY_LIMIT = 3000


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
        docs = _all_terms(ctx, variant.terms)
        if len(docs) > PHRASE_VERIFY_LIMIT:
            return docs
        out = set()
        for d in docs:
            stored = ctx.stored(d)
            text = "\n".join(stored.get(f, "") for f in ("title", "summary", "body"))
            if _has_phrase(text, variant.terms):
                out.add(d)
        return out
    return _all_terms(ctx, variant.terms)


def _all_terms(ctx: SearchContext, terms: tuple[str, ...]) -> frozenset[int] | set[int]:
    sets = sorted((ctx.term_docs("content", t) for t in terms), key=len)
    if len(sets) == 1:
        return sets[0]
    out = set(sets[0])
    for s in sets[1:]:
        out &= s
        if not out:
            break
    return out


def concept_docs(ctx: SearchContext, concept: Concept) -> set[int] | frozenset[int]:
    sets = [variant_docs(ctx, v) for v in concept.variants]
    if not sets:
        return frozenset()
    if len(sets) == 1:
        return sets[0]
    out: set[int] = set()
    for s in sets:
        out |= s
    return out


def add_fuzzy_variants(ctx: SearchContext, concept: Concept) -> bool:
    """Add close spellings of a word missing from the index; True if any were found."""
    if concept.variants or " " in concept.stem:
        return False
    stem = concept.stem
    if len(stem) < 4:
        return False
    maxdist = 1 if len(stem) <= 6 else 2
    found: dict[str, int] = {}
    for term in ctx.reader.terms_within("content", stem, maxdist, prefix=2):
        df = ctx.doc_frequency("content", term)
        if df:
            found[term] = df
    # Typos in inflected endings are closer to the surface words of the spelling field.
    raw = concept.raw
    spellings = (
        {raw, raw.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü")} if raw else set()
    )
    for raw in (s for s in spellings if len(s) >= 5):
        for word in ctx.reader.terms_within("spell", raw, 1 if len(raw) <= 7 else 2, prefix=2):
            qw = analyze_word(word)
            if qw is not None and qw.stem != stem:
                df = ctx.doc_frequency("content", qw.stem)
                if df:
                    found[qw.stem] = df
    candidates = sorted(((df, term) for term, df in found.items()), reverse=True)
    for _df, term in candidates[:5]:
        concept.variants.append(Variant((term,), 0.6, False, "fuzzy"))
    if not candidates:
        # A misspelt thesaurus word ("Kindertagesstäte") can still reach its synonyms ("Kita").
        thesaurus = ctx.owner.thesaurus
        for _dist, key in thesaurus.closest(stem, maxdist)[:2]:
            for term, weight in thesaurus.expand(key):
                terms = tuple(term.split())
                if all(ctx.doc_frequency("content", x) for x in terms):
                    concept.variants.append(Variant(terms, 0.6 * weight, False, "fuzzy"))
    return bool(concept.variants)


# ------------------------------------------------------------------------------------------
# Filters and facets
# ------------------------------------------------------------------------------------------


def _filter_sets(
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


def _intersect(
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
        base = _intersect(matched, others)
        arr = ctx.array(name)
        counts = Counter(map(arr.__getitem__, base))
        counts.pop("", None)
        facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return facets


# ------------------------------------------------------------------------------------------
# Suggestions
# ------------------------------------------------------------------------------------------


def _best_spelling(ctx: SearchContext, word: str) -> str | None:
    own = ctx.doc_frequency("spell", word)
    best: tuple[int, int, str] | None = None
    for maxdist in (1, 2):
        if maxdist == 2 and (best is not None or len(word) < 7):
            break
        for cand in ctx.reader.terms_within("spell", word, maxdist, prefix=1):
            if cand == word:
                continue
            df = ctx.doc_frequency("spell", cand)
            if df <= own:
                continue
            key = (maxdist, -df, cand)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def suggest(ctx: SearchContext, text: str, concepts: list[Concept]) -> str | None:
    """A corrected query ("Meinten Sie …?") or None."""
    changed = False
    out: list[str] = []
    pos = 0
    for m in WORD_RE.finditer(text):
        word = m.group(0)
        lower = word.lower()
        out.append(text[pos : m.start()])
        pos = m.end()
        qw = analyze_word(word)
        if (
            qw is not None
            and len(lower) >= 4
            and not lower.isdigit()
            and ctx.doc_frequency("content", qw.stem) == 0
        ):
            fix = _best_spelling(ctx, lower)
            if fix is None:
                close = ctx.owner.thesaurus.closest(qw.stem, 1 if len(qw.stem) <= 6 else 2)
                fix = ctx.owner.thesaurus.surface(close[0][1]) if close else None
            fixed = analyze_word(fix) if fix else None
            if fixed is not None and fixed.stem != qw.stem:
                out.append(fix)
                changed = True
                continue
        out.append(word)
    out.append(text[pos:])
    if not changed:
        return None
    suggestion = re.sub(r"\s+", " ", "".join(out)).strip()
    concepts2 = build_concepts(ctx, suggestion)
    if concepts2 and all(c.variants for c in concepts2):
        if _and_docs(ctx, concepts2):
            return suggestion
    return None


# ------------------------------------------------------------------------------------------
# Search
# ------------------------------------------------------------------------------------------


def run_search(ctx: SearchContext, request: SearchRequest) -> SearchResults:
    if request.sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    page = max(1, int(request.page))
    per_page = max(1, min(MAX_PER_PAGE, int(request.per_page)))
    text = (request.text or "").strip()
    concepts = build_concepts(ctx, text) if text else []
    fuzzy = relaxed = False
    live = ctx.live_docs()

    if not text or not concepts:
        matched: set[int] | frozenset[int] = live if not text else frozenset()
    else:
        matched = _and_docs(ctx, concepts)
        if not matched:
            if any(add_fuzzy_variants(ctx, c) for c in concepts):
                matched = _and_docs(ctx, concepts)
                fuzzy = bool(matched)
        if not matched and len([c for c in concepts if c.variants]) >= 2:
            matched = set()
            for c in concepts:
                matched |= concept_docs(ctx, c)
            relaxed = bool(matched)

    passing = _filter_sets(ctx, matched, request.filters)
    final = _intersect(matched, list(passing.values()))
    facets = facet_counts(ctx, matched, passing, request.facet_fields)
    total = len(final)

    start = (page - 1) * per_page
    want = start + per_page
    ranked: list[tuple[int, float]] = []
    if total and start < total:
        if request.sort == "relevance" and concepts and any(c.variants for c in concepts):
            ranked = _score(ctx, concepts, final, want, relaxed)
        else:
            ranked = _sorted_by(
                ctx,
                final,
                request.sort if concepts or request.sort != "relevance" else "newest",
                want,
            )
    ranked = ranked[start:want]

    stems = highlight_stems(concepts)
    hits = [_hit(ctx, d, score, stems) for d, score in ranked]

    suggestion = None
    if text and concepts and total < SUGGEST_BELOW:
        suggestion = suggest(ctx, text, concepts)
    return SearchResults(
        total=total,
        hits=hits,
        facets=facets,
        suggestion=suggestion,
        fuzzy=fuzzy,
        relaxed=relaxed,
        page=page,
        per_page=per_page,
    )


def _and_docs(ctx: SearchContext, concepts: list[Concept]) -> set[int] | frozenset[int]:
    if any(not c.variants for c in concepts):
        return frozenset()
    sets = [concept_docs(ctx, c) for c in concepts]
    return _intersect(sets[0], sets[1:])


def _score(
    ctx: SearchContext,
    concepts: list[Concept],
    final: set[int] | frozenset[int],
    want: int,
    relaxed: bool,
) -> list[tuple[int, float]]:
    """Relevance order: set-based pre-ranking, then BM25 on the best few hundred."""
    candidates = prerank(ctx, concepts, final, max(RERANK_DEPTH, 2 * want))
    scores = bm25(ctx, concepts, candidates, SEARCH_BOOSTS)
    if relaxed:
        # any-word fallback: documents with more of the words first
        for d in candidates:
            matched = sum(1 for c in concepts if d in concept_docs(ctx, c))
            scores[d] = scores.get(d, 0.0) + 100.0 * matched
    published = ctx.array("published")
    ranked = sorted(candidates, key=lambda d: (-scores.get(d, 0.0), -published[d], d))
    return [(d, round(scores.get(d, 0.0), 4)) for d in ranked[:want]]


def _sorted_by(ctx: SearchContext, docs, sort: str, want: int) -> list[tuple[int, float]]:
    published = ctx.array("published")
    if sort == "most_reused":
        reuse = ctx.array("reuse_count")
        key = lambda d: (reuse[d], published[d], -d)  # noqa: E731
    else:
        key = lambda d: (published[d], -d)  # noqa: E731
    return [(d, 0.0) for d in heapq.nlargest(want, docs, key=key)]


def _hit(ctx: SearchContext, docnum: int, score: float, stems: set[str]) -> Hit:
    highlights: dict[str, str] = {}
    if stems:
        stored = ctx.stored(docnum)
        title = highlight_whole(stored.get("title", ""), stems)
        if title:
            highlights["title"] = title
        summary = highlight_whole(stored.get("summary", ""), stems)
        if summary:
            highlights["summary"] = summary
        body = highlight_fragment(stored.get("body", ""), stems)
        if body:
            highlights["body"] = body
    return Hit(
        doc_id=ctx.array("doc_id")[docnum],
        kind=ctx.array("kind")[docnum],
        solution_id=int(ctx.array("solution_id")[docnum]),
        score=score,
        highlights=highlights,
        version=int(ctx.array("version")[docnum]),
    )
