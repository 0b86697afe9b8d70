"""Why a match was made: the German reasons behind a result of need matching.

Reasons name the matched concepts (never filler words: those are not concepts), the fields they
were found in, the experience reports that mention them, and context (category, reuse, size).

Must not: import Flask or SQLAlchemy, or contain rules for particular needs or benchmark data.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search_index.concepts import Variant
    from search_index.context import SearchContext
    from search_index.match_bands import Candidate
    from search_index.need_concepts import ScoredConcept

MAX_REPORTS = 2
SIMILAR_SIZE = "Kommune ähnlicher Größe"  # the reason that compares municipality sizes
# Question words count for matching ("wer ausrückt") but are no concept to name as a reason; nor
# are separable verb particles standing alone ("Wie läuft das ab?"), which count as they did, nor
# words of judgement, ordinals, past modal forms and relative time ("gute Erfahrungen", "im
# zweiten Stock", "konnten", "letzten Monat"): as filler words they would have cost no-match
# accuracy (twenty-fourth round: 0.9382 → 0.9356 on 57 sets), so they still count, unnamed.
# So do the words every need uses of its own town ("wir sind eine kleine Gemeinde"): as filler
# words they cost no-match accuracy 0.9348 → 0.9258 on 65 sets (twenty-sixth round).
UNNAMED = frozenset(
    "wann wer wen wem wess wo woh wohin warum wieso weshalb welch "
    "ab her los dar heran hinaus voran vorbei hinzu herum "
    "gut schwierig richtig genau schnell regelmass zunehm "
    "zweit dritt konnt musst mag gest letzt "
    "gemeind stadt kommun".split()
)  # stems


def _named(matched: Sequence[ScoredConcept]) -> list[ScoredConcept]:
    """The matched concepts worth naming, in the field reasons and the experience reports
    alike: none of `UNNAMED`, a compound's head only if the compound itself was not found
    ("Stadthalle", not "Stadthalle" and "Halle"), a word only if no matched thesaurus phrase
    contains it ("Kindertagesstätte Anmeldung", not that and "Kindertagesstätte")."""
    stems = {sc.concept.stem for sc in matched}
    in_phrases = {
        word.lower()
        for sc in matched
        if " " in sc.concept.label
        for word in sc.concept.label.split()
    }
    return [
        sc
        for sc in matched
        if sc.concept.stem not in UNNAMED
        and (not sc.source or sc.source not in stems)
        and (" " in sc.concept.label or sc.concept.label.lower() not in in_phrases)
    ]


def _quote(labels: list[str]) -> str:
    quoted = [f"»{label}«" for label in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " und " + quoted[-1]


# (field, where it is said); the first field a concept is found in names it
FIELD_PHRASES = (
    ("title", "im Titel"),
    ("summary", "in der Kurzbeschreibung"),
    ("tags", "in den Schlagwörtern"),
    ("reports", "in Erfahrungsberichten"),
    ("content", "in der Beschreibung"),
)


def _variant_in(ctx: SearchContext, v: Variant, field: str, d: int) -> bool:
    return all(ctx.has_doc(field, t, d) for t in v.terms)


def _found_variant(ctx: SearchContext, sc: ScoredConcept, d: int) -> Variant | None:
    """The strongest variant of the concept that the document carries."""
    for v in sorted(sc.concept.variants, key=lambda v: -v.weight):
        if _variant_in(ctx, v, "content", d):
            return v
    return None


_REPORTS_BY_SOLUTION: weakref.WeakKeyDictionary[SearchContext, dict[int, list[int]]] = (
    weakref.WeakKeyDictionary()
)
_REPORTS_LOCK = threading.Lock()


def _reports_by_solution(ctx: SearchContext) -> dict[int, list[int]]:
    """solution id → docnums of its live experience-report documents (once per context)."""
    found = _REPORTS_BY_SOLUTION.get(ctx)
    if found is None:
        kinds = ctx.array("kind")
        sol_ids = ctx.array("solution_id")
        live = ctx.live_docs()
        found = {}
        for d, kind in enumerate(kinds):
            if kind == "report" and d in live:
                found.setdefault(int(sol_ids[d]), []).append(d)
        with _REPORTS_LOCK:
            _REPORTS_BY_SOLUTION[ctx] = found
    return found


def _found_label(sc: ScoredConcept) -> str:
    """The need's word as a report carries it: a compound reached only through catalogue
    compounds (»Ausländer…«, »Bürgerhaushalt«) by what was found, every other word as typed."""
    c = sc.concept
    if c.raw and c.variants and all(v.kind == "compound" for v in c.variants):
        return c.raw
    return c.label


def backing_reports(
    ctx: SearchContext, results: Sequence[Candidate]
) -> dict[int, list[tuple[str, list[str]]]]:
    """solution id → [(report title, matched concept labels)] of its experience reports that
    mention at least two of the need's concepts (one if the result matched only one)."""
    by_solution = _reports_by_solution(ctx)
    out: dict[int, list[tuple[str, list[str]]]] = {}
    for c in results:
        found = []
        for d in by_solution.get(c.solution_id, ()):
            named = _named(c.matched)
            labels = [_found_label(sc) for sc in named if d in sc.docs]
            if len(labels) >= min(2, len(named)) and labels:
                found.append((len(labels), d, labels))
        found.sort(key=lambda x: (-x[0], x[1]))
        out[c.solution_id] = [
            (ctx.stored(d).get("title", "") or "Erfahrungsbericht", labels)
            for _, d, labels in found[:MAX_REPORTS]
        ]
    return out


