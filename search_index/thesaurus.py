"""Query-time synonym expansion for administrative German.

Owns the thesaurus text format (one group per line, comma-separated entries, '#' comments), the
default groups shipped in data/thesaurus_de.txt and the `Thesaurus` lookup by stem. Expansion
happens when a query is built, so curators can edit the groups without a re-index.

Must not: import Flask or SQLAlchemy, touch the index, or learn groups from benchmark data.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from itertools import islice

from whoosh.support.levenshtein import distance

from search_index.analysis import analyze_query_words

SYNONYM_WEIGHT = 0.7
PHRASE_ALTERNATIVES = 8  # per typed word, when looking for a phrase key (see `phrase_key`)


def group_entries(line: str) -> tuple[str, ...]:
    """The entries of one line of the thesaurus text (comment dropped, each entry once)."""
    return tuple(dict.fromkeys(e.strip() for e in line.split("#", 1)[0].split(",") if e.strip()))


class Thesaurus:
    """Groups of equivalent terms, looked up by stemmed term.

    `expand(stem)` returns the term itself with weight 1.0 followed by the other members of all
    groups containing it (weight `SYNONYM_WEIGHT`). A member of several words comes back as its
    stems joined by a space; callers treat that as an AND (or phrase) of those stems.
    """

    def __init__(self, groups: list[tuple[str, ...]], text: str | None = None):
        self._groups = tuple(tuple(g) for g in groups if len(g) > 1)
        self._text = text
        self._index: dict[str, list[int]] = {}
        self._keys: list[tuple[str, ...]] = []
        self._surface: dict[str, str] = {}  # key -> the entry as written (for suggestions)
        # word stems (or compound part stems) -> key: "Kita Anmeldung" typed as two words is the
        # entry "Kita-Anmeldung", "elektronische Akte" the entry of that name
        self._phrases: dict[tuple[str, ...], str] = {}
        self._synonyms: dict[str, list[str]] = {}  # memo of `synonyms_of`
        self.max_words = 1
        for gi, group in enumerate(self._groups):
            keys: list[str] = []
            for entry in group:
                words = analyze_query_words(entry)
                key = " ".join(w.stem for w in words) if words else None
                if key and key not in keys:
                    keys.append(key)
                    self._surface.setdefault(key, entry)
                    self.max_words = max(self.max_words, key.count(" ") + 1)
                    if len(words) > 1:
                        self._phrases.setdefault(tuple(w.stem for w in words), key)
                    elif len(words[0].parts) > 1:
                        self._phrases.setdefault(words[0].parts, key)
            self._keys.append(tuple(keys))
            for key in keys:
                self._index.setdefault(key, []).append(gi)
        self._phrases_by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for words_of_key, key in self._phrases.items():
            self._phrases_by_first.setdefault(words_of_key[0], []).append((words_of_key, key))

    @classmethod
    def from_text(cls, text: str) -> Thesaurus:
        groups = [g for line in text.splitlines() if len(g := group_entries(line)) > 1]
        return cls(groups, text=text)

    @classmethod
    def default(cls) -> Thesaurus:
        return _default_thesaurus()

    @staticmethod
    def default_text() -> str:
        return (
            resources.files("search_index")
            .joinpath("data", "thesaurus_de.txt")
            .read_text(encoding="utf-8")
        )

    def to_text(self) -> str:
        if self._text is not None:
            return self._text
        return "".join(", ".join(group) + "\n" for group in self._groups)

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        return self._groups

    def __len__(self) -> int:
        return len(self._groups)

    def __contains__(self, stemmed_term: str) -> bool:
        return stemmed_term in self._index

    def closest(self, stemmed_term: str, maxdist: int) -> list[tuple[int, str]]:
        """Single-word keys within `maxdist` edits of a (misspelt) stem: [(distance, key)]."""
        out = []
        for key in self._index:
            if " " in key or abs(len(key) - len(stemmed_term)) > maxdist:
                continue
            if key[:1] != stemmed_term[:1]:
                continue
            d = distance(key, stemmed_term, limit=maxdist + 1)
            if 0 < d <= maxdist:
                out.append((d, key))
        return sorted(out)

    def surface(self, key: str) -> str:
        """The entry as curators wrote it, for a stemmed key ("" if unknown)."""
        return self._surface.get(key, "")

    def phrase_key(self, alternatives: Sequence[Sequence[str]]) -> str | None:
        """The key that consecutive typed words form together, or None.

        `alternatives` holds, per typed word, its stem first and then its one-word synonyms.
        Words form a key when their stems (or synonyms: "Kindertagesstätte Anmeldung" →
        "Kita-Anmeldung") are the words of a multi-word entry or the parts of a compound entry.
        """
        if len(alternatives) < 2 or not self._phrases:
            return None
        options = [list(islice(dict.fromkeys(a), PHRASE_ALTERNATIVES)) for a in alternatives]
        later = [set(o) for o in options[1:]]
        for first in options[0]:
            for words, key in self._phrases_by_first.get(first, ()):
                if len(words) == len(options) and all(
                    w in alts for w, alts in zip(words[1:], later, strict=True)
                ):
                    return key
        return None

    def synonyms_of(self, stemmed_term: str) -> list[str]:
        """One-word keys of the groups containing the term (without the term itself)."""
        if stemmed_term not in self._index:
            return []
        found = self._synonyms.get(stemmed_term)  # bounded by the thesaurus' own keys
        if found is None:
            found = [k for k, _w in self.expand(stemmed_term)[1:] if " " not in k]
            self._synonyms[stemmed_term] = found
        return found

    def expand(self, stemmed_term: str) -> list[tuple[str, float]]:
        """[(term, weight)]: the term itself (1.0), then its synonyms (SYNONYM_WEIGHT)."""
        out: dict[str, float] = {stemmed_term: 1.0}
        for gi in self._index.get(stemmed_term, ()):
            for key in self._keys[gi]:
                out.setdefault(key, SYNONYM_WEIGHT)
        return list(out.items())


@lru_cache(maxsize=1)
def _default_thesaurus() -> Thesaurus:
    return Thesaurus.from_text(Thesaurus.default_text())
