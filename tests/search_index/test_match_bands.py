"""Band calibration: the sibling-aware lead of the best result; one matched word; the
calibrated lead."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

from search_index import CatalogueIndex
from search_index.analysis import stem_word
from search_index.calibrated_lead import (
    CALIBRATED_MIN_PROBABILITY,
    CALIBRATED_VETO,
    CALIBRATED_WEIGHTS,
    calibrated_probability,
    lead_features,
)
from search_index.match_bands import (
    PLAIN_LEAD_MAX_CONCEPTS,
    POSSIBLE_MIN_SHARE,
    POSSIBLE_REL,
    SIBLING_SHARE,
    STRONG_MIN_SCORE,
    assign_leads,
    bands,
    possible_or_weak,
)
from search_index.match_things import (
    CASING_MAX_CONCEPTS,
    lower_case_need_classes,
    names_a_thing,
    need_things,
    need_verbs,
)
from search_index.matching import rank_candidates
from tests.search_index.conftest import make_doc


class _Ctx:
    """Stored titles that share no words (no near-duplicates)."""

    def stored(self, d: int) -> dict[str, str]:
        return {"title": f"Vorhaben{d} Thema{d}", "summary": ""}


def _cand(d: int, evidence: float, kin: float) -> SimpleNamespace:
    return SimpleNamespace(docnum=d, evidence=evidence, kin=kin, margin=0.0)


def test_the_lead_is_taken_over_the_best_result_that_is_no_sibling():
    best = _cand(1, 0.50, 1.0)  # the feedback source carries all of its own words
    sibling = _cand(2, 0.46, SIBLING_SHARE + 0.1)
    other = _cand(3, 0.30, 0.05)
    assign_leads(_Ctx(), [best, sibling, other])  # type: ignore[arg-type]
    assert round(best.margin, 3) == 0.2
    assert round(sibling.margin, 3) == -0.04  # the sibling itself gains nothing


def test_an_unrelated_runner_up_keeps_the_lead_small():
    best = _cand(1, 0.50, 1.0)
    runner_up = _cand(2, 0.46, SIBLING_SHARE - 0.1)
    other = _cand(3, 0.30, 0.05)
    assign_leads(_Ctx(), [best, runner_up, other])  # type: ignore[arg-type]
    assert round(best.margin, 3) == 0.04


def test_close_to_the_best_reads_could_fit_only_with_a_part_of_the_need():
    def result(coverage_all: float) -> SimpleNamespace:
        return SimpleNamespace(
            score=STRONG_MIN_SCORE + 0.1,
            sibling_bonus=0.0,
            meaning_bonus=0.0,
            coverage_all=coverage_all,
        )

    # close to the best with a tenth of the need's idf mass: "könnte passen"
    assert possible_or_weak(result(POSSIBLE_MIN_SHARE), POSSIBLE_REL) == "possible"
    # close to the best with almost nothing of the need: "entfernt verwandt"
    assert possible_or_weak(result(POSSIBLE_MIN_SHARE / 3), 1.0) == "weak"


def test_two_close_results_far_ahead_of_the_rest_share_one_lead():
    # two solutions for the same need in other words (no near-duplicates, no siblings)
    first = _cand(1, 0.80, 1.0)
    second = _cand(2, 0.76, 0.15)
    third = _cand(3, 0.39, 0.15)
    assign_leads(_Ctx(), [first, second, third])  # type: ignore[arg-type]
    assert round(first.margin, 3) == round(second.margin, 3) == 0.37
    # not when the third is close behind: then the two do not stand out together
    first, second, third = _cand(1, 0.80, 1.0), _cand(2, 0.76, 0.15), _cand(3, 0.50, 0.15)
    assign_leads(_Ctx(), [first, second, third])  # type: ignore[arg-type]
    assert round(first.margin, 3) == 0.04


# Matched words that are only actions or qualities ("online beantragen") are no "passt gut":
# the need's thing (Briefwahl) is elsewhere. One matched noun may carry it.
ONE_WORD_DOCS = [
    make_doc(
        1,
        "Bewohnerparkausweis online beantragen",
        "Anwohnende beantragen den Parkausweis im Netz und bezahlen online.",
        "Wer den Ausweis beantragen will, meldet sich mit dem Servicekonto an.",
    ),
    make_doc(
        2,
        "Theaterkasse mit Online-Verkauf",
        "Das Theater verkauft Karten im Netz.",
        "Im Theater scannt der Einlass die Karten vom Handy.",
    ),
    *[
        make_doc(
            10 + i,
            f"Wahlhelfer-Verwaltung {i}",
            "Wahlhelfende für Wahlen einteilen.",
            "Auch die Briefwahl braucht Helferinnen und Helfer im Wahlbüro.",
        )
        for i in range(3)
    ],
    *[make_doc(20 + i, f"Vorhaben {i}", "Ein allgemeines Projekt der Stadt.") for i in range(10)],
]


@contextmanager
def _catalogue(tmp_path, *docs):
    """An index of `docs` before the catalogue of ONE_WORD_DOCS (without its parking permit)."""
    with CatalogueIndex(tmp_path) as ix:
        ix.rebuild([*docs, *ONE_WORD_DOCS[1:]])
        yield ix, ix.context()


def _found(ctx, need: str, solution_id: int):
    """The candidate of `solution_id` among the need's best three."""
    ranked, _ = rank_candidates(ctx, need, limit=3)
    return next(c for c in ranked if c.solution_id == solution_id)


