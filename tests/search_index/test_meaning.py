"""The meaning signal of need matching: stored sentence embeddings order the results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search_index import (
    CatalogueIndex,
    embedding,
    embedding_store,
    match_feedback,
    match_things,
    matching,
)
from search_index.analysis import stem_word
from search_index.embedding_store import EmbeddingStore
from search_index.match_bands import own_score
from search_index.need_concepts import need_concepts
from tests.search_index.conftest import make_doc

# Two solutions with the same title and the same words the need shares with them ("Wege",
# "Stadtpark"): by their words alone they tie, and the tie goes to the lower id.
PARK = [
    make_doc(
        1,
        "Wege im Stadtpark",
        "Neue Laternen mit sparsamen Leuchten.",
        "Die Stadt hat die Beleuchtung der Wege erneuert.",
    ),
    make_doc(
        2,
        "Wege im Stadtpark",
        "Spender für Kotbeutel und Hinweisschilder.",
        "Die Stadt hat gegen Hundekot an den Wegen Beutelspender aufgestellt.",
    ),
    make_doc(3, "Spielplatzprüfung per Tablet", "Prüfprotokolle digital.", "Mängel vor Ort."),
]
NEED = "Überall Hundehaufen auf den Wegen im Stadtpark, was hilft?"


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts `embedding.encode` is asked for from here on (it still encodes them)."""
    texts: list[str] = []
    real = embedding.encode
    monkeypatch.setattr(embedding, "encode", lambda batch: texts.extend(batch) or real(batch))
    return texts


@pytest.fixture
def park(tmp_path: Path):
    ix = CatalogueIndex(tmp_path / "ix")
    ix.rebuild(PARK, total=len(PARK))
    yield ix
    ix.close()


def test_every_document_is_stored_with_its_sentence_embedding(park: CatalogueIndex) -> None:
    vectors = park.context().embedding_rows([0, 1, 2])
    assert vectors.shape == (3, embedding.DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=0.01)


def test_an_update_embeds_the_new_text(park: CatalogueIndex) -> None:
    before = park.context().embedding_rows([0, 1, 2])
    changed = make_doc(3, "Kita-Anmeldung online", "Eltern melden ihr Kind an.", "Ein Portal.")
    park.apply([changed], [])
    ctx = park.context()
    [after] = ctx.embedding_rows([ctx.docnum_for("solution:3")])
    assert float(after @ before[2]) < 0.9  # another text, another vector
    assert float(np.linalg.norm(after)) == pytest.approx(1.0, abs=0.01)


