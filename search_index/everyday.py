"""Everyday words as hints for ranking need matches.

Staff tell a problem in the words of their day ("die alte Couch muss weg", "Riss im
Asphalt") while solutions are titled in administrative terms ("Sperrmüll-Anmeldung",
"Straßenschäden melden"). `data/everyday_de.txt` maps everyday words to the administrative term
they point to (one line per term: ``Begriff: wort, wort, …``; written from general knowledge of
municipal work, never from evaluation sets).

The hints only *rank*: a result carrying the administrative term a need's everyday words point
to moves up among the results below "passt gut" (and may then read "könnte passen", being close
to the best), but a hint never makes or unmakes "passt gut". A thesaurus of such words (twelfth round)
raised the coverage the bands rest on, of near misses as much as of matches, and cost no-match
accuracy; here "passt gut" still rests on the need's own words.

Must not: import Flask or SQLAlchemy, or contain words taken from benchmark needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Protocol

from search_index.analysis import analyze_query_words, analyze_word
from search_index.concepts import all_terms, concept_docs, concept_for_word
from search_index.match_bands import BANDS, Scored, own_score, possible_or_weak
from search_index.need_text import NeedWord, need_words

if TYPE_CHECKING:
    from search_index.context import SearchContext

LEXICON = "everyday_de.txt"
# Below "passt gut" a result moves up by `W_HINT` per hinted term it carries, times the summed
# weights of the need's words pointing to it (at most `HINT_MAX` in all); `HINT_DEPTH` more
# results than shown are ranked so that a hinted one from further down can move up. Measured on
# 34 sets (fourteenth round), words only: 0.1 / 0.2 raise mean nDCG@10 by 0.0007 and recall@5
# by 0.0030 (the strongest pointing word's weight instead of the sum: the same); 0.05 / 0.2
# 0.0011 / 0.0024, 0.15 / 0.3 0.0001 / 0.0015 (a hint then outweighs the need's own words);
# phrases add 0.0002 / 0.0004. Adding the documents that carry hinted terms to the candidates
# changed nothing: they are among them already.
HINT_DEPTH = 20
PHRASE_WORD_WEIGHT = 0.6  # a word of a phrase that need_text drops as a filler
W_HINT = 0.1
HINT_MAX = 0.2


class Ranked(Scored, Protocol):
    docnum: int


@dataclass(frozen=True)
class Hint:
    """An administrative term the need's everyday words point to."""

    label: str  # the term as written in the lexicon
    weight: float  # the summed weights of the need's words pointing to it
    docs: frozenset[int] | set[int]
    words: tuple[str, ...] = ()  # the need's words that point to it, as written


