"""German word-level building blocks: stop words, the Snowball stemmer, folding, decompounding.

Owns the stop-word list, the process-wide stemmer and its cache, the word and hyphen patterns,
and the curated-dictionary decompounder with its registry. `analysis` (the Whoosh chain) and
`query_words` (the query side) are built from these.

Must not: import Flask, SQLAlchemy or Whoosh components that are pickled into the schema (those
live in `analysis`), or keep large data in objects that are pickled.
"""

from __future__ import annotations

import re
import threading
from importlib import resources

import Stemmer
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


# What the index holds depends on this module's analysis (stop words, stemming, decompounding).
# Raise the version whenever a change makes old indexes hold other terms than a new build would:
# an index records the version it was built with, `/readyz` and `catalogue search status` report
# an older one, and the search worker rebuilds it at its start.
# 2: feminine forms stem like their base (Kundinnen → kund).
# 3: a solution's tags are stored (need matching's feedback reads them).
# 4: every document carries its sentence embedding (need matching's meaning signal).
ANALYSIS_VERSION = 4

# Feminine forms whose base does not end in "-er" (Snowball already stems "Bürgerinnen" like
# "Bürger"): "Kundinnen" → "kund" like "Kunden", "Ärztinnen" like "Ärzte". Verbs in "-innen"
# are no feminine forms.
_INNEN_VERBS = ("gewinnen", "beginnen", "besinnen", "ersinnen", "spinnen", "entrinnen")
_FEMININE_SINGULAR = (
    "entin",
    "antin",
    "istin",
    "orin",
    "ologin",
    "eurin",
    "ärztin",
    "kundin",
    "kollegin",
    "beamtin",
    "köchin",
)


def _feminine_base(word: str, stem: str, stemmer: Stemmer.Stemmer) -> str:
    if word.endswith("innen") and len(word) >= 9 and not word.endswith(_INNEN_VERBS):
        return str(stemmer.stemWord(word[:-5]))
    if word.endswith(_FEMININE_SINGULAR) and len(word) >= 6:
        return str(stemmer.stemWord(word[:-2]))
    return stem


def stem_word(word: str, lang: str = "german") -> str:
    """Stem one lower-case word with the cached Snowball stemmer."""
    stemmer, cache = stemmer_for(lang)
    stem = cache.get(word)
    if stem is None:
        stem = stemmer.stemWord(word)
        if lang == "german":
            stem = _feminine_base(word, stem, stemmer)
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


def load_wordlist(name: str) -> list[str]:
    """The entries of data/`name`: comma- or line-separated, "#" starts a comment."""
    text = resources.files("search_index").joinpath("data", name).read_text(encoding="utf-8")
    words: list[str] = []
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
        dec = register_decompounder("default", load_wordlist("compounds_de.txt"))
    return dec


# --------------------------------------------------------------------------------------------
# Word patterns
# --------------------------------------------------------------------------------------------

WORD_RE = re.compile(r"\w+(?:[-‐‑]\w+)*")
HYPHENS_RE = re.compile(r"[-‐‑]")
