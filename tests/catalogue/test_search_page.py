"""/suche without dead ends: notices for corrected and relaxed searches, "Meinten Sie …?" as a
link, "Bedarf beschreiben" with the text carried over on zero and weak results and on the start
page, folding facets, sorting without a button (script) and with one (noscript), and the Atom
feed of any search."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html import unescape

import pytest

from catalogue.models import Role
from catalogue.services import contributions
from catalogue.services import search as search_service
from catalogue.web import search as search_view
from tests.factories import LAGE, make_user, solution_input

ATOM = "{http://www.w3.org/2005/Atom}"


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_zero_results_lead_to_describing_the_need_with_the_text(client, demo):
    html = _html(client, "/suche?q=xyzxyz")
    assert "Zu „xyzxyz“ haben wir nichts gefunden." in html
    assert 'href="/bedarfe/beschreiben?vorlage=xyzxyz"' in html
    describe = _html(client, "/bedarfe/beschreiben?vorlage=xyzxyz")
    assert re.search(r"<textarea[^>]*>\s*xyzxyz</textarea>", describe)
    assert "Bitte korrigieren Sie" not in describe and "Vorschläge" not in describe


def test_any_word_fallback_is_said_and_offers_describing_the_need(client, demo):
    html = _html(client, "/suche?q=Mängelmelder+Kita")
    assert "Kein Eintrag enthält alle Wörter von „Mängelmelder Kita“." in html
    assert "zuerst die mit den meisten Wörtern, wobei seltene Wörter mehr zählen" in html
    assert "Nicht das Richtige dabei?" in html
    assert 'href="/bedarfe/beschreiben?vorlage=M%C3%A4ngelmelder+Kita"' in html


def test_a_word_the_catalogue_does_not_know_still_leaves_the_others_to_find(client, demo):
    # "Drohnenbefliegung" is in no entry: the results for "Friedhof", said as any-word matches,
    # instead of "nothing found"
    html = _html(client, "/suche?q=Friedhof+Drohnenbefliegung")
    assert "Kein Eintrag enthält alle Wörter von „Friedhof Drohnenbefliegung“." in html
    assert "Friedhof" in html[html.index("Kein Eintrag enthält") :]
    # a query the catalogue knows nothing of stays a zero result
    assert "Kein Eintrag enthält" not in _html(client, "/suche?q=Raumfahrtbeh%C3%B6rde+Marsmission")


def test_a_clear_result_has_no_notices(client, demo):
    html = _html(client, "/suche?q=Terminvergabe")
    assert "Kein Eintrag enthält" not in html and "keine genauen Treffer" not in html
    assert "Nicht das Richtige dabei?" not in html


@pytest.fixture
def flagged(monkeypatch):
    """The search engine's flags, set on a real outcome (the UI must say what happened)."""

    def install(**flags):
        real = search_service.search_catalogue

        def fake(**kwargs):
            return replace(real(**kwargs), **flags)

        monkeypatch.setattr(search_service, "search_catalogue", fake)

    return install


def test_corrected_spelling_and_suggestion_are_shown(client, demo, flagged):
    flagged(
        corrected=True,
        corrections={"terminvergabee": "terminvergabe"},
        suggestion="Termin",
        suggestion_total=35,
    )
    html = _html(client, "/suche?q=Terminvergabee&kreis=05774")
    assert "Für „Terminvergabee“ gab es keine genauen Treffer." in html
    assert (
        "Gezeigt werden Einträge mit Wörtern, die ähnlich geschrieben sind wie „terminvergabee“."
        in html
    )
    # The suggestion is a link that keeps the filters.
    assert re.search(r'Meinten Sie <a class="kern-link" href="/suche\?[^"]*q=Termin[^"]*">', html)
    assert "kreis=05774" in re.search(r'Meinten Sie <a[^>]*href="([^"]+)"', html).group(1)
    assert "Nicht das Richtige dabei?" in html  # corrected results count as weak
    assert "(35 Treffer)" not in html  # the count is without filters: not shown with them
    assert "„Termin“</a>? (35 Treffer)" in _html(client, "/suche?q=Terminvergabee")


def test_a_typo_shows_the_better_spellings_results_with_a_way_back(client, demo):
    # Close spellings of "Terminvergbe" find a few entries; "Terminvergabe" finds clearly
    # more: its results are shown at once, and what was typed stays one click away.
    html = _html(client, "/suche?q=Terminvergbe")
    assert "Gezeigt werden Ergebnisse für „Terminvergabe“." in html
    assert "Für „Terminvergbe“ gab es keine genauen Treffer." in html
    back = re.search(r'href="([^"]*wie_eingegeben=1[^"]*)">Stattdessen nach „Terminvergbe“', html)
    assert back and "q=Terminvergbe" in back.group(1)
    assert "Meinten Sie" not in html
    exact = _html(client, "/suche?q=Terminvergabe")
    shown = re.search(r"(\d+) Treffer", html).group(1)
    assert shown == re.search(r"(\d+) Treffer", exact).group(1)
    # the way back: the close spellings, with the better spelling offered
    typed = _html(client, back.group(1).replace("&amp;", "&"))
    assert "wie „terminvergbe“" in typed.lower() and "Meinten Sie" in typed
    assert int(re.search(r"(\d+) Treffer", typed).group(1)) < int(shown)