def test_the_solution_closest_in_meaning_wins_a_tie_of_shared_words(
    park: CatalogueIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert [m.solution_id for m in park.match(NEED, limit=2)] == [2, 1]
    monkeypatch.setattr(matching, "W_MEANING", 0.0)
    assert [m.solution_id for m in park.match(NEED, limit=2)] == [1, 2]


def test_closeness_in_meaning_orders_but_never_changes_how_well_a_result_fits(
    park: CatalogueIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = park.context()
    with_meaning, _ = matching.rank_candidates(ctx, NEED)
    monkeypatch.setattr(matching, "W_MEANING", 0.0)
    without, _ = matching.rank_candidates(ctx, NEED)
    own = {c.solution_id: own_score(c) for c in without}
    assert all(c.meaning_bonus > 0 for c in with_meaning)
    assert {c.solution_id: own_score(c) for c in with_meaning} == pytest.approx(own)
    bands = {m.solution_id: m.band for m in park.match(NEED)}
    monkeypatch.setattr(matching, "W_MEANING", 0.5)
    assert {m.solution_id: m.band for m in park.match(NEED)} == bands


def test_an_index_built_without_embeddings_matches_by_words_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        EmbeddingStore, "vectors", lambda self, texts, used=None: [b""] * len(texts)
    )
    ix = CatalogueIndex(tmp_path / "old")
    try:
        ix.rebuild(PARK, total=len(PARK))
        assert not ix.context().embedding_rows([0, 1, 2]).any()
        assert [m.solution_id for m in ix.match(NEED, limit=2)] == [1, 2]
    finally:
        ix.close()


def test_a_rebuild_encodes_only_texts_it_has_not_embedded_before(
    park: CatalogueIndex, encoded: list[str]
) -> None:
    before = park.context().embedding_rows([0, 1, 2])
    park.rebuild(PARK, total=len(PARK))
    assert encoded == []  # an unchanged catalogue: every vector comes from the store
    assert np.array_equal(park.context().embedding_rows([0, 1, 2]), before)
    edited = make_doc(3, "Spielplatzprüfung per App", "Prüfprotokolle digital.", "Mängel vor Ort.")
    park.rebuild([*PARK[:2], edited], total=3)
    assert len(encoded) == 1 and "per App" in encoded[0]
    store = EmbeddingStore(park.root / embedding_store.FILE)
    assert store.count() == 3  # the old text's vector went with the complete rebuild


def test_an_unreadable_store_costs_time_not_results(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "ix"
    root.mkdir()
    (root / embedding_store.FILE).write_bytes(b"not a database" * 100)
    ix = CatalogueIndex(root)
    try:
        ix.rebuild(PARK, total=len(PARK))
        assert np.allclose(
            np.linalg.norm(ix.context().embedding_rows([0, 1, 2]), axis=1), 1.0, atol=0.01
        )
        assert [m.solution_id for m in ix.match(NEED, limit=2)] == [2, 1]
    finally:
        ix.close()
    assert "embedding store" in caplog.text


def test_the_best_result_leads_in_meaning_over_its_rivals_whatever_the_limit(
    park: CatalogueIndex,
) -> None:
    ctx = park.context()
    ranked, _ = matching.rank_candidates(ctx, NEED)
    cosine = {c.solution_id: c.meaning_bonus / matching.W_MEANING for c in ranked}
    best = ranked[0]
    rivals = max(v for sid, v in cosine.items() if sid != best.solution_id)
    assert best.meaning_lead == pytest.approx(cosine[best.solution_id] - rivals)
    assert all(c.meaning_lead == 0.0 for c in ranked[1:])  # read of the best result only
    [alone], _ = matching.rank_candidates(ctx, NEED, limit=1)
    assert alone.meaning_lead == pytest.approx(best.meaning_lead)


# An e-mail about dog waste with a side topic: by its shared words ("Wege", "Stadtpark") both
# solutions of the park tie; what the e-mail asks about decides.
EMAIL_WITH_SIDE_TOPIC = (
    "Liebes DigitalBüro, überall liegen Hundehaufen auf den Wegen im Stadtpark, was hilft "
    "dagegen? Nebenbei: Unser Kopierer ist kaputt. Das klären wir mit den Stadtwerken. "
    "Viele Grüße, Sandra Kemper"
)


def test_the_meaning_of_an_email_is_read_without_greeting_sign_off_and_side_topic(
    park: CatalogueIndex, encoded: list[str]
) -> None:
    matches = park.match(EMAIL_WITH_SIDE_TOPIC, limit=2)
    [read] = encoded
    assert "Hundehaufen" in read
    assert not {"DigitalBüro,", "Kopierer", "Stadtwerken.", "Grüße,", "Kemper"} & set(read.split())
    assert [m.solution_id for m in matches] == [2, 1]


def test_a_need_in_lower_case_is_read_with_the_catalogues_nouns_capitalised(
    park: CatalogueIndex, encoded: list[str]
) -> None:
    # the sentence encoder learnt German from texts that capitalise nouns: "hundekot" and
    # "stadtpark" are written as the catalogue writes them; the verb, the word the catalogue
    # does not know and the preposition "wegen" stay as typed
    matches = park.match(
        "überall hundekot und haufen an den wegen im stadtpark, was hilft?", limit=2
    )
    [read] = encoded
    assert "Hundekot" in read.split()
    assert "Stadtpark," in read.split()
    assert {"hilft?", "haufen", "wegen"} <= set(read.split())
    assert [m.solution_id for m in matches] == [2, 1]


def test_a_lower_case_need_with_abbreviations_is_still_read_with_the_catalogues_nouns(
    park: CatalogueIndex, encoded: list[str]
) -> None:
    # "OA" and "WE" are written as abbreviations are, not as nouns: the need is still typed in
    # lower case, and its nouns are written as the catalogue writes them
    park.match("OA meckert, jedes WE hundekot im stadtpark", limit=2)
    [read] = encoded
    assert {"OA", "WE", "Hundekot", "Stadtpark"} <= set(read.replace(",", "").split())


def test_a_need_that_capitalises_is_read_as_written(
    park: CatalogueIndex, encoded: list[str]
) -> None:
    park.match(NEED, limit=2)
    assert encoded == [NEED]


def test_a_lower_case_description_after_a_properly_typed_title_is_read_with_the_catalogues_nouns(
    park: CatalogueIndex, encoded: list[str]
) -> None:
    # the app matches a saved need as "title. description"
    park.match("Hundekot im Park. überall hundekot an den wegen im stadtpark", limit=2)
    [read] = encoded
    assert read.startswith("Hundekot im Park.")
    assert {"Hundekot", "Stadtpark"} <= set(read.split()[3:])


def test_only_the_words_of_lower_case_sentences_are_looked_up_in_the_catalogue(
    park: CatalogueIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a sentence piece without lower-case words ("z. B." splits "B. Beutelspender.") says
    # nothing about casing; a lower-case sentence's nouns are looked up, and only they
    looked_up: list[str] = []
    real = match_things._casing
    monkeypatch.setattr(
        match_things,
        "_casing",
        lambda ctx, sc: looked_up.append(sc.concept.stem) or real(ctx, sc),
    )
    ctx = park.context()
    cased = "Hundekot auf den Wegen im Stadtpark, z. B. Beutelspender."
    concepts, _ = need_concepts(ctx, cased, len(ctx.live_docs()))
    assert match_things.catalogue_cased(ctx, cased, concepts) == cased
    assert looked_up == []
    text = "Beutelspender im Stadtpark? überall hundekot"
    concepts, _ = need_concepts(ctx, text, len(ctx.live_docs()))
    assert match_things.catalogue_cased(ctx, text, concepts) == (
        "Beutelspender im Stadtpark? überall Hundekot"
    )
    assert looked_up == [stem_word("hundekot")]


# A street-damage app, the same service in other words, an events app sharing "App" and
# "melden", and a playground inspection sharing no subject.
REPORTING = [
    make_doc(
        1,
        "Schäden im Straßenraum per App melden",
        "Bürger melden Schlaglöcher und defekte Laternen mit Foto und Standort.",
        "Die Meldungen landen direkt beim Bauhof, der sie abarbeitet.",
    ),
    make_doc(
        2,
        "Hinweisportal für Bürgeranliegen",
        "Einwohner geben Hinweise auf kaputte Gehwege und Straßenbeleuchtung an die Verwaltung.",
        "Der Bauhof sieht die Hinweise auf einer Karte und meldet zurück, wann repariert wird.",
    ),
    make_doc(
        3,
        "App für Veranstaltungen",
        "Die App zeigt Termine und Feste der Stadt.",
        "Bürger melden sich per App für Stadtführungen an.",
    ),
    make_doc(4, "Spielplatzprüfung per Tablet", "Prüfprotokolle digital.", "Mängel vor Ort."),
]


def test_below_passt_gut_a_result_close_in_meaning_to_the_best_moves_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the hint portal shares no word with the need but says what the best result says: it
    # moves above the playground inspection; the best result keeps its place and band
    ix = CatalogueIndex(tmp_path / "ix")
    ix.rebuild(REPORTING, total=len(REPORTING))
    try:
        with_kin = ix.match("Schlaglöcher per App melden", limit=4)
        monkeypatch.setattr(match_feedback, "W_KIN_MEANING", 0.0)
        without = ix.match("Schlaglöcher per App melden", limit=4)
    finally:
        ix.close()
    assert [m.solution_id for m in without] == [1, 3, 4, 2]
    assert [m.solution_id for m in with_kin] == [1, 3, 2, 4]
    assert [m.band for m in with_kin] == [m.band for m in without]
    assert with_kin[0].band == "strong"