def reasons(
    ctx: SearchContext,
    c: Candidate,
    *,
    reports: list[tuple[str, list[str]]],
    category: str | None,
    population: int | None,
    hint: str | None = None,
) -> list[str]:
    d = c.docnum
    is_report = ctx.array("kind")[d] == "report"
    by_field: dict[str, list[str]] = {}
    related: list[str] = []
    matched = _named(c.matched)
    # the words the need weighs fully first (its nouns; a properly cased need's verbs and
    # adjectives and its side topics weigh less), each group by rarity
    for sc in sorted(matched, key=lambda sc: (sc.weight < 1, -sc.idf)):
        v = _found_variant(ctx, sc, d)
        if v is None:
            continue
        where = "content"
        if len(v.terms) == 1:
            where = next((f for f, _ in FIELD_PHRASES[:-1] if _variant_in(ctx, v, f, d)), "content")
        if v.kind in ("synonym", "fuzzy", "compound"):
            # name what was found instead of the need's word, and where
            surface = ctx.thesaurus.surface(" ".join(v.terms)) if v.kind == "synonym" else ""
            surface = sc.concept.raw if v.kind == "compound" else surface
            found_as = f" als »{surface}«" if surface else ""
            phrase = "in einem Erfahrungsbericht" if is_report else dict(FIELD_PHRASES)[where]
            related.append(f"»{sc.concept.label}«{found_as} {phrase}")
        elif all(sc.concept.label not in labels for labels in by_field.values()):
            by_field.setdefault(where, []).append(sc.concept.label)
    out: list[str] = []
    for field, phrase in FIELD_PHRASES:
        labels = by_field.get(field)
        if not labels:
            continue
        if is_report:
            phrase = "in einem Erfahrungsbericht"
        noun = "Ihr Begriff" if len(labels) == 1 else "Ihre Begriffe"
        verb = "steht" if len(labels) == 1 else "stehen"
        out.append(f"{noun} {_quote(labels[:4])} {verb} {phrase}")
    if related:
        noun = "verwandter Begriff" if len(related) == 1 else "verwandte Begriffe"
        out.append(f"{noun} zu " + ", ".join(related[:3]))
    if hint:
        out.append(hint)  # everyday words of the need pointing to a term of the result
    for title, labels in reports[:MAX_REPORTS]:
        named = (
            f"»{title}«"
            if title.lower().startswith("erfahrung")
            else f"Erfahrungsbericht »{title}«"
        )
        out.append(f"{named} beschreibt {_quote(labels[:3])}")
    if category and ctx.array("category")[d] == category:
        out.append("gleiche Kategorie wie Ihr Bedarf")
    reuse = int(ctx.array("reuse_count")[d])
    if reuse == 1:
        out.append("wird von 1 Kommune nachgenutzt")
    elif reuse > 1:
        out.append(f"wird von {reuse} Kommunen nachgenutzt")
    pop = int(ctx.array("population")[d])
    if population and pop and 0.5 <= pop / population <= 2.0:
        out.append(f"{SIMILAR_SIZE} ({pop:,} Einwohner)".replace(",", "."))
    return out
