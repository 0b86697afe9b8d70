"""What a match is about: whether a result names the thing a need asks for.

Owns `names_a_thing` (asked of every would-be "passt gut" result, `match_bands`), the form
words that never name a thing (data/procedure_de.txt, data/cooperation_de.txt) and the reading
of a need's word classes: its verbs and adverbs (`need_verbs`) and the things it names
(`need_things`; for a need typed in lower case throughout, the catalogue's own spelling of its
words says which are which: `lower_case_need_classes`). German capitalises nouns; a result that
shares only a need's actions,
qualities and form words ("online beantragen", "Nachweise", "Termin") is about something else
with the same shape.

Must not: import Flask or SQLAlchemy, or contain rules for particular needs or benchmark data.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import cache
from typing import TYPE_CHECKING

from search_index.analysis import WORD_RE, analyze_query_words, german_word_terms, stem_word
from search_index.german import load_wordlist
from search_index.need_text import SENTENCE_RE, mixes_case, typed_in_lower_case

if TYPE_CHECKING:
    from search_index.concepts import Concept
    from search_index.context import SearchContext
    from search_index.need_concepts import ScoredConcept

# German prose capitalises about a third of the words inside its sentences (0.25–0.5 in every
# solution of three benchmark catalogues, median 0.35); a text below this share ignores casing,
# and `names_a_thing` cannot read nouns from it.
MIN_CAPITALISED_SHARE = 0.1

# A need naming at most this many things is short enough for each of them to matter: a result
# lacking one is about another thing. Long descriptions name many things in passing (measured on
# 31 sets: for any need, 1 wrong label fewer and 2 right ones lost; up to two things, 1 wrong
# fewer and none lost).
MAX_THINGS = 2

# A noun made of a verb ("Anmeldung", "Terminbuchung") names the act of that verb.
_ACT_NOUN_ENDINGS = ("ung", "ungen")

# Where a sentence (or the title, or a list item) ends: after it a word is capitalised anyway.
_SENTENCE_END_RE = re.compile(r"[.!?:;]\s|\n")


@cache
def _wordlist_stems(name: str) -> frozenset[str]:
    """Stems of a word list's entries (an entry of several words as a phrase concept's stem)."""
    return frozenset(
        " ".join(stem_word(part) for part in entry.lower().split()) for entry in load_wordlist(name)
    )


@cache
def form_stems() -> frozenset[str]:
    """Stems of the form words: procedure words of services (data/procedure_de.txt: Antrag,
    Nachweis, Portal …) and form words of cooperations (`cooperation_stems`)."""
    return _wordlist_stems("procedure_de.txt") | cooperation_stems()


@cache
def cooperation_stems() -> frozenset[str]:
    """Stems of the cooperation form words (data/cooperation_de.txt: Vereinbarung,
    Nachbarkommune, Kostenverteilung, Personal …): who works together and how, never what."""
    return _wordlist_stems("cooperation_de.txt")


def names_a_thing(
    ctx: SearchContext,
    d: int,
    matched: Sequence[ScoredConcept],
    acts: Collection[str] = (),
    things: Collection[str] = (),
) -> bool:
    """True if the document writes one of the matched concepts capitalised inside its sentences
    at least as often as in lower case. German capitalises nouns: words written in lower case
    are actions or qualities ("online beantragen", "bestellen") that many services share, not
    the thing a need is about. Nor is a compound's head standing in for the need's compound
    the result does not carry ("Ausweis" for "Anwohnerparkausweis" in a fishing-licence
    service): it is the kind of thing, not the thing; nor is a form word (`form_stems`:
    Antrag, Nachweis, Portal, Vereinbarung, Personal …) unless the result's title carries a
    procedure word ("Online-Terminbuchung" is about the Termin), and a compound's head names
    a thing only where its compound does ("Zahl" for "Antragszahlen"); a cooperation word
    never names the thing, even in the title: "Gemeinsames Standesamt zweier Nachbarkommunen"
    is about the Standesamt, and shares "Nachbarkommune" with every cooperation on any
    subject. The lessons are read with the description. A concept the text does not show
    (tags, reports only) counts as a thing, and so does everything in a text that capitalises
    (almost) no nouns at all. A compound counts with its casing for all its parts: modifiers
    are mostly nouns too ("Kita-Navigator") — unless the text writes the word on its own, which
    says its class: "online" in lower case is no noun where it opens "Online-Bestellung".
    A need's compound found only through its parts apart is not shown by one of them: a
    capitalised "Brief" beside "wählen" says nothing of a "Briefwahl" (`_shows_whole`).
    `acts` are the stems the need writes as verbs (`need_verbs`): a noun made of such a verb
    ("-ung": "Anmeldung" for "anmelden") counts as the verb does, in lower case, and so does a
    compound the verb's stem is part of ("Meldeadresse" for "melden").
    `things` are the things a short need names (`need_things`): where the result lacks one of
    them ("Sperrmüll Termin online buchen" over the citizens' office booking), the title's
    form words do not name the thing either, and neither do the need's verbs and adverbs — the
    result offers the same procedure for another thing."""
    stored = ctx.stored(d)
    found = {sc.concept.stem for sc in matched}
    title = {qw.stem for qw in analyze_query_words(str(stored.get("title") or ""))}

    lacking = len(things) <= MAX_THINGS and any(t not in found for t in things)

    def form_word(stem: str) -> bool:
        return stem in form_stems() and (
            stem not in title or lacking or stem in cooperation_stems()
        )

    # a head stands in for its compound: it names a thing only where the compound does
    matched = [
        sc
        for sc in matched
        if (not sc.source or (sc.source in found and not form_word(sc.source)))
        and not form_word(sc.concept.stem)
    ]
    if lacking:  # the need's verbs and adverbs do not make up for its missing thing
        matched = [sc for sc in matched if sc.concept.stem not in acts]
    # per concept: [upper, lower] on its own, and [upper, lower] inside compounds
    counts = [[0, 0, 0, 0] for _ in matched]
    stems = [sc.concept.stems() for sc in matched]
    apart = [_parts_only(sc.concept) for sc in matched]
    words = capitalised = 0
    for field_name in ("title", "summary", "body"):
        for sentence in _SENTENCE_END_RE.split(str(stored.get(field_name) or "")):
            lettered = (m.group() for m in WORD_RE.finditer(sentence) if m.group()[0].isalpha())
            for i, word in enumerate(lettered):
                if i == 0:
                    continue  # the first word of a sentence is capitalised anyway
                upper = word[0].isupper()
                words += 1
                capitalised += upper
                terms = german_word_terms(word)
                alone = stem_word(word.lower())
                act_noun = word.lower().endswith(_ACT_NOUN_ENDINGS)
                for k, concept_stems in enumerate(stems):
                    hit = concept_stems.intersection(terms)
                    if not hit:
                        continue
                    if not _shows_whole(hit, terms, apart[k]):
                        counts[k][3] += 1  # one part of the compound: no noun of it
                        continue
                    # "Anmeldung" for the need's "anmelden" is the act, as the verb is
                    act = matched[k].concept.stem in acts
                    in_compound = alone not in concept_stems
                    noun = upper and not (act and (act_noun or in_compound))
                    counts[k][(0 if alone in concept_stems else 2) + (0 if noun else 1)] += 1
    if capitalised < MIN_CAPITALISED_SHARE * words:
        return True  # written in lower case throughout: the casing says nothing
    return any(
        upper >= lower if upper or lower else c_upper >= c_lower
        for upper, lower, c_upper, c_lower in counts
    )


def _parts_only(concept: Concept) -> tuple[set[str], list[tuple[str, ...]]]:
    """The stems that stand for the concept only as parts of a compound (no variant of its
    own, nor a phrase's word), and its compound splits."""
    splits = [v.terms for v in concept.variants if v.kind == "parts"]
    whole = {t for v in concept.variants if len(v.terms) == 1 or v.phrase for t in v.terms}
    return {t for split in splits for t in split} - whole, splits


def _shows_whole(
    hit: set[str], terms: Sequence[str], apart: tuple[set[str], list[tuple[str, ...]]]
) -> bool:
    """True if a text word that carries the concept (`hit`) shows all of it: a capitalised
    "Brief" beside a lower-case "wählen" is no "Briefwahl" (one part of the compound says
    nothing of its thing); "Briefwahlunterlagen" carries all parts and is."""
    part_stems, splits = apart
    return not hit <= part_stems or any(set(split) <= set(terms) for split in splits)


def need_classes(
    ctx: SearchContext,
    text: str,
    matched: Sequence[Concept],
    concepts: Sequence[ScoredConcept],
    unknown: Collection[str],
) -> tuple[frozenset[str], frozenset[str]]:
    """The need's acts and things (`names_a_thing`): from its own capitalisation, or, typed in
    lower case throughout, from the catalogue's (`lower_case_need_classes`). `matched` are the
    concepts the best results matched."""
    if mixes_case(text):
        acts = need_verbs(text, matched)
        return acts, need_things(text, concepts, acts)
    return lower_case_need_classes(ctx, concepts, unknown)


def need_verbs(text: str, concepts: Sequence[Concept]) -> frozenset[str]:
    """Stems of the concepts a need writes in lower case while it capitalises other words: its
    verbs and adjectives ("Hundesteuer online anmelden"). Where a result has such a word only as
    a noun made of the verb ("Gewerbeanmeldung"), it shares the act, not the thing. A need in
    lower case throughout says nothing about its words' classes."""
    if not mixes_case(text):
        return frozenset()
    return frozenset(c.stem for c in concepts if c.label[:1].islower() and " " not in c.stem)


def need_things(
    text: str, concepts: Sequence[ScoredConcept], acts: Collection[str]
) -> frozenset[str]:
    """Stems of the things a need names: the words it capitalises while it writes others in
    lower case, without its form words and verbs; for a compound's head standing in for an
    unknown compound, the compound ("Sperrmüll" for "Müll"). A need in lower case throughout
    says nothing about its words' classes."""
    if not mixes_case(text):
        return frozenset()
    out: set[str] = set()
    for sc in concepts:
        c = sc.concept
        if not c.label[:1].isupper() or c.stem in acts or " " in c.stem:
            continue
        stem = sc.source or c.stem
        if stem in form_stems() or c.stem in form_stems():
            continue
        out.add(stem)
    return frozenset(out)


# How many documents carrying a word are read to learn how the catalogue writes it, for needs of
# at most `CASING_MAX_CONCEPTS` words (a longer need names more than `MAX_THINGS` things anyway).
CASING_SAMPLE_DOCS = 5
CASING_MAX_CONCEPTS = 6
# Stems fold umlauts and "ß": a stem's letter stands for these in a text.
_UNFOLD = {"a": "[aä]", "o": "[oö]", "u": "[uü]"}


def lower_case_need_classes(
    ctx: SearchContext, concepts: Sequence[ScoredConcept], unknown: Collection[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """The acts and things of a need typed in lower case throughout ("laubsäcke online bestellen
    geht das"), which says nothing of its words' classes itself: the catalogue does. A word the
    documents carrying it (`CASING_SAMPLE_DOCS` of them) write on its own in lower case more
    often than capitalised is an act (`need_verbs`), one they capitalise a thing (`need_things`,
    without form words) — and so is a word the catalogue does not know at all, or knows only in
    parts (no document carries it whole or by a synonym): the thing it lacks; a compound's head
    stands for its compound, a thing ("spielplatzkontrolle digital" is no "Baumkontrolle").
    Such needs so read like their capitalised spelling: "Laubsäcke online bestellen" is no
    "Personenstandsurkunden online bestellen"."""
    if len(concepts) + len(unknown) > CASING_MAX_CONCEPTS:
        return frozenset(), frozenset()
    acts: set[str] = set()
    things = set(unknown)
    for sc in concepts:
        if " " in sc.concept.stem:
            continue
        if not sc.docs and not sc.source:
            things.add(sc.concept.stem)  # known in parts only: a thing the catalogue lacks
            continue
        upper, lower = _casing(ctx, sc)
        if lower > upper and not sc.source:  # a compound's head is a noun, as its compound
            acts.add(sc.concept.stem)
        elif upper or sc.source:
            stem = sc.source or sc.concept.stem
            if stem not in form_stems() and sc.concept.stem not in form_stems():
                things.add(stem)
    return frozenset(acts), frozenset(things)


def catalogue_cased(ctx: SearchContext, text: str, concepts: Sequence[ScoredConcept]) -> str:
    """The text with its sentences typed in lower case throughout written as the catalogue
    writes their words: those the catalogue capitalises (its nouns, `_casing`) capitalised, so
    "dach" reads as "Dach" to the sentence encoder of the meaning signal, which learnt German
    from texts that capitalise nouns. Other sentences stay as written (a need's title typed
    properly before a lower-case description, too); only the lower-case sentences' words are
    looked up in the catalogue."""
    lower = [m.group(0) for m in SENTENCE_RE.finditer(text) if typed_in_lower_case(m.group(0))]
    stems = {stem_word(w.lower()) for sentence in lower for w in WORD_RE.findall(sentence)}
    nouns = set()
    for sc in concepts:
        if sc.concept.stem in stems and sc.docs:
            upper, lower_count = _casing(ctx, sc)
            if upper > lower_count:
                nouns.add(sc.concept.stem)
    if not nouns:
        return text

    def cased(m: re.Match[str]) -> str:
        word = m.group(0)
        return word[:1].upper() + word[1:] if stem_word(word.lower()) in nouns else word

    def sentence(m: re.Match[str]) -> str:
        typed = m.group(0)
        return WORD_RE.sub(cased, typed) if typed_in_lower_case(typed) else typed

    return SENTENCE_RE.sub(sentence, text)


def _casing(ctx: SearchContext, sc: ScoredConcept) -> tuple[int, int]:
    """How often the documents carrying the concept write the word itself (or a close spelling,
    not a synonym: that has a class of its own) capitalised and in lower case inside a
    sentence. A regular expression finds the candidate words; only they are stemmed."""
    stems = {
        t
        for v in sc.concept.variants
        if v.kind in ("word", "fuzzy") and len(v.terms) == 1
        for t in v.terms
    }
    if not stems:
        return 0, 0
    alternatives = "|".join(
        "".join(_UNFOLD.get(ch, re.escape(ch)) for ch in t).replace("ss", "(?:ss|ß)")
        for t in sorted(stems)
    )
    candidate = re.compile(rf"(?<![\w\-‐‑])((?:{alternatives})[\w\-‐‑]*)", re.IGNORECASE)
    upper = lower = 0
    for d in sorted(sc.docs)[:CASING_SAMPLE_DOCS]:
        stored = ctx.stored(d)
        for field_name in ("title", "summary", "body"):
            text = str(stored.get(field_name) or "")
            for m in candidate.finditer(text):
                start = m.start(1)
                word = text[start : m.end(1)]
                before = text[max(0, start - 4) : start]
                if start < 2 or "\n" in before or before.rstrip()[-1:] in (".", "!", "?", ":", ";"):
                    continue  # the first word of a sentence is capitalised anyway
                if word[0].isalpha() and stem_word(word.lower()) in stems:
                    upper += word[0].isupper()
                    lower += word[0].islower()
    return upper, lower