def test_matched_action_words_are_no_good_fit_but_one_matched_thing_is(tmp_path):
    with CatalogueIndex(tmp_path) as ix:
        ix.rebuild(ONE_WORD_DOCS)
        ctx = ix.context()
        ranked, _ = rank_candidates(ctx, "briefwahl online beantragen", limit=3)
        assert ranked[0].solution_id == 1  # the rarer words lead the ranking …
        assert sorted(sc.concept.label for sc in ranked[0].matched) == ["beantragen", "online"]
        # … but the parking permit is not about postal voting
        assert not names_a_thing(ctx, ranked[0].docnum, ranked[0].matched)
        # "Online-Verkauf" is written as a noun
        assert names_a_thing(ctx, ranked[1].docnum, ranked[1].matched)
        postal = ix.match("briefwahl online beantragen")
        theatre = ix.match("Ticket-Tool fürs Theater")
    assert postal[0].band != "strong"
    assert (theatre[0].solution_id, theatre[0].band) == (2, "strong")


def test_a_text_written_in_lower_case_throughout_says_nothing_about_nouns(tmp_path):
    lower = make_doc(1, "parkausweis online beantragen", "anwohner beantragen den ausweis im netz.")
    with _catalogue(tmp_path, lower) as (_ix, ctx):
        ranked, _ = rank_candidates(ctx, "parkausweis online beantragen", limit=1)
        assert ranked[0].solution_id == 1
        assert names_a_thing(ctx, ranked[0].docnum, ranked[0].matched)


def test_a_compounds_head_alone_does_not_name_the_needs_thing(tmp_path):
    # "Ausweis" stands in for "Anwohnerparkausweis": a fishing licence is the same kind of
    # thing (an ID to apply for online), not the thing the need asks for.
    licence = make_doc(
        1,
        "Fischereischein online beantragen",
        "Den Ausweis zum Angeln beantragen Anglerinnen und Angler online und bezahlen ihn.",
        "Der Ausweis kommt per Post; beantragen lässt er sich rund um die Uhr.",
    )
    with _catalogue(tmp_path, licence) as (ix, ctx):
        ranked, _ = rank_candidates(ctx, "Anwohnerparkausweis online beantragen", limit=1)
        assert ranked[0].solution_id == 1
        assert "Ausweis" in [sc.concept.label for sc in ranked[0].matched]
        assert not names_a_thing(ctx, ranked[0].docnum, ranked[0].matched)
        assert ix.match("Anwohnerparkausweis online beantragen")[0].band != "strong"
        # the licence itself is a thing
        assert ix.match("Fischereischein online beantragen")[0].band == "strong"


