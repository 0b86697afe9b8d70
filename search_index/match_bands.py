"""What a match means for the user: its band ("passt gut" …).

Owns the band calibration of need matching. Bands:
* "strong" (passt gut, i.e. "contact them") is given to a result that
  - stands out: its score is at least `STRONG_MIN_SCORE` and its evidence (0.3 × BM25 relative
    to the best + 0.7 × soft idf-weighted coverage of the need's concepts) leads every other
    result by at least `STRONG_MARGIN` (two near-duplicates at the top share one lead, and so
    do two close results far ahead of the rest; the lead is taken over the best result that is
    no sibling, see `assign_leads`), with at least two of the need's concepts or one carrying
    `POSSIBLE_COVERAGE` of its idf mass (one matched word among unknown ones leads by chance),
    in a need of fewer than `PLAIN_LEAD_MAX_CONCEPTS` concepts; or
  - has a field-backed lead: a lead of at least `FIELDED_MARGIN` (smaller), at least two
    concepts including one of the need's main ones, `FIELDED_MIN_SHARE` of the need's idf mass
    found in the result's title, summary or tags, and mostly words the catalogue knows (coverage
    with unknown words at least `FIELDED_MIN_KNOWN` of the coverage without) — and two of the
    need's three main concepts, or one and `FIELDED_MIN_COVERAGE` of its idf mass; or
  - has a broad lead: a lead of at least `BROAD_MARGIN` (smaller still) resting on at least
    `BROAD_MIN_CONCEPTS` of the need's concepts (`BROAD_MIN_CONCEPTS_NO_MAIN` if none of them
    is among its main ones, or if the need is a long story of `LONG_NEED_CONCEPTS`); or
  - has a rich lead: it leads at all, on at least `RICH_MIN_CONCEPTS` of the need's concepts
    including one of its main ones, or `RICH_MIN_CONCEPTS_NO_MAIN` without one (long stories
    share everyday words with many solutions); or
  - has a confirmed lead (best result only): a lead of at least `CONFIRMED_MARGIN` on at least
    `CONFIRMED_MIN_CONCEPTS` concepts and a quarter of the need's, and a final score at least
    twice the next result's; or
  - covers the need: at least `STRONG_COVERAGE` of the need's idf mass (unknown words included)
    with at least two of its words, close to the best score (keyword-like needs); or
  - has a calibrated lead (best result only): the logistic model of `calibrated_lead`, fitted
    on the judged sets by `benchmarks/band_calibration.py`, reads its lead, concepts, coverage,
    fields, the next result's closeness, the need's length and its lead in meaning together
    and says it is relevant with at least `CALIBRATED_MIN_PROBABILITY`;
  and the same model does not put the best result below `CALIBRATED_VETO` (a rule's "passt gut"
  it reads as more likely wrong than right is withheld, and the results below it get none);
  and in every case the words the catalogue knows carry `MIN_KNOWN_SHARE` of the need's idf
  mass, and at least one matched word names a thing (`match_things.names_a_thing`): the
  result writes it as a noun, and it is none of the need's verbs, no compound's head or part
  standing in for the need's compound and no form word (Antrag, Termin, Anmeldung …; the
  title's form words count where the result is about them).
* "possible" (könnte passen): at least `POSSIBLE_COVERAGE` of the need's idf mass, or close to
  the best result (`POSSIBLE_REL`) with a score of at least `STRONG_MIN_SCORE` and at least
  `POSSIBLE_MIN_SHARE` of the need's idf mass.
* "weak" (entfernt verwandt): everything else.
Bands never rise down the list. The calibration is written down in the README (figures per set).

Must not: import Flask or SQLAlchemy, or contain rules for particular needs or benchmark data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from search_index.analysis import analyze_query_words
from search_index.calibrated_lead import (
    CALIBRATED_MIN_PROBABILITY,
    CALIBRATED_VETO,
    CALIBRATED_WEIGHTS,
    calibrated_probability,
    lead_features,
)
from search_index.need_concepts import distinct_count

if TYPE_CHECKING:
    from search_index.context import SearchContext
    from search_index.need_concepts import ScoredConcept

BANDS = ("strong", "possible", "weak")
# Margin calibration, measured on 21 judged sets (1,132 needs): of the results
# whose lead is the largest of their list (score ≥ 0.4, a matched word names a thing), this many
# were relevant, by lead:
#   ≥ 0.3: 453 of 458 (0.99) · 0.25–0.3: 92 of 95 (0.97) · 0.2–0.25: 84 of 95 (0.88)
#   0.15–0.2: 82 of 93 (0.88) · 0.13–0.15: 34 of 38 (0.89) · 0.12–0.13: 11 of 21 (0.52)
#   0.1–0.12: 24 of 35 (0.69)
# A lead alone says "contact them" from 0.25 on (it was 0.2: one in eight of those results was
# wrong, and nine of them were no-match needs); below, it needs the evidence of one of the
# other rules: the field-backed and the confirmed lead start above the 0.12–0.13 dip (0.13,
# 0.14; both were lower, and half of the results in the dip were wrong), the broad lead rests
# on five concepts and keeps 0.11.
STRONG_MARGIN = 0.25
STRONG_MIN_SCORE = 0.4
# Twenty-ninth round, 79 sets: of the best results only this plain lead made "passt gut", those in
# needs of eight or more concepts were right 8 times in 16 (two shared words of a long need).
PLAIN_LEAD_MAX_CONCEPTS = 8
# A smaller lead suffices with evidence in title, summary or tags and a main concept (fielded).
FIELDED_MARGIN = 0.13
FIELDED_MIN_MAIN = 0.3
FIELDED_MIN_SHARE = 0.1
FIELDED_MIN_KNOWN = 0.5  # and most of the need's idf mass is made of words the catalogue knows
# One main concept in the fields is little. Of the results that only the field-backed lead made
# strong on 21 judged sets, those with one main concept and less than a quarter of the need's
# idf mass (unknown words included) were wrong 4 times in 6 ("gemeinsame Kämmerei" → a
# participatory budget, "IT-Fachkräfte gewinnen" → a trainee fair); the others were right 21
# times in 23. So the field-backed lead needs two of the three main concepts
# (`FIELDED_TWO_MAIN`) or `FIELDED_MIN_COVERAGE` of the need.
FIELDED_TWO_MAIN = 0.6
FIELDED_MIN_COVERAGE = 0.25
# ... or when it rests on at least this many of the need's concepts (broad lead): a chance hit
# of one rare everyday word in an unrelated description never carries five concepts. Its lead
# is bounded by the wrong best results that do carry five: on all seven judged sets the closest
# leads by 0.099, so the broad lead needs 0.11 (the field-backed lead needs 0.13: it may rest
# on two concepts).
BROAD_MIN_CONCEPTS = 5
BROAD_MARGIN = 0.11
# Five concepts none of which is among the need's three main ones are the side words of a long
# story ("Müll", "Anruf", "E-Mail" of an e-mail about reporting damage over a bulky-waste
# booking): such a broad lead needs one concept more. On 32 judged sets (thirteenth round) the
# broad leads on five concepts without a main one were wrong 9 times and right 7 times.
BROAD_MIN_CONCEPTS_NO_MAIN = 6
# A long story shares five of its concepts with an unrelated description by chance, main one or
# not: on needs of `LONG_NEED_CONCEPTS` concepts or more the broad lead always needs
# `BROAD_MIN_CONCEPTS_NO_MAIN`. Seventeenth round, 39 judged sets: the "passt gut" labels that
# only a broad lead on five concepts with a main one gave were wrong 6 times in 11 on such needs
# (all e-mails; 5 of the 6 for no-match needs, 4 of the 5 right ones grade 2); e-mails'
# no-match accuracy 0.878 → 0.910, strong recall 0.773 → 0.767. The same from 12 to 16
# concepts; from 18 on, fewer wrong ones are caught.
LONG_NEED_CONCEPTS = 14
# ... or, for the result that leads at all, when it carries at least `RICH_MIN_CONCEPTS` of the
# need's concepts, one of them among its three main ones (rich lead). Long stories share their
# everyday words with several solutions, so the right one often leads by less than the broad
# margin. Calibration on 32 judged sets (thirteenth round): of the "passt gut" labels among the
# first three results, those resting on seven or more concepts were never wrong (0 of 518),
# those on five 17 times (of 134) and on six 6 times (of 135); of the best results that carried seven concepts with a main one but no "passt gut",
# 32 were relevant and 1 was not (none of them for a no-match need). Six concepts would have
# added 9 right and 6 wrong.
RICH_MIN_CONCEPTS = 7
RICH_MIN_MAIN = 0.3
# The need's three main concepts are its rarest words; in a long e-mail they are often words of
# its story that one unrelated description happens to carry ("Trägern", "blockiert"), so the
# right result carries none of them. Fourteenth round, 34 judged sets: of the best results
# without a main concept and without "passt gut", those carrying nine or more concepts were
# relevant 8 times in 8; with eight 6 times in 8 (both wrong ones a school and a no-match
# need), with seven 10 times in 18.
RICH_MIN_CONCEPTS_NO_MAIN = 9
# ... or when the lead is confirmed by the final ranking: the best result's evidence leads by
# `CONFIRMED_MARGIN` on at least `CONFIRMED_MIN_CONCEPTS` concepts, and with the feedback of the
# best results' own vocabulary its score is at least twice the next result's. Long problem
# descriptions rarely reach the margins above (the story's rare words are not the solution's),
# but two independent signals agreeing are right as often, from a lead of 0.14 (see the
# margin calibration above).
# The matched words must also be a quarter of the need's (four of a 24-word e-mail: chance).
CONFIRMED_MARGIN = 0.14
CONFIRMED_MIN_CONCEPTS = 4
CONFIRMED_MIN_SHARE = 0.25
CONFIRMED_NEXT_RATIO = 0.5
# The confirmed lead serves stories. A question of one paragraph (fewer than `QUESTION_MAX_WORDS`
# words, a question mark) naming `QUESTION_MIN_CONCEPTS` catalogue words asks how to organise
# something; a result sharing its subject leads whether it answers or not (a census of
# unregistered dogs over the online dog registration). Twenty-second round, 51 sets: such labels
# were right 4 times in 9; without them strong precision +0.0025, no-match accuracy +0.0060,
# strong recall −0.0018 (the same for 50–80 words and from 8 concepts).
QUESTION_MAX_WORDS = 60
QUESTION_MIN_CONCEPTS = 10
# Coverage calibration (keyword-like needs): on the dev set no irrelevant result reaches 60 %.
STRONG_COVERAGE = 0.65
STRONG_MIN_CONCEPTS = 2
STRONG_REL = 0.8
POSSIBLE_COVERAGE = 0.3
POSSIBLE_REL = 0.8
# Close to the best is no part of the need by itself: of the "könnte passen" labels on 70 judged
# sets for results carrying less than a tenth of the need's idf mass (unknown words included),
# 14 % were relevant (585 labels, 425 of them for no-match needs), above it 38 %; they now read
# "entfernt verwandt", and the page no longer says they meet part of the description.
POSSIBLE_MIN_SHARE = 0.1
DUPLICATE_SIMILARITY = 0.5  # Jaccard of title + summary stems
# A result that carries this share of the best result's distinctive title/summary vocabulary
# (the feedback words) is its sibling: same topic, another approach. The best result's lead is
# measured over the best result that is no sibling (sibling-aware lead).
SIBLING_SHARE = 0.3
# Two results far ahead of all others share one lead even if their texts differ (a Kita-Navigator
# and a central allocation office): when the second leads the third by `PAIR_MARGIN` and the first
# the second by less than `STRONG_MARGIN`. Nineteen sets: at 0.3 right labels on seven sets and no
# wrong one; at 0.25 strong precision falls on three sets (big 0.976 → 0.959).
PAIR_MARGIN = 0.3
# A need told mostly in words the catalogue never uses is about something it does not hold,
# whatever the few known words match ("Organisation von Wahlen mit Nachbarn teilen, Schulung der
# Wahlvorstände, Auszählung der Briefwahl" over a shared information-security officer: a
# training, "Gemeinden", "geteilt"): no "passt gut" below this known share of its idf mass (of
# 955 labels on 25 sets the lowest were 0.13, 0.29, 0.31 (wrong), then 0.32 (right) and up).
MIN_KNOWN_SHARE = 0.25


class Scored(Protocol):
    score: float  # the ranking's score: the need's own plus `sibling_bonus`
    coverage_all: float
    sibling_bonus: float  # the ranking's category bonus (`matching._favour_best_category`)
    meaning_bonus: float  # the ranking's closeness in meaning (`matching._favour_meaning`)


def own_score(c: Scored) -> float:
    """The need's own score as the bands read it: the bonuses order, they make nothing fit."""
    return c.score - c.sibling_bonus - c.meaning_bonus


