"""Everyday words as ranking hints (`search_index.everyday`): they reorder the results below
"passt gut" and never make or unmake it."""

from __future__ import annotations

from types import SimpleNamespace

from search_index import CatalogueIndex, everyday
from search_index.analysis import stem_word
from tests.search_index.conftest import make_doc


def test_the_lexicon_maps_everyday_words_and_phrases_to_administrative_terms():
    parsed = everyday.parse(
        "# comment\nSperrmüll: Sofa, Schrankwand, Sofa muss weg\nWinterdienst: Glatteis, Sofa\n"
        "kein Begriff\nE-Akte: Akte verschwunden, von der Akte\n"
    )
    sofa = (stem_word("sofa"),)
    assert [term for term, _ in parsed[sofa]] == ["Sperrmüll", "Winterdienst"]
    assert parsed[(stem_word("akte"), stem_word("verschwunden"))] == (
        ("E-Akte", "Akte verschwunden"),
    )
    assert (stem_word("akte"),) not in parsed  # one content word of a phrase is no word alone
    shipped = everyday.lexicon()
    assert len(shipped) > 1000
    assert "Sperrmüll" in [term for term, _ in shipped[(stem_word("lattenrost"),)]]


def test_a_phrase_points_where_its_words_stand_together():
    from search_index.need_text import need_words

    text = "Bei uns ist die Akte verschwunden, und keiner weiß, wo die andere Akte ist."
    pointed = everyday._pointing(text, need_words(text))
    assert "Akte verschwunden" in pointed["E-Akte"][1]
    apart = "Die Akte liegt im Keller; verschwunden ist nur der Schlüssel."
    assert "E-Akte" not in everyday._pointing(apart, need_words(apart))


def test_hints_reorder_below_passt_gut_and_never_make_it():
    def result(docnum, score, coverage=0.1):
        return SimpleNamespace(
            docnum=docnum, score=score, coverage_all=coverage, sibling_bonus=0.0, meaning_bonus=0.0
        )

    ranked = [result(1, 0.9), result(2, 0.5), result(3, 0.45), result(4, 0.3)]
    hint = everyday.Hint("Sperrmüll", 1.0, frozenset({3, 4}))
    order, labels = everyday.order(ranked, ["strong", "weak", "weak", "weak"], [hint])
    assert order == [0, 2, 1, 3]  # 0.45 + 0.1 passes 0.5; "passt gut" keeps its place
    assert labels == ["strong", "weak", "weak", "weak"]
    # without "passt gut": the hinted result may come first, and "könnte passen" is read again
    # from the new order (close to the new best); bands never rise down the list
    ranked = [result(1, 0.6), result(2, 0.55)]
    order, labels = everyday.order(ranked, ["possible", "possible"], [hint])
    assert order == [0, 1] and labels == ["possible", "possible"]  # nothing hinted
    hinted = everyday.Hint("Sperrmüll", 1.0, frozenset({2}))
    ranked = [result(1, 0.6), result(2, 0.45)]
    order, labels = everyday.order(ranked, ["possible", "weak"], [hinted])
    # 0.45 + 0.1 stays below 0.6, but close to it now: "könnte passen"
    assert order == [0, 1] and labels == ["possible", "possible"]
    ranked = [result(1, 0.6), result(2, 0.55)]
    order, labels = everyday.order(ranked, ["possible", "possible"], [hinted])
    assert order == [1, 0] and labels == ["possible", "possible"]
    # five hints count as HINT_MAX: 0.3 + 0.2 ties with 0.5 (the earlier stays first), not 0.8
    ranked = [result(1, 0.9), result(2, 0.5), result(3, 0.45), result(4, 0.3)]
    many = [everyday.Hint(f"T{i}", 1.0, frozenset({4})) for i in range(5)]
    order, _ = everyday.order(ranked, ["strong", "weak", "weak", "weak"], many)
    assert order == [0, 1, 3, 2]
    # a hint on the "passt gut" result raises no bar for the others
    ranked = [result(1, 0.9), result(2, 0.75)]
    on_strong = everyday.Hint("Sperrmüll", 1.0, frozenset({1}))
    assert everyday.order(ranked, ["strong", "possible"], [on_strong]) == (
        [0, 1],
        ["strong", "possible"],
    )
    # with no hint at all the order and the bands are the bands' own
    plain = [result(1, 0.7, 0.5), result(2, 0.5), result(3, 0.2)]
    assert everyday.order(plain, ["possible", "weak", "weak"], []) == (
        [0, 1, 2],
        ["possible", "weak", "weak"],
    )


def test_a_story_in_everyday_words_lifts_the_service_it_describes(tmp_path, monkeypatch):
    # The e-mail never says "Sperrmüll"; "Telefon" and "Liste" are another solution's words.
    # Couch, Lattenrost and Kleiderschrank point to Sperrmüll: the bulky-waste service moves up.
    docs = [
        make_doc(1, "Sperrmüll online anmelden", "Die Firma holt zum Termin ab."),
        make_doc(2, "Telefonanlage im Rathaus", "Neue Telefone und eine Liste für alle Ämter."),
        *[make_doc(10 + i, f"Vorhaben {i}", "Ein allgemeines Projekt.") for i in range(10)],
    ]
    need = (
        "Montags rufen Leute an, weil sie ihre alte Couch, den Lattenrost oder den Kleiderschrank "
        "loswerden wollen. Ich schreibe alles in eine Liste am Telefon und schicke sie an die "
        "Firma, einen Termin gibt es nie."
    )
    with CatalogueIndex(tmp_path) as ix:
        ix.rebuild(docs)
        hinted = ix.match(need)
        monkeypatch.setattr(everyday, "W_HINT", 0.0)
        plain = ix.match(need)
    assert [m.solution_id for m in hinted][:2] == [1, 2]
    assert [m.solution_id for m in plain][:2] == [2, 1]  # without the hint
    # no "passt gut" from a hint; below it "könnte passen" is read from the new order
    assert "strong" not in {m.band for m in hinted} | {m.band for m in plain}
    assert [m.band for m in hinted][:2] == ["possible", "weak"]
    assert [m.band for m in plain][:2] == ["possible", "possible"]
    # the reason says which words pointed where
    assert (
        "Ihre Wörter »Couch«, »Lattenrost«, »Kleiderschrank« deuten auf »Sperrmüll«"
        in hinted[0].reasons
    )
    assert not any("deute" in r for r in hinted[1].reasons)
