"""The need as concepts: which of its words are matched, with what weight.

Owns `ScoredConcept` and `need_concepts`: each word of the need (weighted by `need_text`:
sentence role, word class, fillers dropped) becomes a concept (stem, compound parts, thesaurus
synonyms; an unknown compound is split into two words the catalogue knows; short keyword needs
also get close spellings; the head of a compound — Lizenzvertrag → Vertrag — is a weak word of
its own, and the last part of a long unknown compound split into known words
(Zweitwohnungsteuer → Steuer) is marked as its head too: both are the kind of thing, not the
thing (`match_things.names_a_thing`); the modifier of an unknown two-word split is a weaker word
of its own (Ausbildungsstrukturen → Ausbildung), and so are the parts before a hyphen
(Hundesteuer-Anmeldung → Hundesteuer); words cut short by a suspended hyphen are completed first:
"Wartungs- und Lizenzverträge"; an unknown compound no split explains reaches the catalogue's
compounds with the same first part: Ausländerangelegenheiten → Ausländeramt; two nouns of one
sentence that the catalogue writes as one compound count as that compound too: "Bürger
entscheiden über Haushaltsmittel" → Bürgerhaushalt; see `need_compounds`), and the most
discriminative ones are kept (idf × weight, document frequency cap; a rare word keeps no common
synonym). The idf mass of words the catalogue does not know at all is returned as well: it
lowers the coverage a result can reach.

Must not: import Flask or SQLAlchemy, or contain rules for particular needs or benchmark data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from search_index.analysis import WORD_RE, analyze_word, stem_word
from search_index.concepts import (
    Concept,
    Variant,
    add_fuzzy_variants,
    concept_docs,
    concept_for_word,
    thesaurus_runs,
    typed_words,
)
from search_index.need_compounds import (
    FAMILY_WEIGHT,
    JOIN_WEIGHT,
    joined_compounds,
    modifier_family,
    modifier_surface,
    part_surface,
    typed_part,
)
from search_index.need_text import complete_ellipses, need_words
from search_index.query_words import QueryWord

if TYPE_CHECKING:
    from search_index.context import SearchContext

# Most discriminative need words kept. Long e-mails carry 20-40 candidate words; the rarest are
# often incidental (names, story details), so a tight cap drops topic words: on nine sets, 22-26
# rank better than 16 (heldout_d nDCG@10 0.874 → 0.902, recall@5 0.851 → 0.894), 28 and more let
# chance hits of no-match needs through.
MAX_CONCEPTS = 24
MAX_DF_SHARE = 0.25  # words in more than this share of documents are not discriminative
VOCAB_SPLIT_WEIGHT = 0.6  # unknown compound split into two words the catalogue knows
VOCAB_MAX_PARTS = 4  # longer official compounds: up to this many known words
VOCAB_PART_WEIGHT = 0.6  # each part of a longer split, as a word of its own
# A split into three or more parts needs parts of at least this many letters: official long
# compounds are made of long words (Beteiligung, Verfahren, Digitalisierung), while short
# everyday words come together by chance ("Sozialkaufhaus" → Sozial + Kauf + Haus matched a
# programme for buying old houses). Twenty-fifth round, 60 sets: 0.9259 → 0.9266 / 0.9064 →
# 0.9066 / 0.9680 → 0.9685 / 0.7640 → 0.7640 / 0.9345 → 0.9370 (heldout_ax's strong precision
# 0.896 → 0.915, no-match 0.722 → 0.778); 5 letters the same with strong recall -0.0004, 7 and
# no longer splits at all the same as 6; the floor on two-part splits too costs 0.0026 of
# strong precision (Essens + Geld).
VOCAB_MIN_PART_LONG_SPLIT = 6
# German compounds are right-headed: a Lizenzvertrag is a Vertrag. The head (last part) of a
# compound of the need also counts as a word of its own, weakly: measured on all five sets, flat
# for 0.2-0.4 (0.5 lets a wrong "passt gut" through on emails); heads shorter than 4 letters
# ("amt") are too general.
HEAD_WEIGHT = 0.3
HEAD_MIN_LEN = 4
# The modifier (first part) of an unknown compound split into two known words is a word of its
# own too, more weakly: "Ausbildungsstrukturen" is about Ausbildung, which a result may carry
# without "Struktur". Measured on seventeen sets: flat for 0.1-0.15 (nDCG@10 up on eleven, e.g.
# heldout_l 0.884 → 0.910, heldout_h 0.926 → 0.948; big 0.933 → 0.928), at 0.2 heldout_f loses
# a no-match need, at 0.3 three sets do. Like a head it names no thing alone (`source`).
MODIFIER_WEIGHT = 0.15
# So does the modifier of a compound the dictionary splits but the catalogue never writes whole,
# where the head tells nothing (unknown, or in more than `MAX_DF_SHARE` of the documents:
# "Parkplatzsuche" is about the Parkplatz) or the modifier is a compound itself; where the head
# is telling, it stands for the compound ("Wartungsverträge": Verträge, not any Wartung). A
# two-part compound's modifier needs six letters. Twenty-first round, 49 sets: nDCG@10 +0.0012,
# recall@5 +0.0011, strong precision +0.0006, strong recall +0.0031, no-match accuracy +0.0016;
# at four and five letters strong recall +0.0041 / +0.0031 but no-match and strong precision
# flat; at seven smaller gains. Without the head condition (six letters) no-match -0.0015.
DICT_MODIFIER_MIN_LEN = 6
# A hyphen is a word boundary the writer set: the parts before it ("Hundesteuer" of
# "Hundesteuer-Anmeldung") count as words of their own, as weakly as the head. Measured on 34
# sets (thirteenth round): at 0.3 nDCG@10 +0.0004 and two right "passt gut" more on average,
# at 0.6 nDCG@10 -0.0004; named a thing (unlike the head, the part is no kind of the compound).
HYPHEN_PART_WEIGHT = 0.3
FUZZY_MAX_WORDS = 6  # needs this short: unknown words also match close spellings (typos)
FUZZY_MIN_LEN = 5  # letters as typed: a typo in the ending shortens the stem ("onlien" → onli)


@dataclass(eq=False)
class ScoredConcept:
    concept: Concept
    docs: set[int] | frozenset[int]
    idf: float
    df: int = 0
    weight: float = 1.0
    source: str = ""  # for a compound's head: the stem of the compound it comes from


def distinct_count(concepts: Iterable[ScoredConcept]) -> int:
    """Concepts, counting a compound's head only where its compound is not among them
    ("Stadthalle" and its head "Halle" are one word of the need, not two)."""
    concepts = list(concepts)
    stems = {sc.concept.stem for sc in concepts}
    return sum(1 for sc in concepts if not sc.source or sc.source not in stems)


def need_concepts(
    ctx: SearchContext, text: str, n_docs: int, unknown_out: list[str] | None = None
) -> tuple[list[ScoredConcept], float]:
    """The need's most discriminative known concepts, and the idf mass of unknown words (whose
    stems are added to `unknown_out` if given)."""
    seen: set[str] = set()
    scored: list[ScoredConcept] = []
    max_idf = math.log(1 + (n_docs + 0.5) / 0.5)
    missing_idf = 0.0
    # Short keyword needs get typo tolerance; in long texts most unknown words are colloquial,
    # and close spellings of them mislead (measured: strong precision fell below 0.9).
    short = len(WORD_RE.findall(text)) <= FUZZY_MAX_WORDS
    text = complete_ellipses(text, lambda w: _known_word(ctx, w))
    heads: dict[str, tuple[str, float, str]] = {}  # head stem → (surface, weight, compound)
    modifiers: dict[str, tuple[str, str, float]] = {}  # stem → (surface, compound, weight)
    words = need_words(text)
    for nw in words:
        qw = analyze_word(nw.surface)
        if qw is None or qw.stem in seen or len(qw.stem) < 2:
            continue
        if qw.raw.isdigit() and qw.stem not in ctx.thesaurus:
            continue  # a number ("seit 2019", "180 Kilometer") names no topic; "115" does
        seen.add(qw.stem)
        concept = concept_for_word(ctx, qw, nw.surface, parts_alone=True)
        unknown_share = 1.0  # of the word's weight that counts as unknown if nothing matches it
        if not qw.parts and ctx.doc_frequency("content", qw.stem) == 0:
            parts = add_vocabulary_split(ctx, qw.raw, concept)
            for k, part in enumerate(parts):
                if part not in seen:  # a long official compound: its parts as words
                    seen.add(part)
                    pw = QueryWord(raw=part, stem=part, parts=())
                    label = part_surface(nw.surface, part)  # reasons name the part found
                    pc = concept_for_word(ctx, pw, label, parts_alone=True)
                    # its head stands in for the compound, like a known compound's head
                    source = qw.stem if k == len(parts) - 1 else ""
                    _add_scored(ctx, scored, pc, n_docs, nw.weight * VOCAB_PART_WEIGHT, source)
            split = next((v.terms for v in concept.variants if v.kind == "parts"), ())
            if not parts and not split:
                family = modifier_family(ctx, qw.raw)
                if family and family[0] not in seen:
                    seen.add(family[0])
                    variants = [Variant((t,), 1.0, False, "compound") for t in family[1]]
                    found_as = typed_part(nw.surface, family[0])  # »…« als »Ausländer…«
                    fc = Concept(nw.surface, family[0], variants, found_as)
                    _add_scored(ctx, scored, fc, n_docs, nw.weight * FAMILY_WEIGHT, qw.stem)
                    # the family stands in for the word at its weight; only the rest is unknown
                    # ("Priorisierung" over "priorisiert"; 65 sets: strong recall +0.0017)
                    unknown_share = 1.0 - FAMILY_WEIGHT
            if (
                len(split) == 2
                and nw.weight * MODIFIER_WEIGHT > modifiers.get(split[0], ("", "", 0.0))[2]
            ):
                modifiers[split[0]] = (nw.surface, qw.stem, nw.weight * MODIFIER_WEIGHT)
            if short and len(qw.raw) >= FUZZY_MIN_LEN:
                add_fuzzy_variants(ctx, concept)  # typos: close spellings the catalogue knows
        elif len(qw.parts) >= 2 and ctx.doc_frequency("content", qw.stem) == 0:
            # a compound of dictionary parts the catalogue never writes whole: its modifier
            # counts weakly too, as an unknown compound's does ("Parkplatzsuche": Parkplatz)
            modifier = "".join(qw.parts[:-1])
            head_df = ctx.doc_frequency("content", qw.parts[-1])
            telling_head = 0 < head_df <= MAX_DF_SHARE * n_docs
            if (
                (len(qw.parts) >= 3 or not telling_head)
                and len(modifier) >= (HEAD_MIN_LEN if len(qw.parts) >= 3 else DICT_MODIFIER_MIN_LEN)
                and ctx.doc_frequency("content", modifier)
                and nw.weight * MODIFIER_WEIGHT > modifiers.get(modifier, ("", "", 0.0))[2]
            ):
                modifiers[modifier] = (nw.surface, qw.stem, nw.weight * MODIFIER_WEIGHT)
        if "-" in nw.surface.strip("-"):
            # "Hundesteuer-Anmeldung" is also about Hundesteuer where a result writes
            # "Hundesteuer … melden an" (never the whole compound)
            for piece in [p for p in nw.surface.split("-") if p][:-1]:
                pq = analyze_word(piece)
                if pq is not None and len(pq.stem) >= HEAD_MIN_LEN and pq.stem not in seen:
                    seen.add(pq.stem)
                    pc = concept_for_word(ctx, pq, piece, parts_alone=True)
                    _add_scored(ctx, scored, pc, n_docs, nw.weight * HYPHEN_PART_WEIGHT)
        head = _head(qw, concept)
        if head and nw.weight * HEAD_WEIGHT > heads.get(head, ("", 0.0, ""))[1]:
            heads[head] = (_head_surface(nw.surface, head), nw.weight * HEAD_WEIGHT, qw.stem)
        # Sentence role, word class (nouns name the topic) and fillers: see need_text.
        weight = nw.weight
        # Cheap estimate first (largest variant); exact document sets only for the chosen ones.
        df = _estimate_df(ctx, concept)
        if not df:
            if len(qw.stem) >= 4 and not qw.stem.isdigit():
                missing_idf += max_idf * weight * unknown_share
                if unknown_out is not None:
                    unknown_out.append(qw.stem)
            continue
        scored.append(ScoredConcept(concept, frozenset(), idf(n_docs, df) * weight, df, weight))
    for joined, stem, typed in joined_compounds(ctx, text, words, seen):
        # the compound as the catalogue writes it; its parts are words of the need already.
        # Reasons name it as found: »Bürger … Haushaltsmittel« als »Bürgerhaushalt«
        seen.add(stem)
        found_as = joined[0].upper() + joined[1:]
        jc = Concept(typed, stem, [Variant((stem,), 1.0, False, "compound")], found_as)
        _add_scored(ctx, scored, jc, n_docs, JOIN_WEIGHT)
    weights = {nw.surface.lower(): nw.weight for nw in words}
    for phrase, run in thesaurus_runs(ctx, typed_words(text)):
        # "Kindertagesstätte Anmeldung" is the thesaurus entry "Kita-Anmeldung": one more concept
        # that reaches the entry's group (Kita-Navigator, Kitaplatz …), besides the words.
        if phrase is not None and phrase.stem not in seen:
            seen.add(phrase.stem)
            weight = min(weights.get(surface.lower(), 0.0) for surface, _qw in run)
            if weight:
                _add_scored(ctx, scored, phrase, n_docs, weight)
    for head, (surface, weight, compound) in heads.items():
        head_df = ctx.doc_frequency("content", head)
        if head not in seen and 0 < head_df <= MAX_DF_SHARE * n_docs:  # known, not too common
            hw = QueryWord(raw=head, stem=head, parts=())
            hc = concept_for_word(ctx, hw, surface, parts_alone=True)
            _add_scored(ctx, scored, hc, n_docs, weight, source=compound)
    for modifier, (surface, compound, weight) in modifiers.items():
        if modifier not in seen:
            seen.add(modifier)
            mw = QueryWord(raw=modifier, stem=modifier, parts=())
            mc = concept_for_word(ctx, mw, modifier_surface(surface, modifier), parts_alone=True)
            _add_scored(ctx, scored, mc, n_docs, weight, source=compound)
    if not scored:
        return [], missing_idf
    selective = [s for s in scored if s.df <= max(2, MAX_DF_SHARE * n_docs)]
    if len(selective) < 3:
        selective = scored
    selective.sort(key=lambda s: -s.idf)
    chosen = selective[:MAX_CONCEPTS]
    common = max(2, MAX_DF_SHARE * n_docs)
    for sc in chosen:
        _drop_common_synonyms(ctx, sc.concept, common)
        sc.docs = concept_docs(ctx, sc.concept)
        sc.df = len(sc.docs)
        sc.idf = idf(n_docs, sc.df) * sc.weight
    return chosen, missing_idf


def _add_scored(
    ctx: SearchContext,
    scored: list[ScoredConcept],
    concept: Concept,
    n_docs: int,
    weight: float,
    source: str = "",
) -> None:
    df = _estimate_df(ctx, concept)
    if df:
        sc = ScoredConcept(concept, frozenset(), idf(n_docs, df) * weight, df, weight, source)
        scored.append(sc)


def _head(qw: QueryWord, concept: Concept) -> str:
    """Stem of the compound's head: its last dictionary part, or the last of the two catalogue
    words an unknown compound was split into; "" if it is no compound or the head is short."""
    if len(qw.parts) >= 2:
        head = qw.parts[-1]
    else:
        split = next((v.terms for v in concept.variants if v.kind == "parts"), ())
        head = split[-1] if len(split) >= 2 else ""
    return head if len(head) >= HEAD_MIN_LEN else ""


def _head_surface(surface: str, head: str) -> str:
    """The head as written at the end of the compound (Lizenzverträgen → Verträgen)."""
    word = surface.replace("-", "")
    for i in range(1, len(word)):
        if stem_word(word[i:].lower()) == head:
            tail = word[i:]
            return tail[0].upper() + tail[1:] if word[0].isupper() else tail
    return head


def _known_word(ctx: SearchContext, word: str) -> bool:
    """True if the catalogue knows the word (its stem is indexed)."""
    qw = analyze_word(word)
    return qw is not None and len(qw.stem) >= 3 and bool(ctx.doc_frequency("content", qw.stem))


def idf(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def _drop_common_synonyms(ctx: SearchContext, concept: Concept, common: float) -> None:
    """A rare word keeps no synonym that is common: "Online-Terminvergabe" is not found as
    every "Termin" its thesaurus group holds (nor weighed, nor paid for, as that many)."""
    if 0 < _own_df(ctx, concept) <= common:
        concept.variants = [
            v for v in concept.variants if v.kind != "synonym" or _variant_df(ctx, v) <= common
        ]


def _estimate_df(ctx: SearchContext, concept: Concept) -> int:
    """A cheap estimate of how many documents carry the concept, for choosing the need's
    discriminative words: by the word itself (whole or in its parts), its synonyms only where the
    catalogue lacks it. "Online-Terminvergabe" is a rare word even though its thesaurus group
    holds the common "Termin" (the exact documents, synonyms included, weigh it later)."""
    return _own_df(ctx, concept) or max((_variant_df(ctx, v) for v in concept.variants), default=0)


def _own_df(ctx: SearchContext, concept: Concept) -> int:
    """Documents (estimated) carrying the word itself, whole or in its parts: 0 if only its
    synonyms are in the catalogue (variants are added only where the catalogue has them)."""
    return max((_variant_df(ctx, v) for v in concept.variants if v.kind != "synonym"), default=0)


def _variant_df(ctx: SearchContext, v: Variant) -> int:
    return min(ctx.doc_frequency("content", t) for t in v.terms)


def add_vocabulary_split(ctx: SearchContext, word: str, concept: Concept) -> list[str]:
    """Split an unknown compound into words the catalogue knows (Essensgeld → Essen+Geld,
    Bürgerbeteiligungsverfahrensdigitalisierung → Bürgerbeteiligung+Verfahren+Digitalisierung).

    Complements the curated dictionary with the catalogue's own vocabulary, at query time only:
    the fewest known parts win, then the longest shortest part. A two-part split becomes a
    variant of the word (both parts must occur); the parts of a longer split are returned, to be
    matched as words of their own (such a compound is a phrase written as one word).
    """
    parts = vocabulary_parts(ctx, word)
    if len(parts) == 2:
        concept.variants.append(Variant(tuple(parts), VOCAB_SPLIT_WEIGHT, False, "parts"))
        return []
    return parts


_LINKS = ("", "s", "es", "n", "en", "e", "er")


def vocabulary_parts(ctx: SearchContext, word: str) -> list[str]:
    """Stems of the best split of `word` into at most `VOCAB_MAX_PARTS` known words, or []."""
    if len(word) < 8 or not word.isalpha():
        return []
    known: dict[str, bool] = {}

    def stem_if_known(base: str) -> str | None:
        stem = stem_word(base)
        if len(stem) < 3:
            return None
        if stem not in known:
            known[stem] = bool(ctx.doc_frequency("content", stem))
        return stem if known[stem] else None

    n = len(word)
    # best[i]: (parts, -shortest part) of the best split of word[i:], or None
    best: list[tuple[tuple[str, ...], int] | None] = [None] * (n + 1)
    for i in range(n - 4, -1, -1):
        options: list[tuple[tuple[str, ...], int]] = []
        tail = stem_if_known(word[i:]) if i else None  # the whole word is unknown
        if tail:
            options.append(((tail,), n - i))
        for j in range(i + 4, n - 3):
            rest = best[j]
            if rest is None or len(rest[0]) >= VOCAB_MAX_PARTS:
                continue
            segment = word[i:j]
            for link in _LINKS:
                if link and (not segment.endswith(link) or len(segment) - len(link) < 4):
                    continue
                stem = stem_if_known(segment[: len(segment) - len(link)])
                if stem:
                    length = min(len(segment) - len(link), rest[1])
                    options.append(((stem, *rest[0]), length))
                    break
        if options:
            best[i] = min(options, key=lambda o: (len(o[0]), -o[1]))
    found = best[0]
    if found is None or len(found[0]) < 2:
        return []
    if len(found[0]) >= 3 and found[1] < VOCAB_MIN_PART_LONG_SPLIT:
        return []  # short everyday words that meet by chance
    return list(dict.fromkeys(found[0]))
