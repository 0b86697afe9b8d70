"""Query-side word analysis: one surface word → the terms the index holds for it.

Owns `QueryWord`, `analyze_word` and `analyze_query_words`, which mirror `analysis.german_analyzer`
word by word (stem of the whole word plus the stems of its hyphen and dictionary parts), so that
search and need matching build concepts from exactly what was indexed.

Must not: import Flask or SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from search_index.german import HYPHENS_RE, STOP_WORDS_DE, WORD_RE, decompounder, stem_word


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One word of a query as the index sees it.

    `raw` is the lower-case surface form (hyphens removed), `stem` the stem of the whole word,
    `parts` the stems of its compound parts (hyphen parts and dictionary parts; empty if none).
    """

    raw: str
    stem: str
    parts: tuple[str, ...] = ()


def _leaf_parts(word: str, dictionary: str) -> list[str]:
    """The smallest dictionary parts of `word` ([word] if it is no compound)."""
    dec = decompounder(dictionary)
    parts = dec.split(word)
    if not parts:
        return [word]
    return [p for p in parts if not dec.split(p)]


@lru_cache(maxsize=20_000)
def analyze_word(surface: str, dictionary: str = "default") -> QueryWord | None:
    """Analyse one (possibly hyphenated) surface word; None if it is a stop word."""
    lower = surface.lower()
    pieces = [p for p in HYPHENS_RE.split(lower) if p]
    if not pieces:
        return None
    if len(pieces) == 1 and (lower in STOP_WORDS_DE or len(lower) < 2):
        return None
    joined = "".join(pieces)
    leaves: list[str] = []
    if len(pieces) > 1:
        for p in pieces:
            if p in STOP_WORDS_DE or len(p) < 2:
                continue
            leaves.extend(_leaf_parts(p, dictionary))
    else:
        leaves = _leaf_parts(joined, dictionary)
    stem = stem_word(joined)
    part_stems: list[str] = []
    if len(leaves) > 1:
        for leaf in leaves:
            s = stem_word(leaf)
            if s != stem and s not in part_stems:
                part_stems.append(s)
    return QueryWord(raw=joined, stem=stem, parts=tuple(part_stems))


def analyze_query_words(text: str, dictionary: str = "default") -> list[QueryWord]:
    """Split free text into analysed query words (stop words dropped, duplicates kept once)."""
    words: list[QueryWord] = []
    seen: set[str] = set()
    for match in WORD_RE.finditer(text):
        qw = analyze_word(match.group(0), dictionary)
        if qw is not None and qw.stem not in seen:
            seen.add(qw.stem)
            words.append(qw)
    return words
