"""Search: German matching, thesaurus, typos, filters, disjunctive facets, sorting, paging."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import datetime

import pytest

from search_index import CatalogueIndex, SearchRequest, Thesaurus
from tests.search_index.conftest import make_doc


def ids(ix: CatalogueIndex, text: str = "", **kw) -> list[str]:
    return [h.doc_id for h in ix.search(SearchRequest(text=text, per_page=50, **kw)).hits]


@pytest.mark.parametrize(
    "query", ["Onlineterminvergabe", "Online-Termin-Buchung", "Terminvergabe", "Terminbuchung"]
)
def test_appointment_compounds_find_each_other(catalogue, query):
    found = ids(catalogue, query)
    assert {"solution:1", "solution:2"} <= set(found)


def test_thesaurus_buergeramt_buergerbuero(catalogue):
    assert "solution:2" in ids(catalogue, "Bürgeramt")  # the document says Bürgerbüro
    assert "solution:1" in ids(catalogue, "Bürgerbüro")  # the document says Bürgeramt


def test_a_municipal_short_form_finds_its_full_form(catalogue):
    assert {"solution:1", "solution:2"} <= set(ids(catalogue, "EMA"))  # Einwohnermeldeamt


def test_kita_and_kindertagesstaette(catalogue):
    assert {"solution:3", "report:4"} <= set(ids(catalogue, "Kindertagesstätte"))
    assert "solution:3" in ids(catalogue, "Kindergarten")


def test_umlaut_and_sharp_s_variants(catalogue):
    assert ids(catalogue, "Buergeramt")[0] == "solution:1"
    assert "report:4" in ids(catalogue, "Strasse")
    assert ids(catalogue, "MÄNGELMELDER") == ids(catalogue, "Maengelmelder") == ["solution:7"]


def test_typo_gets_suggestion_or_fuzzy(catalogue):
    res = catalogue.search(SearchRequest(text="Sperrmuellabholungg"))
    assert res.fuzzy
    assert [h.doc_id for h in res.hits] == ["solution:6"]
    res = catalogue.search(SearchRequest(text="Ratsinformationsystem"))
    assert res.total >= 1 and (res.fuzzy or res.suggestion)
    res = catalogue.search(SearchRequest(text="Terminvergabee"))
    assert res.total >= 1
    assert res.suggestion == "Terminvergabe" or res.fuzzy  # keeps the typed capital


def test_suggestion_for_unknown_word(tmp_path):
    ix = CatalogueIndex(tmp_path)
    ix.apply([make_doc(1, "Wohngeldantrag digital", "Wohngeldantrag online stellen")], [])
    res = ix.search(SearchRequest(text="Wohngeldantrg digital"))
    assert res.suggestion == "Wohngeldantrag digital"


def test_and_semantics_and_or_fallback(catalogue):
    assert set(ids(catalogue, "Kita Navigator")) == {"solution:3", "report:4"}
    res = catalogue.search(SearchRequest(text="Kita Zulassungsstelle"))
    assert res.relaxed
    assert {"solution:3", "solution:5"} <= {h.doc_id for h in res.hits}


def _kita_catalogue(tmp_path) -> CatalogueIndex:
    ix = CatalogueIndex(tmp_path)
    ix.apply(
        [
            make_doc(1, "Kita-Navigator", "Eltern merken ihr Kind online für Kitas vor"),
            make_doc(2, "Online-Anmeldung für die OGS", "Eltern melden ihre Kinder online an"),
            make_doc(3, "Sperrmüll online anmelden", "Anmeldung der Abholung im Onlineformular"),
            make_doc(4, "Einführung der E-Akte", "Die elektronische Akte im Bauamt"),
            make_doc(5, "Dokumentenmanagement", "Eine E-Akte für alle Ämter"),
        ]
        + [make_doc(10 + i, f"Onlinedienst {i}", "Anmeldung online") for i in range(6)],
        [],
    )
    return ix


@pytest.mark.parametrize(
    "text", ["Kita Anmeldung online", "Kindertagesstätte Anmeldung online", "Kita-Anmeldung"]
)
def test_words_that_form_a_thesaurus_entry_are_one_concept(tmp_path, text):
    # "Kita Anmeldung" is the entry "Kita-Anmeldung" (group: Kita-Navigator, Kitaplatz …);
    # typed as separate words it must not demand "Anmeldung" on its own nor fall back to
    # any-word matching with the OGS and Sperrmüll registrations on top.
    res = _kita_catalogue(tmp_path).search(SearchRequest(text=text, per_page=20))
    assert not res.relaxed
    assert [h.doc_id for h in res.hits] == ["solution:1"]


def test_a_multi_word_entry_reaches_its_synonyms(tmp_path):
    found = ids(_kita_catalogue(tmp_path), "elektronische Akte")
    assert set(found) == {"solution:4", "solution:5"}  # 5 only says "E-Akte"


def test_any_word_fallback_ranks_the_rare_word_first(tmp_path):
    # Nothing has all four words; of the hits with two of them, the one with the rare word
    # ("Kita") covers more of what was meant than the many with the two common ones.
    res = _kita_catalogue(tmp_path).search(SearchRequest(text="Anmeldung online Kita Bauamt"))
    assert res.relaxed
    assert res.hits[0].doc_id == "solution:1"
    assert res.hits[0].coverage == 0.5  # shown as "2 of 4 words"


def test_quoted_phrase(catalogue):
    assert "solution:1" in ids(catalogue, '"Termine online"')
    assert "solution:2" not in ids(catalogue, '"Termine online"')


def test_highlights_are_escaped_and_marked(tmp_path):
    ix = CatalogueIndex(tmp_path)
    ix.apply(
        [
            make_doc(
                1, "Kita <script>alert(1)</script> & Anmeldung", body="Die Kita-Anmeldung " * 40
            )
        ],
        [],
    )
    (hit,) = ix.search(SearchRequest(text="Kita")).hits
    assert hit.highlights["title"].startswith("<mark>Kita</mark> &lt;script&gt;")
    assert "&amp;" in hit.highlights["title"]
    assert (
        "<mark>Kita-Anmeldung</mark>" in hit.highlights["body"]
        or "<mark>Kita</mark>" in hit.highlights["body"]
    )
    assert len(hit.highlights["body"]) < 600


def test_browse_all_sorted_newest(catalogue):
    res = catalogue.search(SearchRequest(text="", per_page=50))
    assert res.total == 8
    got = [h.doc_id for h in res.hits]
    assert got[0] == "solution:8"  # published 2020-01-09 is newest


def test_sort_most_reused(catalogue):
    got = ids(catalogue, "", sort="most_reused")
    assert got[:3] == ["solution:3", "solution:1", "solution:6"]


def test_filters_or_within_and_across(catalogue):
    assert set(ids(catalogue, "", filters={"kreis": ["05754"]})) == {
        "solution:1",
        "solution:3",
        "report:4",
    }
    assert set(ids(catalogue, "", filters={"kreis": ["05754", "05758"], "kind": ["solution"]})) == {
        "solution:1",
        "solution:3",
        "solution:6",
        "solution:7",
    }
    assert ids(catalogue, "Termin", filters={"category": ["mobilitaet"]}) == ["solution:5"]
    with pytest.raises(ValueError):
        catalogue.search(SearchRequest(filters={"title": ["x"]}))


def _brute_force(docs, filters, facet):
    counts = Counter()
    for d in docs:
        if all(getattr(d, k) in v for k, v in filters.items() if k != facet):
            if getattr(d, facet):
                counts[getattr(d, facet)] += 1
    return dict(counts)


def test_facets_match_brute_force(tmp_path):
    rng = random.Random(7)
    words = ["Termin", "Kita", "Abfall", "Parkplatz", "Schule"]
    docs = []
    for i in range(1, 91):
        docs.append(
            make_doc(
                i,
                f"{rng.choice(words)} {rng.choice(words)} Lösung",
                kind=rng.choice(["solution", "report"]),
                category=rng.choice(["a", "b", "c"]),
                kreis=rng.choice(["k1", "k2", "k3", "k4"]),
                status=rng.choice(["geplant", "im Betrieb", ""]),
            )
        )
    ix = CatalogueIndex(tmp_path)
    ix.rebuild(docs)
    facets = ("kind", "category", "kreis", "status")
    for text, filters in itertools.product(
        ["", "Kita", "Termin Schule"],
        [
            {},
            {"category": ["a"]},
            {"category": ["a", "b"], "kreis": ["k2"]},
            {"status": ["im Betrieb"], "kind": ["report"]},
        ],
    ):
        res = ix.search(
            SearchRequest(text=text, filters=filters, facet_fields=facets, per_page=100)
        )
        matching = [
            d for d in docs if not text or all(w.lower() in d.title.lower() for w in text.split())
        ]
        final = [d for d in matching if all(getattr(d, k) in v for k, v in filters.items())]
        assert res.total == len(final), (text, filters)
        assert {h.doc_id for h in res.hits} == {d.doc_id for d in final}
        for f in facets:
            assert res.facets[f] == _brute_force(matching, filters, f), (text, filters, f)


def test_pagination_is_stable_and_complete(tmp_path):
    ix = CatalogueIndex(tmp_path)
    ix.rebuild(
        [
            make_doc(i, f"Digitale Akte Nummer {i}", published=datetime(2021, 1, 1 + i))
            for i in range(1, 26)
        ]
    )
    pages = [ix.search(SearchRequest(text="Akte", page=p, per_page=10)) for p in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [10, 10, 5, 0]
    assert all(p.total == 25 for p in pages)
    seen = [h.doc_id for p in pages for h in p.hits]
    assert len(set(seen)) == 25
    newest = [
        h.doc_id for h in ix.search(SearchRequest(text="Akte", sort="newest", per_page=3)).hits
    ]
    assert newest == ["solution:25", "solution:24", "solution:23"]


def test_thesaurus_replaced_at_query_time(catalogue, tmp_path):
    ix = CatalogueIndex(
        tmp_path, thesaurus=Thesaurus.from_text("Rathausportal, Ratsinformationssystem\n")
    )
    ix.apply([make_doc(8, "Ratsinformationssystem mit App")], [])
    assert ids(ix, "Rathausportal") == ["solution:8"]
    ix.thesaurus = Thesaurus.from_text("")
    assert ids(ix, "Rathausportal") == []


def test_misspelt_thesaurus_word_reaches_synonyms(tmp_path):
    ix = CatalogueIndex(tmp_path)
    ix.apply([make_doc(1, "Kita-Navigator", "Plätze in der Kita online vormerken")], [])
    res = ix.search(SearchRequest(text="Kindertagesstäte"))
    assert [h.doc_id for h in res.hits] == ["solution:1"]
    assert res.fuzzy
    assert res.suggestion == "Kindertagesstätte"