def test_procedure_words_name_no_thing_unless_the_result_is_about_them(tmp_path):
    # "Antrag", "Nachweise", "Verfahren" fit any service: a result matching only them (and
    # lower-case words) names none of the need's things - unless its title is about them.
    hunting_licence = make_doc(
        1,
        "Jagdschein digital verlängern",
        "Der Antrag läuft online; Nachweise werden hochgeladen.",
        "Das Verfahren ist schneller, der Antrag wird elektronisch geprüft. Nachweise der "
        "Versicherung kommen als Datei.",
    )
    form_service = make_doc(
        2,
        "Antrag und Nachweise online",
        "Ein Formularservice: jeder Antrag mit Nachweisen im Netz.",
        "Der Antrag wird elektronisch eingereicht.",
    )
    with _catalogue(tmp_path, hunting_licence, form_service) as (_ix, ctx):
        need = "Einbürgerung: Antrag elektronisch stellen, Nachweise hochladen"
        ranked, _ = rank_candidates(ctx, need, limit=2)
        by_id = {c.solution_id: c for c in ranked}
        hunting = by_id[1]
        assert {sc.concept.label for sc in hunting.matched} >= {"Antrag", "Nachweise"}
        assert not names_a_thing(ctx, hunting.docnum, hunting.matched)
        forms = by_id[2]  # a service whose subject is the application itself
        assert names_a_thing(ctx, forms.docnum, forms.matched)


def test_levying_and_assessing_are_procedures_not_things(tmp_path):
    # Found in the demo: "Pferdesteuer Erhebung Satzung" was "passt gut" for street-use permits,
    # whose reports tell of the fee statute ("Satzung") and the levying ("Erhebung") - the form
    # of a levy, not the levy the need asks about.
    street_use = make_doc(
        1,
        "Online-Antrag für Sondernutzungen im öffentlichen Raum",
        "Gastronomie und Baustellen beantragen die Sondernutzung online.",
        "Die Satzung regelt die Gebühren; die Erhebung läuft über das Kassenverfahren. Die "
        "Festsetzung kommt als Bescheid.",
    )
    dog_tax = make_doc(
        2,
        "Hundesteuer digital",
        "Anmeldung des Hundes und Steuerbescheid online.",
        "Die Hundesteuer wird nach der Satzung festgesetzt; die Erhebung läuft digital.",
    )
    with _catalogue(tmp_path, street_use, dog_tax) as (ix, _ctx):
        horse = ix.match("Pferdesteuer Erhebung Satzung")
        assert all(m.band != "strong" for m in horse)
        dog = ix.match("Hundesteuer Erhebung Satzung")
        assert dog[0].solution_id == 2 and dog[0].band == "strong"


def test_the_channels_a_request_travels_by_name_no_thing(tmp_path):
    # "auf Papier", "per Post", "per Fax": every digitisation story names them; a building
    # permit that matches a dangerous-dog permit on them is about another thing
    story = "Früher kamen Papier, Post und Fax. Heute prüft die Bauaufsicht alles digital."
    with _catalogue(tmp_path, make_doc(1, "Digitaler Bauantrag", story)) as (_ix, ctx):
        found = _found(ctx, "Anträge für große Hunde kommen auf Papier, per Post und per Fax", 1)
        assert {sc.concept.label for sc in found.matched} >= {"Papier", "Post", "Fax"}
        assert not names_a_thing(ctx, found.docnum, found.matched)


def test_cooperation_words_name_no_thing(tmp_path):
    # A joint registry office and a need to merge building yards share only how municipalities
    # cooperate (interkommunale Vereinbarung, Beschäftigte, gemeinsam), not what they share.
    registry = make_doc(
        1,
        "Gemeinsames Standesamt zweier Gemeinden",
        "Eine interkommunale Vereinbarung regelt Kostenverteilung und Beschäftigte.",
        "Die Beschäftigten arbeiten gemeinsam; die Vereinbarung gilt fünf Jahre. Das Standesamt "
        "beurkundet Geburten und Eheschließungen für beide Gemeinden.",
    )
    with _catalogue(tmp_path, registry) as (ix, ctx):
        need = "Bauhof mit der Nachbargemeinde zusammenlegen: interkommunale Vereinbarung, Beschäftigte"
        ranked, _ = rank_candidates(ctx, need, limit=1)
        assert ranked[0].solution_id == 1
        assert not names_a_thing(ctx, ranked[0].docnum, ranked[0].matched)
        assert ix.match(need)[0].band != "strong"
        assert ix.match("gemeinsames Standesamt mit der Nachbargemeinde")[0].band == "strong"