class Candidate(Scored, Protocol):
    solution_id: int
    docnum: int
    coverage: float
    matched: list[ScoredConcept]
    rel: float
    margin: float
    evidence: float
    main: float
    fielded: float
    kin: float
    meaning_lead: float  # the best result's lead in meaning (`matching._favour_meaning`)


def _stems(ctx: SearchContext, d: int) -> set[str]:
    stored = ctx.stored(d)
    text = f"{stored.get('title', '')} {stored.get('summary', '')}"
    return {qw.stem for qw in analyze_query_words(text) if len(qw.stem) >= 3}


def near_duplicates(ctx: SearchContext, a: int, b: int) -> bool:
    """True if two documents say nearly the same in title and summary (the same solution
    built twice, or described by two municipalities)."""
    sa, sb = _stems(ctx, a), _stems(ctx, b)
    return bool(sa and sb) and len(sa & sb) / len(sa | sb) >= DUPLICATE_SIMILARITY


def assign_leads(ctx: SearchContext, ranked: Sequence[Candidate]) -> None:
    """Set each candidate's lead: its evidence minus the best evidence of any other candidate.

    The evidence is the need's own score, without feedback (feedback rewards the best result's
    own words and would widen the lead of whatever came first). Two near-duplicates at the top
    share one lead, over the third: a solution that exists twice should not lose its
    "passt gut" to its twin, and neither should two close results far ahead of the rest
    (`PAIR_MARGIN`). The best result's lead is taken over the best result that is not its
    sibling (a result carrying `SIBLING_SHARE` of its distinctive vocabulary, `kin`): a close
    sibling says the topic is right, not that it is wrong — a lead over it measures only which
    of two related solutions fits better.
    """
    if not ranked:
        return
    by_evidence = sorted(ranked, key=lambda c: -c.evidence)
    first = by_evidence[0]
    if len(by_evidence) == 1:
        first.margin = first.evidence
        return
    second = by_evidence[1]
    for c in ranked:
        c.margin = c.evidence - (second.evidence if c is first else first.evidence)
    third = by_evidence[2].evidence if len(by_evidence) > 2 else 0.0
    if near_duplicates(ctx, first.docnum, second.docnum) or (
        second.evidence - third >= PAIR_MARGIN and first.evidence - second.evidence < STRONG_MARGIN
    ):
        first.margin = second.margin = second.evidence - third
    if first.kin >= 1.0 - 1e-9 and second.kin >= SIBLING_SHARE:
        # `first` is the feedback source (it carries all of its own words)
        other = next((c.evidence for c in by_evidence[1:] if c.kin < SIBLING_SHARE), 0.0)
        first.margin = max(first.margin, first.evidence - other)


