"""Reading need texts: salutations and sign-offs, side topics, filler words, word classes."""

from __future__ import annotations

from search_index.need_text import (
    LOWERCASE_WEIGHT,
    SIDE_TOPIC_WEIGHT,
    capitalised,
    core_text,
    is_filler,
    mixes_case,
    need_words,
    sentences,
    typed_in_lower_case,
)

EMAIL = (
    "Liebes DigitalBüro, ich arbeite im Bürgerbüro der Stadt. Bei uns warten die Leute "
    "stundenlang im Flur, weil niemand weiß, wann er dran ist. Nebenbei: Unser Kopierer ist "
    "kaputt. Das stört sehr. Wir suchen eine Lösung für das Warten. Viele Grüße, Sandra Kemper"
)


def test_salutation_is_cut_off_and_sign_off_counts_nothing():
    parts = sentences(EMAIL)
    assert parts[0][0].strip() == "ich arbeite im Bürgerbüro der Stadt."
    assert parts[0][1] == 1.0
    assert parts[-1][0].strip().startswith("Viele Grüße") and parts[-1][1] == 0.0
    words = {w.surface for w in need_words(EMAIL)}
    assert "Bürgerbüro" in words
    assert not {"Liebes", "DigitalBüro", "Grüße", "Sandra", "Kemper"} & words


def test_side_topic_and_the_sentence_after_it_weigh_less():
    weights = {w.surface: w.weight for w in need_words(EMAIL)}
    assert weights["Kopierer"] == SIDE_TOPIC_WEIGHT
    assert weights["stört"] == SIDE_TOPIC_WEIGHT * LOWERCASE_WEIGHT
    assert weights["Flur"] == 1.0
    # "warten" (verb, first) and "Warten" (noun, after the side topic): one word, strongest weight
    assert weights["warten"] == 1.0


def test_filler_words_are_dropped_and_lower_case_words_weigh_less():
    words = {w.surface: w.weight for w in need_words(EMAIL)}
    for filler in ("Leute", "niemand", "Lösung", "suchen", "Unser"):
        assert is_filler(filler)
        assert filler not in words
    assert words["stundenlang"] == LOWERCASE_WEIGHT
    assert not is_filler("Bürgerbüro") and not is_filler("Kita")
    # an all lower-case keyword query: no word is taken for a verb
    assert {w.weight for w in need_words("kita anmeldung online warteliste eltern")} == {1.0}


def test_abbreviations_say_nothing_of_a_lower_case_needs_word_classes():
    # a chat message keeps "DSB", "WE" and "KI-bot" as written; its other words are still typed
    # in lower case, so none of them is taken for a verb beside a capitalised noun
    need = "DSB hat gemeckert, am WE guckt keiner in die logs. brauchen n KI-bot fürs postfach"
    assert typed_in_lower_case(need) and not mixes_case(need)
    assert {w.weight for w in need_words(need)} == {1.0}
    assert not any(capitalised(w) for w in ("DSB", "KI-bot", "BuT", "EfA", "logs"))
    assert all(capitalised(w) for w in ("Dach", "Kita-Navigator", "E-Akte", "Öl"))
    assert mixes_case("Hundesteuer online anmelden") and mixes_case("Logs vom WE prüfen")


def test_contractions_quantifiers_and_intensifiers_name_no_topic():
    # "aufs Amt latschen", "fürn Vorsitz", "unsre Bibo", "verschiedene Tonersorten", "mega genervt":
    # closed classes of general German; "aufs" in a title ("… kommen aufs Tablet") had been a reason
    need = (
        "unsre leute wollen sowas aufs handy, fürn antrag ausm netz, verschiedene formulare, mega"
    )
    words = {w.surface.lower() for w in need_words(need)}
    assert {"handy", "antrag", "netz", "formulare"} <= words
    assert not {"unsre", "sowas", "aufs", "fürn", "ausm", "verschiedene", "mega"} & words
    # "unters"/"hinters" would stem like "untere" (untere Bauaufsicht), so they stay words
    assert not is_filler("untere") and not is_filler("unters")


def test_spoken_verb_forms_and_chat_particles_name_no_topic():
    need = "ja lol, gabs das nich mal? unsre leute könn die ausweise gar nich online beantragen"
    words = {w.surface.lower() for w in need_words(need)}
    assert {"ausweise", "online", "beantragen"} <= words
    assert not {"ja", "lol", "gabs", "könn", "gar"} & words
    # "wärn" (wären) would stem like "warnen" (Warn-App): it stays a word
    assert not is_filler("warnen") and not is_filler("Warnung")


def test_number_words_name_no_topic():
    words = {
        w.surface for w in need_words("Drei Kommunen teilen sich zwei Stellen; Dutzende Anrufe.")
    }
    assert {"Kommunen", "Stellen", "Anrufe"} <= words
    assert not {"Drei", "zwei", "Dutzende"} & words
    # compounds with a number are words of their own
    assert "Zweitwohnungsteuer" in {w.surface for w in need_words("Die Zweitwohnungsteuer")}