def _names_no_thing(tmp_path, need: str, *docs, fits: str = "") -> dict[str, str]:
    """Rank `need` over `docs`: solution 1 comes first, names no thing and is no "passt gut";
    `fits` (a need it does fit) is. Returns solution 1's matched stems → their compound."""
    with _catalogue(tmp_path, *docs) as (ix, ctx):
        ranked, _ = rank_candidates(ctx, need, limit=1)
        assert ranked[0].solution_id == 1
        assert not names_a_thing(ctx, ranked[0].docnum, ranked[0].matched)
        assert ix.match(need)[0].band != "strong"
        if fits:
            assert ix.match(fits)[0].band == "strong"
        return {sc.concept.stem: sc.source for sc in ranked[0].matched}


def test_a_cooperation_word_in_the_title_still_names_no_thing(tmp_path):
    # "Nachbarkommunen" in the title says who works together, not on what: an audit office
    # shared with a neighbour is not the registry office two neighbours share.
    registry = make_doc(
        1,
        "Gemeinsames Standesamt zweier Nachbarkommunen",
        "Zwei Nachbarkommunen führen ein Standesamt gemeinsam, geregelt in einer Vereinbarung.",
        "Die Vereinbarung regelt, wie das Personal übergeleitet und die Kosten verteilt werden. "
        "Das Standesamt beurkundet Geburten und Eheschließungen für beide Nachbarkommunen.",
    )
    need = "Rechnungsprüfung gemeinsam mit einer Nachbarkommune: wie sieht die Vereinbarung aus?"
    fits = "Standesamt mit einer Nachbarkommune gemeinsam führen"
    assert "nachbarkommun" in _names_no_thing(tmp_path, need, registry, fits=fits)


def test_the_lessons_are_read_for_nouns_too(tmp_path):
    # "kontrolliert" and "wer" appear only in the lessons, written in lower case: they are
    # actions, not the thing. The lessons are indexed, so the casing must be read there too
    # (a word the text does not show would count as a thing).
    parking = make_doc(
        1,
        "Parkraumüberwachung durch die Nachbarstadt",
        "Die Nachbarstadt überwacht den ruhenden Verkehr mit.",
        "Die Politessen der Nachbarstadt fahren zweimal die Woche durch den Ort.",
        lessons="Niemand merkt, wer kontrolliert; die Kosten werden nach Stunden abgerechnet.",
    )
    need = "Wer kontrolliert bei euch mit einer Nachbarstadt zusammen?"
    assert "wer" in _names_no_thing(tmp_path, need, parking)


def test_the_head_of_an_unknown_long_compound_does_not_name_its_thing(tmp_path):
    # "Ferienwohnungsteuer" is unknown to the catalogue and split into known words; its head
    # "Steuer" stands in for it the way a known compound's head does: a dog tax is the same
    # kind of thing, not the thing.
    dog_tax = make_doc(
        1,
        "Hundesteuer online anmelden",
        "Hundehalterinnen und Hundehalter melden ihren Hund zur Steuer an und geben die "
        "Erklärung online ab.",
        "Die Steuer für den zweiten Hund ist höher.",
    )
    flat_swap = make_doc(
        2, "Wohnungstausch", "Wer eine Wohnung tauschen will, findet hier Partner, auch für Ferien."
    )
    need = "Ferienwohnungsteuer Erklärung online abgeben"
    matched = _names_no_thing(
        tmp_path, need, dog_tax, flat_swap, fits="Hundesteuer online anmelden"
    )
    assert matched.get("steu") == "ferienwohnungsteu"


