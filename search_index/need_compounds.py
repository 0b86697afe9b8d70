"""How a need's compounds meet the catalogue's, beyond the dictionary's splits.

Owns `joined_compounds` (two nouns written apart that the catalogue writes as one compound:
"Bürger entscheiden über Haushaltsmittel" → Bürgerhaushalt), `modifier_family` (an unknown
compound's first part and the catalogue's compounds that begin with it: Ausländerangelegenheiten
→ Ausländeramt, Ausländerbehörde) and `modifier_surface`; `need_concepts` turns what they find
into concepts.

Must not: import Flask or SQLAlchemy, or contain rules for particular needs or benchmark data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from search_index.analysis import WORD_RE, analyze_word, decompounder, stem_word
from search_index.german import fold
from search_index.need_text import NeedWord, mixes_case, sentences
from search_index.query_words import QueryWord

if TYPE_CHECKING:
    from search_index.context import SearchContext

# Nouns written apart that the catalogue writes as one compound ("Bürger … Haushaltsmittel" →
# Bürgerhaushalt, "kita platz" → Kitaplatz): a pair within three content words of one sentence,
# nouns only (capitalised, or in the compound dictionary where all is typed in lower case).
# Measured on 45 sets (nineteenth round): nDCG@10 +0.0005, no-match accuracy +0.002, no
# pooled figure lower; flat for weights 0.4-1.0 and windows 2-3. Across sentences it joined
# "Haus" and "Eigentümer" of different thoughts (a wrong "passt gut" on heldout_n).
JOIN_WINDOW = 3
JOIN_WEIGHT = 0.6
JOIN_MIN_GAIN = 4  # letters the compound adds to its first word ("Kommunen denen" → kommun)
# An unknown compound that no split into catalogue words explains ("Ausländerangelegenheiten")
# still names its first part: the catalogue's compounds beginning with it (Ausländeramt,
# Ausländerbehörde) count as one word of the need, if there are at most four of them and the
# part has at least six letters. Like a head, it is a kind of the thing, not the thing (source).
# Measured on 45 sets (nineteenth round): nDCG@10 +0.0023, recall@5 +0.003, strong recall
# +0.009, no-match accuracy +0.002, strong precision +0.0002; up for weights 0.4-0.8 and at
# most 2-6 compounds; a five-letter part lets wrong "passt gut" through (no-match -0.0035).
FAMILY_WEIGHT = 0.6
FAMILY_MIN_PREFIX = 6
FAMILY_MAX_TERMS = 4


def modifier_surface(surface: str, modifier: str) -> str:
    """The modifier as written at the start of the compound (Ausbildungsstrukturen →
    Ausbildung): the longest beginning with its stem, without a linking "s"."""
    word = surface.replace("-", "")
    for i in range(len(word) - 1, 2, -1):
        if stem_word(word[:i].lower()) == modifier:
            start = word[:i]
            if start.endswith("s") and stem_word(start[:-1].lower()) == modifier:
                start = start[:-1]
            return start
    return modifier


def joined_compounds(
    ctx: SearchContext, text: str, words: list[NeedWord], seen: set[str]
) -> list[tuple[str, str, str]]:
    """Two nearby nouns of one sentence that the catalogue writes as one compound ("Bürger
    entscheiden über Haushaltsmittel" → Bürgerhaushalt): (compound, its stem, the two words as
    typed: "Bürger … Haushaltsmittel")."""
    weights = {nw.surface.lower(): nw.weight for nw in words}
    # where the writer capitalises some words and not others, only the capitalised (nouns)
    # join; otherwise the second word must be a noun of the compound dictionary (or a compound
    # of them): "online anmelden" is no Onlineanmeldung
    mixed = mixes_case(text)
    nouns = decompounder()
    found: list[tuple[str, str, str]] = []
    found_stems: set[str] = set()
    for sentence, _weight in sentences(text):
        content: list[tuple[str, QueryWord, list[str]]] = []  # word, the forms it joins as
        for surface in WORD_RE.findall(sentence):
            weight = weights.get(surface.lower(), 0.0)
            if weight < 1.0 or (mixed and not surface[0].isupper()):
                continue
            qw = analyze_word(surface)
            if qw is None or len(qw.raw) < 4 or not qw.raw.isalpha():
                continue
            seconds = [qw.raw]
            if len(qw.parts) >= 2:
                seconds.append(modifier_surface(surface, qw.parts[0]).lower())
            if not mixed:
                seconds = [w for w in seconds if w in nouns or nouns.split(w)]
            content.append((surface, qw, seconds))
        for i, (a, qa, _) in enumerate(content):
            for b, _qb, seconds in content[i + 1 : i + 1 + JOIN_WINDOW]:
                for joined in (qa.raw + link + second for second in seconds for link in ("", "s")):
                    stem = stem_word(joined)  # cheap test first: is it a catalogue word?
                    if stem in seen or stem in found_stems:
                        continue
                    if len(stem) < len(qa.stem) + JOIN_MIN_GAIN:
                        continue
                    if ctx.has_term("content", stem):
                        found_stems.add(stem)
                        found.append((joined, stem, f"{a} … {b}"))
    return found


def modifier_family(ctx: SearchContext, word: str) -> tuple[str, list[str]] | None:
    """For an unknown compound, the catalogue's compounds with the same first part
    (Ausländerangelegenheiten → Ausländeramt, Ausländerbehörde): (that part, their stems), or
    None if the part begins no catalogue word or too many."""
    folded = fold(word)
    if len(folded) < FAMILY_MIN_PREFIX + 3:
        return None
    vocabulary = ctx.vocabulary("content", folded[:FAMILY_MIN_PREFIX])  # one look, then narrow
    for i in range(len(folded) - 3, FAMILY_MIN_PREFIX - 1, -1):
        prefix = folded[:i]
        terms = [t for t in vocabulary if t.startswith(prefix) and len(t) >= i + 3]
        if terms:
            return (prefix, terms) if len(terms) <= FAMILY_MAX_TERMS else None
    return None


def typed_part(surface: str, part: str) -> str:
    """The beginning of the word as typed whose folded form is `part`, marked as a word part
    for reasons ("Ausländerangelegenheiten", auslander → "Ausländer…")."""
    for i in range(len(part), len(surface) + 1):
        if fold(surface[:i].lower()) == part:
            return surface[:i] + "…"
    return part + "…"


def part_surface(surface: str, part: str) -> str:
    """A part of an unknown compound as written inside it, for reasons: "Sozialkaufhaus", kauf
    → "Kauf" (the longest piece whose stem is the part, without a linking "s"; capitalised
    where the compound is, so that the part keeps the compound's word class)."""
    word = surface.replace("-", "")

    def stem(piece: str) -> str:
        qw = analyze_word(piece.lower())
        return qw.stem if qw is not None else ""

    best = ""
    for i in range(len(word)):
        for j in range(len(word), i + max(len(best), 1), -1):
            if stem(word[i:j]) == part:
                best = word[i:j]
                break
    if not best:
        return surface
    if best.endswith("s") and stem(best[:-1]) == part:
        best = best[:-1]
    return best[0].upper() + best[1:].lower() if surface[:1].isupper() else best.lower()