def test_broadened_compound_is_said(client, demo, flagged):
    flagged(broadened=True)
    html = _html(client, "/suche?q=Ratsinfosystem")
    assert "„Ratsinfosystem“ kommt im Katalog so nicht vor." in html


def test_weak_result_threshold(client, demo, monkeypatch):
    monkeypatch.setattr(search_view, "WEAK_TOTAL", 10_000)
    assert "Nicht das Richtige dabei?" in _html(client, "/suche?q=Terminvergabe")


def test_start_page_offers_describing_a_need(client, municipalities):
    html = _html(client, "/")
    assert re.search(
        r'href="/bedarfe/beschreiben"><span class="kern-label">Bedarf beschreiben', html
    )


def test_facets_fold_and_sorting_works_with_and_without_script(client, demo):
    html = _html(client, "/suche?q=Terminvergabe&sortierung=newest")
    assert '<details class="app-facets">' in html and "<summary" in html
    # Results follow the one-line filter toggle, not 40 checkboxes.
    assert html.index("</details>") < html.index('id="results-title"')
    assert re.search(r'<select[^>]*name="sortierung"[^>]*data-autosubmit', html)
    assert '<option value="newest" selected>' in html
    assert re.search(r"<noscript><button[^>]*>.*Sortierung anwenden.*</button></noscript>", html)
    assert '<script src="/static/search.js" defer></script>' in html
    assert "<script>" not in html  # no inline script (CSP)
    script = client.get("/static/search.js")
    assert script.status_code == 200 and "form.submit()" in script.get_data(as_text=True)
    script.close()


def test_search_links_its_feed_and_the_subscription(client, demo):
    html = _html(client, "/suche?q=Terminvergabe&kreis=05774&sortierung=newest")
    assert 'href="/suche/abonnieren?q=Terminvergabe&kreis=05774"' in html
    assert "Diese Suche abonnieren</a> (E-Mail bei neuen Lösungen, nach Anmeldung)" in html
    assert 'href="/suche/feed.atom?q=Terminvergabe&kreis=05774"' in html


def _feed(client, query: str) -> ET.Element:
    response = client.get("/suche/feed.atom" + query)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def test_feed_of_a_search_lists_its_newest_solutions(app, client, demo):
    feed = _feed(client, "?q=Terminvergabe")
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    outcome = search_service.search_catalogue(
        actor=None, text="Terminvergabe", filters={"kind": ["solution"]}, sort="newest", per_page=30
    )
    assert titles == [i.solution.title for i in outcome.items]
    assert titles and "Terminvergabe" in feed.findtext(f"{ATOM}title")
    base = app.config["BASE_URL"].rstrip("/")
    self_link = [x for x in feed.findall(f"{ATOM}link") if x.get("rel") == "self"][0]
    assert self_link.get("href") == f"{base}/suche/feed.atom?q=Terminvergabe"
    filtered = _feed(client, "?q=Terminvergabe&kreis=05774")
    assert len(filtered.findall(f"{ATOM}entry")) < len(titles)
    # Any-word matches are not what the feed's reader asked for.
    assert _feed(client, "?q=Mängelmelder+Kita").findall(f"{ATOM}entry") == []


def test_feed_of_a_search_shows_only_published_solutions(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")
    contributions.create_solution(actor=author, data=solution_input(title="Digitale Akte"))
    assert _feed(client, "?q=Akte").findall(f"{ATOM}entry") == []


def test_url_for_keywords_in_the_address_bar_are_ignored(client, demo):
    # "_anchor", "_method" … are url_for's own keywords: links built from the query must not
    # pass them on (that was an error page)
    for path in (
        "/suche?kategorie=bauen-wohnen&_anchor=x",
        "/suche?q=Termin&_method=POST",
        "/suche/feed.atom?q=Termin&_external=1",
        "/suche/abonnieren?q=Termin&_scheme=javascript",
    ):
        response = client.get(path)
        assert response.status_code in (200, 302), path
        assert "_anchor" not in response.get_data(as_text=True)


def test_a_kreis_is_understood_by_either_code_on_the_search_and_the_list(client, demo):
    # the list of solutions names a Kreis by its AGS (05766000), the search facet by its key
    # (05766); links between the pages and feeds use either
    short, long = _html(client, "/suche?kreis=05766"), _html(client, "/suche?kreis=05766000")
    assert "Treffer" in short and short.count('class="app-result') == long.count(
        'class="app-result'
    )
    listed = client.get("/loesungen?kreis=05766")
    assert listed.status_code == 200
    assert listed.text.count("/loesungen/") == client.get("/loesungen?kreis=05766000").text.count(
        "/loesungen/"
    )
    assert client.get("/loesungen/feed.atom?kreis=05766").status_code == 200
