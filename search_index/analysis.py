"""German text analysis for the catalogue index.

Owns the analysis chain (tokenizer, stop words, domain decompounder, Snowball stemmer), the
unstemmed analyzer of the spelling field and the query-side word analysis that mirrors it.

Must not: import Flask or SQLAlchemy, or keep large data inside filter objects. The schema (and
with it every filter object here) is pickled into each index TOC, so the classes must stay at
this import path and only carry small settings; dictionaries and caches live in module-level
registries keyed by name.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import Stemmer
from whoosh.analysis import Filter, LowercaseFilter, StopFilter, Tokenizer
from whoosh.analysis.acore import Token
from whoosh.lang.stopwords import stoplists

# --------------------------------------------------------------------------------------------
# Stop words
# --------------------------------------------------------------------------------------------

EXTRA_STOP_WORDS = frozenset(
    """
    dass bzw ca etc sowie zudem bereits wurde wurden worden beim usw ggf z.b zb bspw evtl inkl
    u.a ua d.h dh sodass sowohl jedoch ebenfalls hierbei hierfür dabei dafür daher deshalb
    insbesondere gibt geben gab wäre wären hätte hätten sei seien kann können könnte könnten
    soll sollen sollte sollten muss müssen müsste wird werden mehr mehrere viele vieles einige
    immer wieder schon noch sehr gut neu neue neuen neuer neues etwa rund über unter
    """.split()
)
STOP_WORDS_DE = frozenset(stoplists["de"]) | EXTRA_STOP_WORDS

# --------------------------------------------------------------------------------------------
# Registries (never pickled)
# --------------------------------------------------------------------------------------------

_LOCK = threading.Lock()
_STEMMERS: dict[str, Stemmer.Stemmer] = {}
_STEM_CACHES: dict[str, dict[str, str]] = {}
_STEM_CACHE_MAX = 500_000
_DECOMPOUNDERS: dict[str, Decompounder] = {}


def stemmer_for(lang: str = "german") -> tuple[Stemmer.Stemmer, dict[str, str]]:
    """Return the process-wide Snowball stemmer and its word cache for `lang`."""
    stemmer = _STEMMERS.get(lang)
    if stemmer is None:
        with _LOCK:
            stemmer = _STEMMERS.get(lang)
            if stemmer is None:
                stemmer = Stemmer.Stemmer(lang)
                _STEM_CACHES[lang] = {}
                _STEMMERS[lang] = stemmer
    return stemmer, _STEM_CACHES[lang]


def stem_word(word: str, lang: str = "german") -> str:
    """Stem one lower-case word with the cached Snowball stemmer."""
    stemmer, cache = stemmer_for(lang)
    stem = cache.get(word)
    if stem is None:
        stem = stemmer.stemWord(word)
        if len(cache) >= _STEM_CACHE_MAX:
            cache.clear()
        cache[word] = stem
    return stem


# --------------------------------------------------------------------------------------------
# Decompounding
# --------------------------------------------------------------------------------------------

# Linking elements (Fugenelemente) allowed between two parts, longest first.
LINKING_ELEMENTS = ("ens", "es", "en", "er", "ns", "s", "n", "e")
# Inflection endings allowed after the last part.
FINAL_ENDINGS = ("", "e", "en", "n", "s", "es", "er", "ern", "nen")
MIN_PART = 3
MIN_COMPOUND = 6

_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def fold(word: str) -> str:
    """Fold umlauts, their ASCII transliterations and ß, so Buergeramt and Bürgeramt agree."""
    return word.translate(_FOLD).replace("ae", "a").replace("oe", "o").replace("ue", "u")


class Decompounder:
    """Splits German compounds into morphemes of a curated dictionary.

    A word is split only if it decomposes completely into dictionary entries (each at least
    `MIN_PART` letters), optionally joined by linking elements, with an inflection ending after
    the last part. The split with the fewest parts (at least two) wins; entries that are compounds
    themselves (Bürgerbüro) are split too. Matching is done on folded forms; the parts are
    returned in dictionary spelling.
    """

    def __init__(self, words: list[str]):
        self.canonical: dict[str, str] = {}
        for word in words:
            word = word.strip().lower()
            if len(word) >= MIN_PART and not word.startswith("#"):
                self.canonical.setdefault(fold(word), word)
        self.maxlen = max((len(w) for w in self.canonical), default=0)
        self._cache: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self.canonical)

    def __contains__(self, word: str) -> bool:
        return fold(word.lower()) in self.canonical

    def split(self, word: str) -> tuple[str, ...]:
        """Return the parts of `word` (lower case) or () if it is not a dictionary compound.

        Nested parts are included: the parts of a part that is itself a compound follow it.
        """
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        parts: tuple[str, ...] = ()
        if len(word) >= MIN_COMPOUND and word.isalpha():
            best = self._best(fold(word))
            if best is not None and len(best) > 1:
                out: list[str] = []
                for piece in best:
                    part = self.canonical[piece]
                    out.append(part)
                    # Parts that are compounds themselves (Sperrmüll) also yield their parts.
                    out.extend(p for p in self.split(part) if p not in out)
                parts = tuple(dict.fromkeys(out))
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[word] = parts
        return parts

    def _best(self, folded: str) -> list[str] | None:
        canonical = self.canonical
        n = len(folded)
        memo: dict[int, list[str] | None] = {}

        def solve(i: int) -> list[str] | None:
            if i in memo:
                return memo[i]
            best: list[str] | None = None
            upper = min(n, i + self.maxlen)
            for j in range(upper, i + MIN_PART - 1, -1):
                piece = folded[i:j]
                if piece not in canonical:
                    continue
                rest = folded[j:]
                if rest in FINAL_ENDINGS:
                    if i == 0:
                        continue  # the word itself: look for a split into two or more parts
                    best = [piece]
                    break  # one part covering the rest cannot be beaten
                for link in ("",) + LINKING_ELEMENTS:
                    if link and not rest.startswith(link):
                        continue
                    k = j + len(link)
                    if n - k < MIN_PART:
                        continue
                    tail = solve(k)
                    if tail is not None and (best is None or len(tail) + 1 < len(best)):
                        best = [piece] + tail
            memo[i] = best
            return best

        return solve(0)


def _load_wordlist(name: str) -> list[str]:
    text = resources.files("search_index").joinpath("data", name).read_text(encoding="utf-8")
    words = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.extend(w.strip() for w in line.split(",") if w.strip())
    return words


def register_decompounder(name: str, words: list[str]) -> Decompounder:
    """Register (or replace) a named morpheme dictionary, e.g. for tests."""
    dec = Decompounder(words)
    with _LOCK:
        _DECOMPOUNDERS[name] = dec
    return dec


def decompounder(name: str = "default") -> Decompounder:
    """Return the registered decompounder; "default" loads data/compounds_de.txt on first use."""
    dec = _DECOMPOUNDERS.get(name)
    if dec is None:
        if name != "default":
            raise KeyError(f"no decompounder registered under {name!r}")
        dec = register_decompounder("default", _load_wordlist("compounds_de.txt"))
    return dec


# --------------------------------------------------------------------------------------------
# Whoosh components (stable import path: pickled into the index schema)
# --------------------------------------------------------------------------------------------

WORD_RE = re.compile(r"\w+(?:[-‐‑]\w+)*")
HYPHENS_RE = re.compile(r"[-‐‑]")


class GermanTokenizer(Tokenizer):
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


class GermanDecompoundFilter(Filter):
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


class GermanStemFilter(Filter):
    """Snowball stemmer (PyStemmer) with a process-wide cache; folds umlauts, ae/oe/ue and ß."""

    def __init__(self, lang: str = "german"):
        self.lang = lang

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__ and other.lang == self.lang

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self.lang))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stemmer, cache = stemmer_for(self.lang)
        stem_fn = stemmer.stemWord
        for t in tokens:
            if not t.stopped:
                text = t.text
                stem = cache.get(text)
                if stem is None:
                    stem = stem_fn(text)
                    if len(cache) >= _STEM_CACHE_MAX:
                        cache.clear()
                    cache[text] = stem
                t.text = stem
            yield t


class SpellingFoldFilter(Filter):
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


def german_analyzer(dictionary: str = "default"):
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
            if "-" in word or "‐" in word or "‑" in word:
                pieces = HYPHENS_RE.split(word)
                collected: list[str] = []
                for piece in pieces:
                    collected.extend(_token_terms(piece, dictionary))
                for i in range(len(pieces) - 1):
                    collected.extend(_token_terms("".join(pieces[i:]), dictionary))
                terms = tuple(collected)
            else:
                terms = _token_terms(word, dictionary)
            if len(cache) >= _FAST_CACHE_MAX:
                cache.clear()
            cache[word] = terms
        extend(terms)
    return out


def spelling_analyzer():
    """Unstemmed analyzer of the spelling field ("Meinten Sie …?")."""
    return (
        GermanTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS_DE, minsize=3)
        | SpellingFoldFilter()
    )


# --------------------------------------------------------------------------------------------
# Query-side analysis (mirrors german_analyzer word by word)
# --------------------------------------------------------------------------------------------


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


def analyze_terms(text: str, dictionary: str = "default") -> list[str]:
    """All index terms the stemming analyzer produces for `text` (in order, with repeats)."""
    return [t.text for t in german_analyzer(dictionary)(text)]