def test_words_that_only_begin_like_a_greeting_are_kept():
    for text in (
        "Grußkarten für Jubilare automatisch erstellen",
        "Lieferdienst für Essen auf Rädern",
        "Hilfe bei der Danksagung",
    ):
        assert [w for _, w in sentences(text)] == [1.0]
    assert sentences("Danke!")[0][1] == 0.0
    assert sentences("Gruß, Thomas")[0][1] == 0.0


def test_suspended_hyphens_are_completed_with_the_last_words_head():
    from search_index.need_text import complete_ellipses

    known = {"verträgen", "kosten", "wahl", "sagen"}.__contains__
    assert complete_ellipses("Wartungs- und Lizenzverträgen", known) == (
        "Wartungsverträgen und Lizenzverträgen"
    )
    assert complete_ellipses("Strom-, Gas- und Heizkosten", known) == (
        "Stromkosten, Gaskosten und Heizkosten"
    )
    assert complete_ellipses("Zu- oder Absagen", known) == "Zusagen oder Absagen"
    # a head the catalogue does not know leaves the text as it is
    assert complete_ellipses("Bau- und Planungsvorhaben", known) == "Bau- und Planungsvorhaben"


def test_a_clause_saying_what_the_need_is_not_about_counts_nothing():
    text = (
        "Allgemeine Fragen beantwortet unsere Website schon gut, darum geht es nicht – es geht "
        "um den Bearbeitungsstand der Bauanträge. Das ist aber nicht das Problem: die Akten "
        "liegen im Keller."
    )
    parts = sentences(text)
    assert [w for _, w in parts] == [0.0, 1.0, 0.0, 1.0]
    assert parts[1][0].strip().startswith("es geht um den Bearbeitungsstand")
    words = {w.surface for w in need_words(text)}
    assert "Bearbeitungsstand" in words and "Keller" in words
    assert not {"Website", "Fragen", "Allgemeine"} & words


def test_a_side_topic_opened_after_a_conjunction_weighs_less():
    text = (
        "Die Alarmierung der Feuerwehr erreicht tagsüber zu wenige Leute. Und ein ganz anderes "
        "Thema: Wie bereitet ihr euch auf einen Blackout vor? Aber übrigens: Danke für alles."
    )
    assert [w for _, w in sentences(text)] == [1.0, SIDE_TOPIC_WEIGHT, SIDE_TOPIC_WEIGHT]


def test_a_sentence_that_says_uebrigens_inside_is_an_aside():
    text = (
        "Bei gefährlichen Hunden prüfen wir Sachkundenachweise auf Papier. "
        "Die Hundesteuer läuft bei uns übrigens schon digital. "
        "Gibt es dafür ein Online-Verfahren?"
    )
    assert [w for _, w in sentences(text)] == [1.0, SIDE_TOPIC_WEIGHT, 1.0]
    weights = {w.surface: w.weight for w in need_words(text)}
    assert weights["Hundesteuer"] == SIDE_TOPIC_WEIGHT
    assert weights["Sachkundenachweise"] == 1.0
    # a word that only begins like it is no aside
    assert [w for _, w in sentences("Die übrigen Anträge kommen per Post.")] == [1.0]


def test_what_a_need_says_it_is_not_about_counts_nothing_in_its_other_forms():
    text = (
        "In der Innenstadt verkoten Tauben den Marktplatz. "
        "Die Marktbeschicker beschweren sich auch, aber Standplätze sind nicht das Thema. "
        "Beschwerden über die Kirmes sind dabei nicht gemeint, die bearbeiten wir wie gehabt. "
        "Eine neue Software suchen wir nicht, es geht um betreute Taubenschläge. "
        "Bei uns geht es nicht um die Reinigung der Plätze, das zahlt der Bauhof. "
        "Mit den Nachbarn teilen wir uns schon eine Kehrmaschine, das läuft gut. "
        "Die Sache mit dem Wochenmarkt klären wir separat mit dem Ordnungsamt."
    )
    words = {w.surface for w in need_words(text)}
    assert {"Tauben", "Marktplatz", "Taubenschläge", "Bauhof"} <= words
    assert not {"Marktbeschicker", "Standplätze", "Kirmes", "Software", "Reinigung"} & words
    assert not {"Kehrmaschine", "Nachbarn", "Wochenmarkt"} & words
    # a complaint, an intention or a story is no dismissal
    complaint = {w.surface for w in need_words("Mit den Wartezeiten geht es so nicht weiter.")}
    assert "Wartezeiten" in complaint
    assert "Hilfe" in {w.surface for w in need_words("Ohne Hilfe vom Kreis geht es nicht.")}
    kept = {
        w.surface
        for w in need_words(
            "Den Melder wollen wir aber nicht abschaffen. "
            "Das neue Verfahren läuft gut an, nur die Kasse fehlt. "
            "Die Ablage machen wir selbst noch auf Papier."
        )
    }
    assert {"Melder", "Verfahren", "Kasse", "Ablage"} <= kept