def parse(text: str) -> dict[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """everyday word or phrase (its stems) → the administrative terms it points to, each with
    the word or phrase as written."""
    pointers: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        term, sep, words = line.partition(":")
        if not sep or not term.strip():
            continue
        for word in (w.strip() for w in words.split(",")):
            key = tuple(q.stem for q in analyze_query_words(word) if len(q.stem) >= 3)
            if key and (len(key) > 1 or " " not in word):  # a phrase needs two content words
                targets = pointers.setdefault(key, [])
                if term.strip() not in (t for t, _ in targets):
                    targets.append((term.strip(), word))
    return {key: tuple(terms) for key, terms in pointers.items()}


@lru_cache(maxsize=1)
def lexicon() -> dict[tuple[str, ...], tuple[tuple[str, str], ...]]:
    return parse(resources.files("search_index").joinpath("data", LEXICON).read_text("utf-8"))


@lru_cache(maxsize=1)
def _longest_phrase() -> int:
    return max((len(key) for key in lexicon()), default=1)


def _pointing(text: str, words: list[NeedWord]) -> dict[str, tuple[float, list[str]]]:
    """term → (summed weight, the words or phrases of the need pointing to it). A phrase
    ("Akte verschwunden") points where its content words stand next to each other in the need;
    it weighs as its weakest word."""
    weights = {}
    for nw in words:
        qw = analyze_word(nw.surface)
        if qw is not None:
            weights[qw.stem] = nw.weight
    sequence = [q.stem for q in analyze_query_words(text)]
    # the need's words and runs of words, looked up in the lexicon (not the lexicon scanned)
    keys = [(stem,) for stem in weights] + list(
        dict.fromkeys(
            tuple(sequence[i : i + n])
            for n in range(2, _longest_phrase() + 1)
            for i in range(len(sequence) - n + 1)
        )
    )
    out: dict[str, tuple[float, list[str]]] = {}
    for key in keys:
        targets = lexicon().get(key, ())
        if not targets:
            continue
        weight = (
            weights[key[0]]
            if len(key) == 1
            else min(weights.get(stem, PHRASE_WORD_WEIGHT) for stem in key)
        )
        for term, written in targets:
            total, said = out.get(term, (0.0, []))
            out[term] = (total + weight, [*said, written])
    return out


def hints(ctx: SearchContext, text: str, own_stems: set[str], max_df: float) -> list[Hint]:
    """The terms the need's everyday words point to that the catalogue knows and the need does
    not already name (`own_stems`); terms in more than `max_df` documents say nothing."""
    out: list[Hint] = []
    for term, (weight, said) in _pointing(text, need_words(text)).items():
        stems = tuple(q.stem for q in analyze_query_words(term))
        if not stems or set(stems) <= own_stems:
            continue
        docs: set[int] | frozenset[int]
        if len(stems) > 1:  # "Interkommunale Zusammenarbeit": documents with all its words
            docs = all_terms(ctx, stems)
        else:
            tq = analyze_word(term)
            if tq is None:
                continue
            docs = concept_docs(ctx, concept_for_word(ctx, tq, term, synonyms=False))
        if 0 < len(docs) <= max_df:
            out.append(Hint(term, weight, docs, tuple(said)))
    return out


def order(
    ranked: Sequence[Ranked], labels: Sequence[str], found: list[Hint]
) -> tuple[list[int], list[str]]:
    """Positions of `ranked` in the order shown, and their bands. "Passt gut" results keep their
    place and band: a hint is no evidence for it. Below them, results are ordered by score plus
    the hints each carries, and "könnte passen" is read again from that order (close to the
    best, or covering enough of the need); bands never rise down the list."""
    bonus = [
        min(HINT_MAX, W_HINT * sum(h.weight for h in found if c.docnum in h.docs)) for c in ranked
    ]
    strong = [i for i, label in enumerate(labels) if label == "strong"]
    rest = sorted(
        (i for i, label in enumerate(labels) if label != "strong"),
        key=lambda i: (-(ranked[i].score + bonus[i]), i),
    )
    # closeness to the best is read from the need's evidence and the hints, not from the
    # category bonus; a hint on a "passt gut" result moves nothing, so it raises no bar either
    own = [own_score(c) for c in ranked]
    best = max([own[i] for i in strong] + [own[i] + bonus[i] for i in rest]) if ranked else 0.0
    best = best or 1.0
    out = [labels[i] for i in strong]
    for i in rest:
        label = possible_or_weak(ranked[i], (own[i] + bonus[i]) / best)
        out.append(max(label, out[-1], key=BANDS.index) if out else label)
    return strong + rest, out


def reason(docnum: int, found: list[Hint]) -> str | None:
    """The hint a result carries, in the words of the need ("Ihre Wörter »Couch«,
    »Lattenrost« deuten auf »Sperrmüll«"), or None."""
    carried = [h for h in found if docnum in h.docs]
    if not carried:
        return None
    best = max(carried, key=lambda h: h.weight)
    words = ", ".join(f"»{w}«" for w in best.words[:3])
    noun = "Ihr Wort" if len(best.words) == 1 else "Ihre Wörter"
    verb = "deutet" if len(best.words) == 1 else "deuten"
    return f"{noun} {words} {verb} auf »{best.label}«"