def test_the_head_of_a_form_compound_names_no_thing_either(tmp_path):
    # "Antragszahlen" says how many apply, not for what (a procedure word); its head "Zahl",
    # written as a noun in a hunting-licence service, must not name the thing in its place.
    hunting = make_doc(
        1,
        "Jagdschein online verlängern",
        "Jägerinnen und Jäger verlängern den Jagdschein online und laden den Nachweis hoch.",
        "Die Zahl der Anträge stieg jedes Jahr; jetzt werden Nachweise elektronisch geprüft.",
    )
    need = "Gestiegene Antragszahlen: Nachweise hochladen und elektronisch prüfen"
    matched = _names_no_thing(tmp_path, need, hunting, fits="Jagdschein online verlängern")
    assert matched.get("zahl") == "antragszahl"


def test_a_word_written_alone_in_lower_case_is_no_noun_where_it_opens_a_compound(tmp_path):
    # "Online-Bestellung" capitalises "Online" only because it opens the compound; the text
    # writes "online" on its own in lower case: a quality, not the thing (paying a fine online
    # is not ordering a certificate online). A noun opening a compound still names the thing.
    certificates = make_doc(
        1,
        "Online-Bestellung von Personenstandsurkunden",
        "Geburts- und Heiratsurkunden werden online bestellt.",
        "Die Online-Bestellung ersetzt den Besuch im Standesamt. Seit der Online-Bestellung "
        "sinken die Wartezeiten, und die Online-Bezahlung per Karte spart Überweisungen.",
    )
    fits = "Personenstandsurkunden online bestellen"
    matched = _names_no_thing(tmp_path, "Verwarngeld online bezahlen", certificates, fits=fits)
    assert "onlin" in matched


def test_a_noun_made_of_the_needs_verb_is_the_act_not_the_thing(tmp_path):
    # "anmelden" and "abmelden", written as verbs beside the capitalised "Hundesteuer", find
    # "Gewerbeanmeldung" and "Abmeldungen": the same act on another thing.
    business = make_doc(
        1,
        "Gewerbeanmeldung, -ummeldung und -abmeldung online",
        "Betriebe erledigen Anmeldungen, Ummeldungen und Abmeldungen ihres Gewerbes online.",
        "Die Gewerbeanzeige geht direkt an Finanzamt und Kammern. Abmeldungen prüft das "
        "Ordnungsamt.",
    )
    need = "Hundesteuer online anmelden und abmelden"
    with _catalogue(tmp_path, business) as (ix, ctx):
        ranked, _ = rank_candidates(ctx, need, limit=1)
        assert ranked[0].solution_id == 1
        acts = need_verbs(need, [sc.concept for sc in ranked[0].matched])
        assert {"anmeld", "abmeld"} <= acts
        assert names_a_thing(ctx, ranked[0].docnum, ranked[0].matched)  # as nouns, without
        assert not names_a_thing(ctx, ranked[0].docnum, ranked[0].matched, acts)
        assert ix.match(need)[0].band != "strong"
        assert ix.match("Gewerbe online anmelden und abmelden")[0].band == "strong"
    # a need in lower case throughout says nothing about its words' classes
    assert need_verbs(need.lower(), [sc.concept for sc in ranked[0].matched]) == frozenset()


def test_the_needs_verb_inside_a_compound_is_no_thing_either(tmp_path):
    # "melden" beside the capitalised "Wohnberechtigungsschein" finds "Meldeadresse" and
    # "Melderegister" in a parking-permit service: the verb's stem, not the need's thing
    parking = make_doc(
        1,
        "Bewohnerparkausweis online",
        "Anwohnende beantragen den Parkausweis für ihre Meldeadresse im Netz.",
        "Die Meldeadresse wird direkt im Melderegister geprüft.",
    )
    need = "Wohnberechtigungsschein: die Leute melden sich dreimal"
    with _catalogue(tmp_path, parking) as (_ix, ctx):
        found = _found(ctx, need, 1)
        meld = [sc for sc in found.matched if sc.concept.label == "melden"]
        assert meld
        acts = need_verbs(need, [sc.concept for sc in found.matched])
        assert names_a_thing(ctx, found.docnum, meld)  # the compounds are nouns ...
        assert not names_a_thing(ctx, found.docnum, meld, acts)  # ... of the need's verb


