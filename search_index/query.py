"""Catalogue search: query planning, sorting, highlights, result flags and suggestions.

Owns `SearchRequest`, `SearchResults`, `Hit` and `run_search`. Words become concepts
(`search_index.concepts`); document sets, filters, facets and pre-ranking are numpy masks
(`search_index.docsets`).

Semantics (documented for the UI):
* Plain words are AND-ed (each word, or one of its variants, must occur); a compound matches
  itself, its synonyms and documents with all of its parts. "quoted phrases" must occur as a
  phrase in title, summary or body (the index keeps no positions, so adjacency is checked on the
  stored text; above 3000 candidates only "all words" is checked). There is no field syntax;
  operators are ordinary words.
* If the AND query finds nothing, words that do not occur in the index are replaced by close
  spellings (edit distance 1-2): `fuzzy`/`corrected` is set and `corrections` maps each typed
  word to the spelling used. If there is still nothing and the query has several words,
  any-word (OR) matching is used, ranked first by how much of the query a hit covers (rare
  words weigh more; `Hit.coverage` is the plain share of words), and `relaxed` is set; a
  one-word query for a compound instead lets a single part of the compound stand in for it
  (`broadened`). Typed words that together form a thesaurus entry ("Kita Anmeldung" =
  "Kita-Anmeldung") are one concept.
* `suggestion` ("Meinten Sie …?") replaces query words the index does not know, or knows from
  very few documents, by a close spelling that occurs clearly more often (`SUGGEST_FACTOR`
  times). It is offered if it finds at least as much as a query with an unknown word,
  `SUGGEST_FACTOR` times as much as a query with only rare words, or anything when the query
  finds fewer than `SUGGEST_BELOW` or its results were corrected. `suggestion_total` is how
  many it finds.
* Facet counts are "disjunctive": the counts of a facet ignore that facet's own filter but
  apply all other filters (so the UI can show alternatives in a selected facet).
* Empty text browses everything (sorted by newest for sort="relevance").

Matching documents are computed without scoring from cached posting arrays; only the best
candidates are scored with BM25 (search_index.scoring). Must not: import Flask or SQLAlchemy, or decide
visibility.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from search_index.analysis import WORD_RE, analyze_word
from search_index.concepts import (
    Concept,
    add_fuzzy_variants,
    build_concepts,
    highlight_stems,
)
from search_index.docsets import DocSets
from search_index.highlight import highlight_fragment, highlight_whole
from search_index.schema import FILTER_FIELDS, SORTS
from search_index.scoring import bm25
from search_index.spelling import best_spelling

if TYPE_CHECKING:
    from search_index.context import SearchContext

__all__ = ["FILTER_FIELDS", "SORTS", "Hit", "SearchRequest", "SearchResults", "run_search"]

SEARCH_BOOSTS = {"content": 1.0, "title": 2.0}  # summary and tags are part of content
SUGGEST_BELOW = 3
SUGGEST_FACTOR = 3  # "clearly more": the suggestion finds at least this many times the hits
RARE_SHARE = 0.001  # words in at most this share of documents (or 2) are checked for typos
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
    coverage: float = 1.0  # share of the query's words the hit carries (< 1 only if relaxed)


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None  # "Meinten Sie …?"
    fuzzy: bool = False  # results found through close spellings of unknown words
    relaxed: bool = False  # any-word fallback: not every word occurs in each hit
    page: int = 1
    per_page: int = 10
    broadened: bool = False  # a single part of a compound stood in for the compound
    corrections: dict[str, str] = field(default_factory=dict)  # typed word → spelling used
    suggestion_total: int | None = None  # hits of `suggestion` (same filters not applied)

    @property
    def corrected(self) -> bool:
        """True if the results were found through corrected spellings."""
        return self.fuzzy


# ------------------------------------------------------------------------------------------
# Suggestions
# ------------------------------------------------------------------------------------------


def suggest(
    ctx: SearchContext, text: str, total: int, corrected: bool, sets: DocSets | None = None
) -> tuple[str, int] | None:
    """A corrected query ("Meinten Sie …?") and its hit count, or None.

    Words the index does not know, or knows from very few documents, are replaced by their
    closest, more frequent spelling; the suggestion is offered if it finds clearly more than
    the query (or the query's results were themselves corrected).
    """
    rare = max(2, int(RARE_SHARE * ctx.reader.doc_count()))
    changed = unknown = False
    out: list[str] = []
    pos = 0
    for m in WORD_RE.finditer(text):
        word = m.group(0)
        lower = word.lower()
        out.append(text[pos : m.start()])
        pos = m.end()
        qw = analyze_word(word)
        if qw is not None and len(lower) >= 4 and not lower.isdigit():
            df = ctx.doc_frequency("content", qw.stem)
            fix = None
            if df <= rare:
                found = best_spelling(ctx, lower)
                if found is not None and (df == 0 or found[1] >= SUGGEST_FACTOR * df):
                    fix = found[0]
            if fix is None and df == 0:
                close = ctx.thesaurus.closest(qw.stem, 1 if len(qw.stem) <= 6 else 2)
                fix = ctx.thesaurus.surface(close[0][1]) if close else None
            fixed = analyze_word(fix) if fix else None
            if fix and fixed is not None and fixed.stem != qw.stem:
                out.append(fix[:1].upper() + fix[1:] if word[:1].isupper() else fix)
                changed = True
                unknown = unknown or df == 0
                continue
        out.append(word)
    out.append(text[pos:])
    if not changed:
        return None
    suggestion = re.sub(r"\s+", " ", "".join(out)).strip()
    concepts = build_concepts(ctx, suggestion)
    if not concepts or not all(c.variants for c in concepts):
        return None
    found_total = int(np.count_nonzero((sets or DocSets(ctx)).all_of(concepts)))
    if found_total and (
        corrected
        or total < SUGGEST_BELOW
        or found_total >= SUGGEST_FACTOR * total
        or (unknown and found_total >= total)
    ):
        return suggestion, found_total
    return None


# ------------------------------------------------------------------------------------------
# Search
# ------------------------------------------------------------------------------------------


def _match(
    ctx: SearchContext, sets: DocSets, concepts: list[Concept]
) -> tuple[Any, dict[str, bool]]:
    """Mask of the matching documents and the flags of the step that found them."""
    flags = {"fuzzy": False, "broadened": False, "relaxed": False}
    matched = sets.all_of(concepts)
    if matched.any():
        return matched, flags
    if any([add_fuzzy_variants(ctx, c) for c in concepts]):
        matched = sets.all_of(concepts)
        flags["fuzzy"] = bool(matched.any())
        if flags["fuzzy"]:
            return matched, flags
    known = [c for c in concepts if c.variants]
    if len(known) >= 2:
        matched = sets.any_of(concepts)
        flags["relaxed"] = bool(matched.any())
        return matched, flags
    # one word the catalogue does not know ("Friedhof Drohnenbefliegung"): if a compound of the
    # query cannot be broadened, the words it knows as typed still find something, said as the
    # any-word fallback (computed before broadening, whose parts would find anything)
    as_typed = sets.any_of(known) if known and len(concepts) >= 2 else sets.empty()
    if any([c.use_fallback() for c in concepts]):
        matched = sets.all_of(concepts)
        flags["broadened"] = bool(matched.any())
    if not matched.any() and as_typed.any():
        matched = as_typed
        flags["relaxed"] = True
    return matched, flags


def run_search(ctx: SearchContext, request: SearchRequest) -> SearchResults:
    if request.sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    page = max(1, int(request.page))
    per_page = max(1, min(MAX_PER_PAGE, int(request.per_page)))
    text = (request.text or "").strip()
    concepts = build_concepts(ctx, text) if text else []
    flags = {"fuzzy": False, "broadened": False, "relaxed": False}
    sets = DocSets(ctx)

    if not text or not concepts:
        matched = sets.live() if not text else sets.empty()
    else:
        matched, flags = _match(ctx, sets, concepts)

    passing = sets.filter_masks(matched, request.filters)
    final = matched
    for mask in passing.values():
        final = final & mask
    facets = sets.facet_counts(matched, passing, request.facet_fields)
    total = int(np.count_nonzero(final))
    matched_total = int(np.count_nonzero(matched))

    start = (page - 1) * per_page
    want = start + per_page
    ranked: list[tuple[int, float]] = []
    if total and start < total:
        if request.sort == "relevance" and concepts and any(c.variants for c in concepts):
            ranked = _score(ctx, sets, concepts, final, want, flags["relaxed"])
        else:
            sort = request.sort if concepts or request.sort != "relevance" else "newest"
            docs = sets.newest(final, want, by_reuse=sort == "most_reused")
            ranked = [(d, 0.0) for d in docs]
    ranked = ranked[start:want]

    stems = highlight_stems(concepts)
    hits = [_hit(ctx, d, score, stems) for d, score in ranked]
    if flags["relaxed"]:
        covered = sets.coverage(concepts, [d for d, _s in ranked])
        for hit, n in zip(hits, covered, strict=True):
            hit.coverage = round(n / len(concepts), 3)

    corrections = {c.label: c.corrections[0] for c in concepts if flags["fuzzy"] and c.corrections}
    suggestion = suggest(ctx, text, matched_total, flags["fuzzy"], sets) if concepts else None
    return SearchResults(
        total=total,
        hits=hits,
        facets=facets,
        suggestion=suggestion[0] if suggestion else None,
        suggestion_total=suggestion[1] if suggestion else None,
        fuzzy=flags["fuzzy"],
        relaxed=flags["relaxed"],
        broadened=flags["broadened"],
        corrections=corrections,
        page=page,
        per_page=per_page,
    )


def _score(
    ctx: SearchContext,
    sets: DocSets,
    concepts: list[Concept],
    final: Any,
    want: int,
    relaxed: bool,
) -> list[tuple[int, float]]:
    """Relevance order: set-based pre-ranking, then BM25 on the best few hundred."""
    candidates = sets.prerank(concepts, final, max(RERANK_DEPTH, 2 * want))
    scores = bm25(ctx, concepts, candidates, SEARCH_BOOSTS)
    if relaxed:
        # any-word fallback: documents with more of the query (rare words weigh more) first
        shares = sets.weighted_coverage(concepts, candidates)
        for d, share in zip(candidates, shares, strict=True):
            scores[d] = scores.get(d, 0.0) + 100.0 * len(concepts) * share
    published = ctx.array("published")
    ranked = sorted(candidates, key=lambda d: (-scores.get(d, 0.0), -published[d], d))
    return [(d, round(scores.get(d, 0.0), 4)) for d in ranked[:want]]


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
