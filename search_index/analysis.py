"""German text analysis for the catalogue index.

Owns the Whoosh analysis chain (tokenizer, stop words, domain decompounder, Snowball stemmer),
its fast equivalent for rebuilds and the unstemmed analyzer of the spelling field. The word-level
pieces live in `search_index.german`, the query side in `search_index.query_words`; both are
re-exported here, where callers have always found them.

Must not: import Flask or SQLAlchemy, or keep large data inside filter objects. The schema (and
with it every filter object here) is pickled into each index TOC, so the classes must stay at
this import path and only carry small settings; dictionaries and caches live in module-level
registries keyed by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from whoosh.analysis import Filter, LowercaseFilter, StopFilter, Tokenizer
from whoosh.analysis.acore import Token

from search_index.german import (  # noqa: F401 - re-exported
    EXTRA_STOP_WORDS,
    FINAL_ENDINGS,
    HYPHENS_RE,
    LINKING_ELEMENTS,
    MIN_COMPOUND,
    MIN_PART,
    STOP_WORDS_DE,
    WORD_RE,
    Decompounder,
    decompounder,
    fold,
    register_decompounder,
    stem_word,
)
from search_index.query_words import (  # noqa: F401 - re-exported
    QueryWord,
    analyze_query_words,
    analyze_word,
)

# --------------------------------------------------------------------------------------------
# Whoosh components (stable import path: pickled into the index schema)
# --------------------------------------------------------------------------------------------


class GermanTokenizer(Tokenizer):  # type: ignore[misc]  # Whoosh ships no type information
    """Word tokenizer that also understands hyphenated compounds.

    "Online-Termin-Buchung" yields online, termin, buchung (consecutive positions) plus the
    joined forms onlineterminbuchung (at the position of the first part) and terminbuchung (at
    the position of "termin"), so that the hyphenated and the joined spelling meet.
    """

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(  # noqa: PLR0913 - Whoosh's tokenizer protocol
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        for match in WORD_RE.finditer(value):
            word = match.group(0)
            if "-" not in word and "‐" not in word and "‑" not in word:
                t.text = word
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = word
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + match.start()
                    t.endchar = start_char + match.end()
                pos += 1
                yield t
                continue
            # Hyphenated compound: the parts, then the joined forms.
            offset = match.start()
            parts = []
            for piece in HYPHENS_RE.split(word):
                parts.append((piece, offset))
                offset += len(piece) + 1
            first_pos = pos
            for piece, start in parts:
                t.text = piece
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = piece
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + start
                    t.endchar = start_char + start + len(piece)
                pos += 1
                yield t
            for i in range(len(parts) - 1):
                joined = "".join(p for p, _ in parts[i:])
                t.text = joined
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = joined
                if positions:
                    t.pos = first_pos + i
                if chars:
                    t.startchar = start_char + parts[i][1]
                    t.endchar = start_char + match.end()
                yield t


class GermanDecompoundFilter(Filter):  # type: ignore[misc]  # Whoosh ships no type information
    """Keeps each token and adds its parts if it is a compound of the named dictionary.

    The parts get the position and character span of the compound. Only the dictionary's name is
    pickled; the words live in the module registry (`decompounder(name)`).
    """

    def __init__(self, dictionary: str = "default"):
        self.dictionary = dictionary

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__ and other.dictionary == self.dictionary

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self.dictionary))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        split = decompounder(self.dictionary).split
        for t in tokens:
            if t.stopped:
                yield t
                continue
            text = t.text
            parts = split(text)
            yield t
            for part in parts:
                if part != text:
                    t.text = part
                    yield t


class GermanStemFilter(Filter):  # type: ignore[misc]  # Whoosh ships no type information
    """Snowball stemmer (PyStemmer) with a process-wide cache; folds umlauts, ae/oe/ue and ß."""

    def __init__(self, lang: str = "german"):
        self.lang = lang

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__ and other.lang == self.lang

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self.lang))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.stopped:
                t.text = stem_word(t.text, self.lang)  # cached; folds feminine forms
            yield t


class SpellingFoldFilter(Filter):  # type: ignore[misc]  # Whoosh ships no type information
    """Drops tokens that are too short or numeric to be useful spelling suggestions."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            if len(text) >= 3 and not text.isdigit():
                yield t