def test_one_part_of_the_needs_compound_standing_apart_names_no_thing(tmp_path):
    # "Briefwahl" splits into "Brief" and "Wahl": a certificate service that sends by "Brief"
    # and lets applicants "wählen" the kind of certificate carries both parts, apart
    certificates = make_doc(
        1,
        "Personenstandsurkunden online bestellen",
        "Die Urkunde kommt per Brief nach Hause.",
        "Im Formular wählen Antragstellende die Urkundenart und bezahlen online.",
    )
    postal = make_doc(
        2,
        "Briefwahlunterlagen digital anfordern",
        "Wahlberechtigte fordern die Briefwahlunterlagen im Netz an.",
        "Die Unterlagen kommen nach Hause.",
    )
    need = "Briefwahl Antrag online"
    with _catalogue(tmp_path, certificates, postal) as (ix, ctx):
        ranked, _ = rank_candidates(ctx, need, limit=10)
        by_id = {c.solution_id: c for c in ranked}
        compound = [sc for sc in by_id[1].matched if sc.concept.label == "Briefwahl"]
        assert compound  # found through its parts
        assert not names_a_thing(ctx, by_id[1].docnum, compound)
        # inside a longer compound all its parts stand together: that is the thing
        assert names_a_thing(ctx, by_id[2].docnum, compound)
        # and so is the compound itself, written as a noun
        assert names_a_thing(ctx, by_id[10].docnum, compound)
        assert all(m.band != "strong" for m in ix.match(need) if m.solution_id == 1)


def test_registrations_bookings_and_tickets_are_forms_not_things(tmp_path):
    # "Tickets" in a reporting tool (each report becomes a ticket) is the form of a service,
    # like "Antrag": it names no thing for "Freibad Tickets online"
    reports = make_doc(
        1,
        "Kartenbasiertes Hinweisformular",
        "Bürgerinnen und Bürger melden Schäden auf einer Karte.",
        "Jeder Hinweis wird als Ticket im Fachverfahren angelegt; die Tickets gehen ans Amt.",
    )
    with _catalogue(tmp_path, reports) as (_ix, ctx):
        found = _found(ctx, "Freibad Tickets online", 1)
        assert [sc.concept.label for sc in found.matched if sc.concept.stem == "ticket"]
        assert not names_a_thing(ctx, found.docnum, found.matched)
    # where the title is about them, they are the thing
    pool = make_doc(
        1,
        "Online-Tickets für das Hallenbad",
        "Badegäste kaufen Tickets im Netz.",
        "Die Tickets gelten für ein Zeitfenster.",
    )
    with _catalogue(tmp_path / "pool", pool) as (_ix, ctx):
        found = _found(ctx, "Tickets online kaufen", 1)
        assert names_a_thing(ctx, found.docnum, found.matched)


def test_a_short_needs_thing_the_result_lacks_is_not_made_up_by_its_procedure(tmp_path):
    # "Sperrmüll Termin online buchen": the citizens' office booking offers the procedure
    # (Termin in its title, online, buchen) for another thing
    booking = make_doc(
        1,
        "Online-Terminbuchung für das Bürgerbüro",
        "Termine im Bürgerbüro online buchen, rund um die Uhr.",
        "Wer einen Termin braucht, bucht ihn Online über die Website.",
    )
    waste = make_doc(2, "Abfallkalender", "Wann der Müll abgeholt wird.", "Müll und Papier.")
    need = "Sperrmüll Termin online buchen"
    with _catalogue(tmp_path, booking, waste) as (ix, ctx):
        concepts: list = []
        ranked, _ = rank_candidates(ctx, need, limit=3, concepts_out=concepts)
        found = next(c for c in ranked if c.solution_id == 1)
        acts = need_verbs(need, [sc.concept for c in ranked for sc in c.matched])
        things = need_things(need, concepts, acts)
        assert things == {"sperrmull"}  # the compound the known head "Müll" stands in for
        assert names_a_thing(ctx, found.docnum, found.matched, acts)  # without the rule
        assert not names_a_thing(ctx, found.docnum, found.matched, acts, things)
        assert all(m.band != "strong" for m in ix.match(need))
        # the same need about the office itself: the booking is the thing
        office = "Bürgerbüro Termin online buchen"
        assert ix.match(office)[0].solution_id == 1
        assert ix.match(office)[0].band == "strong"