def band(
    c: Candidate,
    n_concepts: int,
    next_rel: float | None = None,
    names_thing: Callable[[Candidate], bool] = lambda c: True,
) -> str:
    """The band of one result; `next_rel` is the next result's score relative to the best
    (given for the best result only: the confirmed lead compares the top two). `names_thing`
    tells whether a matched word is a noun in the result (asked only of would-be strong ones:
    it reads the stored text)."""
    if _strong(c, n_concepts, next_rel) and names_thing(c):
        return "strong"
    return possible_or_weak(c, c.rel)


def possible_or_weak(c: Scored, rel: float) -> str:
    """The band of a result that is not "passt gut", with `rel` its score relative to the best
    (everyday hints reorder the results below "passt gut" and give them a new `rel`)."""
    close = rel >= POSSIBLE_REL and own_score(c) >= STRONG_MIN_SCORE
    close = close and c.coverage_all >= POSSIBLE_MIN_SHARE
    if c.coverage_all >= POSSIBLE_COVERAGE or close:
        return "possible"
    return "weak"


def _strong(c: Candidate, n_concepts: int, next_rel: float | None) -> bool:
    if c.coverage_all < MIN_KNOWN_SHARE * c.coverage:
        return False  # the need is mostly words the catalogue does not know
    n_matched = distinct_count(c.matched)  # a compound and its head are one word
    score = own_score(c)
    stands_out = (
        score >= STRONG_MIN_SCORE
        and c.margin >= STRONG_MARGIN
        and (n_matched >= STRONG_MIN_CONCEPTS or c.coverage_all >= POSSIBLE_COVERAGE)
        and n_concepts < PLAIN_LEAD_MAX_CONCEPTS
    )
    fielded_lead = (
        score >= STRONG_MIN_SCORE
        and c.margin >= FIELDED_MARGIN
        and n_matched >= STRONG_MIN_CONCEPTS
        and c.main >= FIELDED_MIN_MAIN
        and c.fielded >= FIELDED_MIN_SHARE
        and c.coverage_all >= FIELDED_MIN_KNOWN * c.coverage
        and (c.main >= FIELDED_TWO_MAIN or c.coverage_all >= FIELDED_MIN_COVERAGE)
    )
    broad_needs = BROAD_MIN_CONCEPTS
    if c.main <= 0 or n_concepts >= LONG_NEED_CONCEPTS:
        broad_needs = BROAD_MIN_CONCEPTS_NO_MAIN
    broad_lead = score >= STRONG_MIN_SCORE and c.margin >= BROAD_MARGIN and n_matched >= broad_needs
    rich_lead = (
        score >= STRONG_MIN_SCORE
        and c.margin >= 0.0
        and n_matched
        >= (RICH_MIN_CONCEPTS if c.main >= RICH_MIN_MAIN else RICH_MIN_CONCEPTS_NO_MAIN)
    )
    confirmed_lead = (
        next_rel is not None
        and score >= STRONG_MIN_SCORE
        and c.margin >= CONFIRMED_MARGIN
        and n_matched >= max(CONFIRMED_MIN_CONCEPTS, CONFIRMED_MIN_SHARE * n_concepts)
        and next_rel <= CONFIRMED_NEXT_RATIO
    )
    covers = (
        c.coverage_all >= STRONG_COVERAGE
        and n_matched >= min(STRONG_MIN_CONCEPTS, n_concepts)
        and c.rel >= STRONG_REL
    )
    return stands_out or fielded_lead or broad_lead or rich_lead or confirmed_lead or covers