def german_analyzer(dictionary: str = "default") -> Any:
    """The stemming analyzer of all text fields."""
    return (
        GermanTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS_DE, minsize=2)
        | GermanDecompoundFilter(dictionary)
        | GermanStemFilter("german")
    )


_FAST_CACHE: dict[str, dict[str, tuple[str, ...]]] = {}
_FAST_CACHE_MAX = 300_000


def _token_terms(token: str, dictionary: str) -> tuple[str, ...]:
    """Index terms of one hyphen-free token: its stem plus the stems of its dictionary parts."""
    low = token.lower()
    if len(low) < 2 or low in STOP_WORDS_DE:
        return ()
    terms = [stem_word(low)]
    terms.extend(stem_word(p) for p in decompounder(dictionary).split(low) if p != low)
    return tuple(terms)


def _tokens_of_word(word: str) -> list[str]:
    """What `GermanTokenizer` makes of one `WORD_RE` match: the word, or a hyphenated
    compound's parts followed by its joined forms."""
    if "-" not in word and "‐" not in word and "‑" not in word:
        return [word]
    pieces = HYPHENS_RE.split(word)
    return pieces + ["".join(pieces[i:]) for i in range(len(pieces) - 1)]


def german_word_terms(word: str, dictionary: str = "default") -> tuple[str, ...]:
    """The terms `german_analyzer(dictionary)` indexes for one `WORD_RE` match, in order."""
    terms: list[str] = []
    for token in _tokens_of_word(word):
        terms.extend(_token_terms(token, dictionary))
    return tuple(terms)


def spelling_word_terms(word: str) -> tuple[str, ...]:
    """The terms `spelling_analyzer()` indexes for one `WORD_RE` match, in order."""
    terms = []
    for token in _tokens_of_word(word):
        low = token.lower()
        if len(low) >= 3 and low not in STOP_WORDS_DE and not low.isdigit():
            terms.append(low)
    return tuple(terms)


def fast_index_terms(text: str, dictionary: str = "default") -> list[str]:
    """The terms `german_analyzer(dictionary)` indexes for `text`, computed per distinct word.

    Same output as the Whoosh token pipeline (a test compares them), without a token object
    and five generator steps per word: each surface word's terms are cached, and in catalogue
    text most words repeat. Used by rebuilds (`search_index.bulk`).
    """
    cache = _FAST_CACHE.get(dictionary)
    if cache is None:
        cache = _FAST_CACHE.setdefault(dictionary, {})
    out: list[str] = []
    extend = out.extend
    for word in WORD_RE.findall(text):
        terms = cache.get(word)
        if terms is None:
            terms = german_word_terms(word, dictionary)
            if len(cache) >= _FAST_CACHE_MAX:
                cache.clear()
            cache[word] = terms
        extend(terms)
    return out


def fast_spelling_terms(text: str) -> list[str]:
    """The terms `spelling_analyzer()` indexes for `text` (a test compares them)."""
    out: list[str] = []
    for word in WORD_RE.findall(text):
        out.extend(spelling_word_terms(word))
    return out


# Fast analyzers whose output is the concatenation of per-word terms over `WORD_RE.findall`
# (the rebuild caches each distinct word's terms as term numbers).
_WORD_LEVEL: dict[Callable[..., list[str]], Callable[[str], tuple[str, ...]]] = {
    fast_index_terms: german_word_terms,
    fast_spelling_terms: spelling_word_terms,
}


def word_terms_of(fast: Callable[[str], list[str]]) -> Callable[[str], tuple[str, ...]] | None:
    """The per-word function behind fast analyzer `fast`, or None if it has none."""
    return _WORD_LEVEL.get(fast)


def spelling_analyzer() -> Any:
    """Unstemmed analyzer of the spelling field ("Meinten Sie …?")."""
    return (
        GermanTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS_DE, minsize=3)
        | SpellingFoldFilter()
    )


def analyze_terms(text: str, dictionary: str = "default") -> list[str]:
    """All index terms the stemming analyzer produces for `text` (in order, with repeats)."""
    return [t.text for t in german_analyzer(dictionary)(text)]