def test_a_need_in_lower_case_reads_its_word_classes_from_the_catalogue(tmp_path):
    # "laubsäcke online bestellen" says nothing of its words' classes; the catalogue writes
    # "online" and "bestellen" in lower case (acts) and never knew "Laubsäcke" (the thing the
    # need asks for): the certificate service shares the procedure, not the thing — as it does
    # for "Laubsäcke online bestellen", capitalised.
    certificates = make_doc(
        1,
        "Urkunden online bestellen",
        "Geburtsurkunden werden über das Portal beantragt und per Post zugestellt.",
        "Zwei Drittel aller Bestellungen kommen über das Portal; die Urkunde kommt per Post.",
    )
    firewood = make_doc(
        50,
        "Brennholz aus dem Stadtwald",
        "Bürger bestellen Brennholz beim Forstamt.",
        "Wer Holz bestellen will, ruft an; geliefert wird im Herbst.",
    )
    services = [
        make_doc(40 + i, title, f"{title}: das geht jetzt online.")
        for i, title in enumerate(["Hundesteuer anmelden", "Gewerbe anmelden", "Parkausweis"])
    ]
    with _catalogue(tmp_path, certificates, firewood, *services) as (ix, ctx):
        concepts: list = []
        unknown: list[str] = []
        rank_candidates(
            ctx, "laubsäcke online bestellen", limit=1, concepts_out=concepts, unknown_out=unknown
        )
        acts, things = lower_case_need_classes(ctx, concepts, unknown)
        assert {stem_word("online"), stem_word("bestellen")} <= acts
        assert stem_word("laubsäcke") in things
        for need in ("laubsäcke online bestellen", "Laubsäcke online bestellen"):
            first = ix.match(need)[0]
            assert first.solution_id == 1 and first.band != "strong", need
        # the thing itself, typed in lower case, is a good fit
        assert ix.match("urkunden online bestellen")[0].band == "strong"
        # a long need in lower case is not read this way (it names more than two things)
        many = ["a" * 5 + str(i) for i in range(CASING_MAX_CONCEPTS)]
        assert lower_case_need_classes(ctx, concepts, many) == (frozenset(), frozenset())


def _best(n: int = 6, **kw: float) -> SimpleNamespace:
    """A best result that no threshold rule makes "passt gut": its lead is small, six concepts
    are no rich lead."""
    values = {
        "margin": 0.06,
        "coverage": 0.46,
        "coverage_all": 0.45,
        "main": 0.33,
        "fielded": 0.3,
        "rel": 1.0,
        "evidence": 0.6,
        "score": 0.7,
        "sibling_bonus": 0.0,
        "meaning_bonus": 0.0,
        "meaning_lead": 0.0,
        "kin": 1.0,
    } | kw
    matched = [
        SimpleNamespace(concept=SimpleNamespace(stem=f"wort{i}"), source="") for i in range(n)
    ]
    return SimpleNamespace(solution_id=1, docnum=1, matched=matched, **values)


def _runner_up(rel: float) -> SimpleNamespace:
    return SimpleNamespace(
        solution_id=2, docnum=2, matched=[], margin=-0.06, coverage=0.2, coverage_all=0.2,
        main=0.0, fielded=0.0, rel=rel, evidence=0.3, score=0.7 * rel, sibling_bonus=0.0,
        meaning_bonus=0.0, meaning_lead=0.0, kin=0.1,
    )  # fmt: skip


def test_the_calibrated_lead_weighs_concepts_coverage_and_length_together():
    cands = [_best(), _runner_up(0.8)]
    assert bands(cands, 16)[0] == "possible"  # type: ignore[arg-type]  # no threshold rule
    p = calibrated_probability(lead_features(cands, 16, 80), CALIBRATED_WEIGHTS)  # type: ignore[arg-type]
    assert p >= CALIBRATED_MIN_PROBABILITY
    assert bands(cands, 16, words=80) == ["strong", "possible"]  # type: ignore[arg-type]
    # a result that names no thing of the need stays below "passt gut"
    assert bands(cands, 16, lambda c: False, words=80)[0] == "possible"  # type: ignore[arg-type]
    # fewer of the need's concepts and less of its idf mass: no calibrated lead
    thin = [_best(n=4, coverage=0.32, coverage_all=0.3), _runner_up(0.8)]
    assert bands(thin, 16, words=80)[0] == "possible"  # type: ignore[arg-type]
    # the same six words carry less evidence in a short query than in a long description
    assert bands(cands, 16, words=6)[0] == "possible"  # type: ignore[arg-type]