def confirms(text: str, n_concepts: int) -> bool:
    """False for a question of one paragraph naming many words: the confirmed lead is no
    evidence for it."""
    question = "?" in text and len(text.split()) < QUESTION_MAX_WORDS
    return not (question and n_concepts >= QUESTION_MIN_CONCEPTS)


def bands(
    candidates: Sequence[Candidate],
    n_concepts: int,
    names_thing: Callable[[Candidate], bool] = lambda c: True,
    confirm: bool = True,
    words: int = 0,
) -> list[str]:
    """Bands of a ranked list; they never rise down the list ("strong" results come first).
    Without `confirm`, the confirmed lead gives no "passt gut"; `words` is the need's length
    (the calibrated lead reads it; 0: no calibrated lead)."""
    out = []
    ceiling = 0
    for i, c in enumerate(candidates):
        next_rel = None
        if i == 0 and confirm:
            next_rel = candidates[1].rel if len(candidates) > 1 else 0.0
        label = band(c, n_concepts, next_rel, names_thing)
        if i == 0 and words:
            label = _calibrated(candidates, n_concepts, words, label, names_thing)
        ceiling = max(BANDS.index(label), ceiling)
        out.append(BANDS[ceiling])
    return out


def calibration_eligible(c: Candidate) -> bool:
    """The conditions of every "passt gut" that the calibrated lead does not read itself: at
    least two of the need's words (one matched word among unknown ones can lead by chance), and
    the words the catalogue knows carry `MIN_KNOWN_SHARE` of the need's idf mass."""
    return (
        distinct_count(c.matched) >= STRONG_MIN_CONCEPTS
        and c.coverage_all >= MIN_KNOWN_SHARE * c.coverage
    )


def _calibrated(
    candidates: Sequence[Candidate],
    n_concepts: int,
    words: int,
    label: str,
    names_thing: Callable[[Candidate], bool],
) -> str:
    """The best result's band as the calibrated lead reads it: "passt gut" where the model puts
    the chance that it is relevant at `CALIBRATED_MIN_PROBABILITY` or more, and no "passt gut"
    from a threshold rule where the model puts it below `CALIBRATED_VETO`."""
    c = candidates[0]
    p = calibrated_probability(lead_features(candidates, n_concepts, words), CALIBRATED_WEIGHTS)
    if label == "strong":
        return label if p >= CALIBRATED_VETO else possible_or_weak(c, c.rel)
    if p >= CALIBRATED_MIN_PROBABILITY and calibration_eligible(c) and names_thing(c):
        return "strong"
    return label