def test_a_clause_that_calls_something_another_subject_dismisses_it():
    text = (
        "Unsere Grabstellen stehen auf Karteikarten. "
        "Die Gebührensatzung wird gerade neu kalkuliert, das ist ein separates Thema. "
        "Die Homepage ist auch alt, aber das ist wohl eine andere Baustelle. "
        "Um die Wärme geht es hier nicht, das Nahwärmenetz ist ein anderes Thema."
    )
    words = {w.surface for w in need_words(text)}
    assert {"Grabstellen", "Karteikarten"} <= words
    assert not {"Gebührensatzung", "Homepage", "Nahwärmenetz"} & words
    left_out = need_words(
        "Den Weihnachtsmarkt lassen wir erst einmal außen vor. "
        "Die Sanierung des Schulhofs läuft parallel, dabei brauchen wir keine Hilfe. "
        "Wir wollen verteilen, ohne dass Ältere ohne Internet außen vor bleiben."
    )
    assert not {"Weihnachtsmarkt", "Sanierung", "Schulhofs"} & {w.surface for w in left_out}
    assert {"Ältere", "Internet"} <= {w.surface for w in left_out}  # a concern, no dismissal
    # a further subject is introduced, not dismissed
    further = need_words("Das ist ein weiteres Thema: die Friedhofssoftware.")
    assert "Friedhofssoftware" in {w.surface for w in further}


def test_a_forwarding_note_routes_the_message_and_names_no_topic():
    text = (
        "Guten Morgen, weitergeleitet vom Bürgerbüro: Eine Mieterin meldet Schimmel.\n"
        "Viele Grüße\nH. Mertens\n\n"
        "[weitergeleitet von der Zentrale an Straßenverkehr mit der Bitte um Prüfung]"
    )
    words = {w.surface for w in need_words(text)}
    assert {"Mieterin", "Schimmel"} <= words
    assert not {"Bürgerbüro", "Zentrale", "Straßenverkehr", "Prüfung"} & words
    # a sentence that only begins with the word is no forwarding note
    passive = need_words("Weitergeleitet werden die Anträge an das Bauamt.")
    assert {"Anträge", "Bauamt"} <= {w.surface for w in passive}


def test_the_signature_under_a_sign_off_counts_like_a_side_topic():
    text = (
        "Wir suchen Beispiele für eine Städtepartnerschaft mit Schulklassen.\n\n"
        "Viele Grüße\nSandra Klein, Büro des Bürgermeisters\nTelefon 05264 123\n\n"
        "Eine Frage noch: Hat jemand Erfahrung mit Fördermitteln für Begegnungen?"
    )
    weights = [(s.strip(), w) for s, w in sentences(text)]
    assert ("Sandra Klein, Büro des Bürgermeisters", SIDE_TOPIC_WEIGHT) in weights
    assert ("Telefon 05264 123", SIDE_TOPIC_WEIGHT) in weights
    # a question after the signature is the need again
    assert weights[-1][1] == 1.0
    # without a sign-off, a short last line is part of the need
    assert sentences("Wir suchen eine Lösung.\nBüro des Bürgermeisters")[-1][1] == 1.0


def test_the_core_text_keeps_what_the_need_asks_and_falls_back_to_the_whole_text():
    core = core_text(EMAIL)
    assert "stundenlang im Flur" in core and "Lösung für das Warten" in core
    assert not {"DigitalBüro,", "Kopierer", "stört", "Grüße,", "Kemper"} & set(core.split())
    assert core_text("Viele Grüße") == "Viele Grüße"  # nothing of full weight: the whole text
    assert core_text("kita anmeldung online") == "kita anmeldung online"


def test_a_clause_saying_what_the_writer_already_has_counts_like_a_side_topic():
    text = "ratsinfo + tablets ham wir schon, tippen uns trotzdem die finger wund"
    assert [w for _, w in sentences(text)] == [SIDE_TOPIC_WEIGHT, 1.0]
    text = (
        "Eine Dienstvereinbarung zur Zeiterfassung haben wir. Jetzt brauchen wir eine Regelung "
        "fürs Arbeiten von zu Hause."
    )
    weights = {w.surface: w.weight for w in need_words(text)}
    assert weights["Dienstvereinbarung"] == SIDE_TOPIC_WEIGHT
    assert weights["Regelung"] == 1.0
    parts = sentences("Wir haben seit Jahren eine Online-Terminvergabe, aber die Akten fehlen.")
    assert [w for _, w in parts] == [SIDE_TOPIC_WEIGHT, 1.0]
    assert "Online-Terminvergabe" in parts[0][0] and "Akten" in parts[1][0]


def test_a_question_a_trouble_or_something_done_is_no_clause_of_what_the_writer_has():
    for text in (
        "Wer sitzt drin, welche Formulare und Lagekarten nutzen wir, und wie üben wir das?",
        "Wir haben schon versucht, Pläne per E-Mail entgegenzunehmen.",
        "Wir haben schon zusätzliche Schilder aufgestellt, aber die Leute suchen trotzdem.",
        "Mit der Software haben wir seit Jahren Ärger.",
    ):
        assert all(w == 1.0 for _, w in sentences(text)), text