def test_a_plain_lead_on_two_words_is_a_good_fit_only_in_a_short_need():
    # a clear lead (0.3) on two of the need's words, little of it in the fields, no other rule
    lead = [_best(n=2, margin=0.3, coverage=0.25, coverage_all=0.2, main=0.33), _runner_up(0.5)]
    assert bands(lead, PLAIN_LEAD_MAX_CONCEPTS - 1)[0] == "strong"  # type: ignore[arg-type]
    # two shared words of a long need are chance half the time
    assert bands(lead, PLAIN_LEAD_MAX_CONCEPTS)[0] == "possible"  # type: ignore[arg-type]


def test_a_need_of_words_the_catalogue_does_not_know_gets_no_calibrated_lead():
    unknown = [_best(n=8, coverage=0.9, coverage_all=0.2), _runner_up(0.8)]
    assert bands(unknown, 16, words=80)[0] == "possible"  # type: ignore[arg-type]


def test_the_calibration_benchmark_fits_the_direction_of_the_evidence():
    # benchmarks/band_calibration.py: the logistic fit gives an informative feature a positive
    # weight and an uninformative one about none
    import numpy as np

    from benchmarks.band_calibration import fit

    rng = np.random.default_rng(1)
    lead = rng.uniform(0, 1, 400)
    noise = rng.uniform(0, 1, 400)
    relevant = (lead + rng.normal(0, 0.15, 400) > 0.5).astype(float)
    w = fit(np.column_stack([np.ones(400), lead, noise]), relevant)
    assert w[1] > 5 and abs(w[2]) < 1


def test_a_lead_in_meaning_backs_the_calibrated_lead():
    # four of the need's concepts and a third of its idf mass: not enough by words alone ...
    def thin(meaning_lead: float) -> list[SimpleNamespace]:
        best = _best(n=4, coverage=0.32, coverage_all=0.3, meaning_lead=meaning_lead)
        return [best, _runner_up(0.8)]

    assert bands(thin(-0.05), 16, words=80)[0] == "possible"  # type: ignore[arg-type]
    # ... but the same result clearly ahead of every other one in meaning is "passt gut"
    assert bands(thin(0.1), 16, words=80)[0] == "strong"  # type: ignore[arg-type]
    # the conditions of every "passt gut" still hold: a result naming no thing of the need stays
    assert bands(thin(0.3), 16, lambda c: False, words=80)[0] == "possible"  # type: ignore[arg-type]


def test_the_calibrated_lead_withholds_a_lead_it_reads_as_more_likely_wrong():
    # a wide lead on two words of a short need: the plain lead says "passt gut" ...
    def wide(meaning_lead: float) -> list[SimpleNamespace]:
        best = _best(
            n=2, margin=0.45, coverage=0.62, coverage_all=0.17, main=0.67, fielded=0.33,
            meaning_lead=meaning_lead,
        )  # fmt: skip
        return [best, _runner_up(0.5)]

    assert bands(wide(0.0), 3)[0] == "strong"  # type: ignore[arg-type]  # no calibrated reading
    assert bands(wide(0.0), 3, words=24)[0] == "strong"  # type: ignore[arg-type]
    # ... but with a sixth of the need's idf mass and far behind another result in meaning, the
    # model puts its chance below `CALIBRATED_VETO`: no "passt gut", and none further down
    p = calibrated_probability(lead_features(wide(-0.25), 3, 24), CALIBRATED_WEIGHTS)  # type: ignore[arg-type]
    assert p < CALIBRATED_VETO
    assert bands(wide(-0.25), 3, words=24) == ["possible", "weak"]  # type: ignore[arg-type]
