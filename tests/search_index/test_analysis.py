"""German analysis chain: hyphenated and joined compounds, folding, stop words, thesaurus."""

from __future__ import annotations

import pickle

from search_index.analysis import (
    Decompounder,
    analyze_query_words,
    analyze_terms,
    decompounder,
    german_analyzer,
    stem_word,
)
from search_index.thesaurus import Thesaurus


def test_hyphenated_compound_yields_parts_and_joined_forms():
    terms = analyze_terms("Online-Termin-Buchung")
    assert {"onlin", "termin", "buchung"} <= set(terms)
    assert "onlineterminbuch" in terms
    assert "terminbuch" in terms  # tail join meets "Terminbuchung"


def test_joined_compound_is_split_and_original_kept():
    terms = analyze_terms("Onlineterminvergabe")
    assert terms[0] == "onlineterminvergab"
    assert {"onlin", "termin", "vergab"} <= set(terms)


def test_compounds_meet_across_spellings():
    a = set(analyze_terms("Onlineterminvergabe"))
    b = set(analyze_terms("Online-Termin-Buchung"))
    c = set(analyze_terms("Terminvergabe"))
    assert {"onlin", "termin"} <= a & b
    assert {"termin", "vergab"} <= a & c


def test_linking_elements_and_nested_parts():
    dec = decompounder()
    assert dec.split("zulassungsstelle") == ("zulassung", "stelle")
    assert dec.split("anwohnerparkausweis") == ("anwohner", "park", "ausweis")
    assert set(dec.split("sperrmüllabholung")) >= {"sperrmüll", "müll", "abholung"}
    assert dec.split("verwaltung") == ()


def test_umlaut_sharp_s_and_transliteration_fold_together():
    assert analyze_terms("Straße") == analyze_terms("Strasse")
    assert analyze_terms("Bürgeramt")[0] == analyze_terms("Buergeramt")[0]
    assert analyze_terms("Anträge")[0] == analyze_terms("Antrag")[0]


def test_feminine_forms_stem_like_their_base():
    # Snowball stems "Bürgerinnen" like "Bürger" but "Kundinnen" as "kundinn": "Kundinnen und
    # Kunden" counted as two words of a need and met no document that wrote the other form
    for feminine, base in [
        ("kundinnen", "kunden"),
        ("kundin", "kunde"),
        ("ärztinnen", "ärzte"),
        ("seniorinnen", "senioren"),
        ("patientin", "patienten"),
        ("kolleginnen", "kollegen"),
        ("pädagoginnen", "pädagogen"),
        ("migrantinnen", "migranten"),
    ]:
        assert stem_word(feminine) == stem_word(base), feminine
    # the analyzer chain (updates, queries) stems as `stem_word` does, whichever runs first
    chain = [t.text for t in german_analyzer()("Pädagoginnen Migrantinnen")]
    assert chain[:2] == [stem_word("pädagogen"), stem_word("migranten")]
    # verbs in -innen and words in -in that are no feminine forms keep their stems
    assert stem_word("gewinnen") == "gewinn" and stem_word("beginnen") == "beginn"
    assert stem_word("zurückgewinnen") != stem_word("zurück")
    assert stem_word("termin") == "termin" and stem_word("medizin") == "medizin"


def test_stop_words_removed():
    assert analyze_terms("dass die Bürger bzw. sowie") == ["burg"]


def test_query_words_expose_parts():
    (word,) = analyze_query_words("Kitaplatzvergabe")
    assert word.stem == "kitaplatzvergab"
    assert word.parts == ("kita", "platz", "vergab")


def test_analyzer_pickles_without_dictionary():
    data = pickle.dumps(german_analyzer())
    assert len(data) < 5000  # the morpheme dictionary stays in the module registry
    clone = pickle.loads(data)
    assert [t.text for t in clone("Bürgerbüro")] == [
        t.text for t in german_analyzer()("Bürgerbüro")
    ]


def test_custom_decompounder_needs_full_decomposition():
    dec = Decompounder(["haus", "tür", "schlüssel"])
    assert dec.split("haustürschlüssel") == ("haus", "tür", "schlüssel")
    assert dec.split("haustürklinke") == ()


def test_thesaurus_round_trip_and_expand():
    th = Thesaurus.from_text(
        "# Kommentar\nBürgerbüro, Bürgeramt, Bürgerservice\nKita, Kindertagesstätte\n"
    )
    assert len(th.groups) == 2
    assert Thesaurus.from_text(th.to_text()).groups == th.groups
    expanded = dict(th.expand("burgeramt"))
    assert expanded["burgeramt"] == 1.0
    assert "burgerburo" in expanded and "burgerservic" in expanded
    assert dict(th.expand("kita"))["kindertagesstatt"] < 1.0
    assert th.expand("unbekannt") == [("unbekannt", 1.0)]


def test_default_thesaurus_is_substantial():
    th = Thesaurus.default()
    assert 100 <= len(th.groups) <= 1500
    assert "kindertagesstatt" in dict(th.expand("kita"))
    assert "kraftfahrzeug" in dict(th.expand("kfz"))
    assert "ratsinformationssystem" in dict(th.expand("ris"))

    # twenty-ninth round: short forms and loanwords joined the groups of their standard term
    def key(word: str) -> str:
        return analyze_query_words(word)[0].stem

    assert key("Kita") in dict(th.expand(key("Kiga")))
    assert key("Bibliothek") in dict(th.expand(key("Bibo")))
    assert key("Passwort") in dict(th.expand(key("PW")))


def test_default_thesaurus_knows_municipal_short_forms_but_not_ambiguous_ones():
    """Thirty-third round: short forms written from general knowledge joined the groups of
    their full form; ones with two municipal meanings or that are everyday words did not."""
    th = Thesaurus.default()

    def key(word: str) -> str:
        return " ".join(w.stem for w in analyze_query_words(word))

    assert key("Einwohnermeldeamt") in dict(th.expand(key("EMA")))
    assert key("Bürgerbüro") in dict(th.expand(key("EMA")))  # the full form's whole group
    assert key("Bibliothek") in dict(th.expand(key("Bib")))
    assert key("Gefährdungsbeurteilung") in dict(th.expand(key("GBU")))
    assert key("Informationssicherheitsbeauftragter") in dict(th.expand(key("ISB")))
    for word in ("ja", "da", "ob", "mag", "lob", "top", "gym"):
        assert th.expand(key(word)) == [(key(word), 1.0)], word
