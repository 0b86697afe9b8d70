"""Everyday words as ranking hints (`search_index.everyday`): they reorder within a band."""

from __future__ import annotations

from types import SimpleNamespace

from search_index import CatalogueIndex, everyday
from search_index.analysis import stem_word
from tests.search_index.conftest import make_doc


def test_the_lexicon_maps_everyday_words_to_administrative_terms():
    parsed = everyday.parse(
        "# comment\nSperrmüll: Sofa, Schrankwand, altes Sofa\nWinterdienst: Glatteis, Sofa\nkein Begriff\n"
    )
    assert parsed[stem_word("sofa")] == ("Sperrmüll", "Winterdienst")
    assert parsed[stem_word("schrankwand")] == ("Sperrmüll",)
    assert not any(" " in stem for stem in parsed)  # phrases are left out
    shipped = everyday.lexicon()
    assert len(shipped) > 500 and "Sperrmüll" in shipped[stem_word("matratze")]


def test_hints_reorder_results_within_their_band_only():
    def result(docnum, score):
        return SimpleNamespace(docnum=docnum, score=score)

    ranked = [result(1, 0.9), result(2, 0.5), result(3, 0.45), result(4, 0.3)]
    labels = ["strong", "weak", "weak", "weak"]
    hint = everyday.Hint("Sperrmüll", 1.0, frozenset({3, 4}))
    assert everyday.order(ranked, labels, [hint]) == [0, 2, 1, 3]  # 0.45 + 0.1 passes 0.5
    # a hinted result never rises above a better band
    assert everyday.order(ranked, ["possible", "weak", "weak", "weak"], [hint])[0] == 0
    many = [everyday.Hint(f"T{i}", 1.0, frozenset({4})) for i in range(5)]
    # five hints count as HINT_MAX: 0.3 + 0.2 ties with 0.5 (the earlier stays first), not 0.8
    assert everyday.order(ranked, labels, many) == [0, 1, 3, 2]


def test_a_story_in_everyday_words_lifts_the_service_it_describes(tmp_path, monkeypatch):
    # The e-mail never says "Sperrmüll"; "Telefon" and "Liste" are another solution's words.
    # Sofa, Matratze and Schrankwand point to Sperrmüll: the bulky-waste service moves up.
    docs = [
        make_doc(1, "Sperrmüll online anmelden", "Die Firma holt zum Termin ab."),
        make_doc(2, "Telefonanlage im Rathaus", "Neue Telefone und eine Liste für alle Ämter."),
        *[make_doc(10 + i, f"Vorhaben {i}", "Ein allgemeines Projekt.") for i in range(10)],
    ]
    need = (
        "Montags rufen Leute an, weil sie ihr altes Sofa, die Matratze oder die Schrankwand "
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
    assert [m.band for m in hinted] == [m.band for m in plain]  # the bands are the need's own
