"""Search in the running app over the demo catalogue (issue acceptance queries), the /suche
page with facets and filters, and zero-result demand signals."""

import pytest
import sqlalchemy as sa

from catalogue.db import db
from catalogue.models import ZeroResultQuery
from catalogue.services import search


def _titles(text: str, **kwargs) -> list[str]:
    outcome = search.search_catalogue(
        actor=None, text=text, filters=kwargs.pop("filters", {}), **kwargs
    )
    return [i.solution.title for i in outcome.items]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("Onlineterminvergabe", "Terminvergabe"),
        ("Online-Termin-Buchung", "Termin"),
        ("Bürgeramt Termin", "Termin"),
        ("Kindertagesstätte Anmeldung", "Kita"),
        ("Terminvergabee", "Terminvergabe"),
    ],
)
def test_acceptance_queries_find_appointment_and_kita_solutions(demo, query, expected):
    titles = _titles(query)[:5]
    assert any(expected.lower() in t.lower() for t in titles), (query, titles)


@pytest.mark.parametrize("typo", ["Terminvergbe", "Bürgerbüo", "Kindertagesstäte"])
def test_typo_gets_a_suggestion_or_fuzzy_results(demo, typo):
    outcome = search.search_catalogue(actor=None, text=typo, filters={})
    assert outcome.items and (outcome.suggestion or outcome.fuzzy), typo


def test_search_page_facets_filters_sorting_and_pagination(client, demo):
    html = client.get("/suche?q=online").get_data(as_text=True)
    assert "Treffer" in html and "Kategorie" in html and "Kreis" in html
    filtered = client.get("/suche?q=online&kategorie=buergerservice").get_data(as_text=True)
    assert "checked" in filtered
    newest = search.search_catalogue(
        actor=None, text="", filters={"kind": ["solution"]}, sort="newest", per_page=5
    )
    dates = [
        i.solution.published_at.replace(microsecond=0) for i in newest.items
    ]  # index keeps seconds
    assert dates == sorted(dates, reverse=True) and newest.total == 122
    reused = search.search_catalogue(
        actor=None, text="", filters={"kind": ["solution"]}, sort="most_reused", per_page=3
    )
    assert reused.items[0].solution.id in {r for r in _reused_ids()}
    page2 = client.get("/suche?q=online&page=2")
    assert page2.status_code == 200 and "Seite 2" in page2.get_data(as_text=True)


def _reused_ids():
    from catalogue.models import Reuse

    return set(db.session.scalars(sa.select(Reuse.solution_id)))


def test_facet_counts_match_the_filtered_totals(demo):
    outcome = search.search_catalogue(actor=None, text="digital", filters={})
    for value, count in list(outcome.facets.get("category", {}).items())[:3]:
        filtered = search.search_catalogue(
            actor=None, text="digital", filters={"category": [value]}
        )
        assert filtered.total == count, value


def test_zero_result_queries_are_recorded_without_personal_data(client, demo):
    client.get("/suche?q=Raumfahrtbeh%C3%B6rde+Marsmission")
    client.get("/suche?q=raumfahrtbeh%C3%B6rde   marsmission")
    row = db.session.scalar(sa.select(ZeroResultQuery))
    assert row.query == "raumfahrtbehörde marsmission" and row.count == 2
    html = client.get("/suche?q=Raumfahrtbeh%C3%B6rde+Marsmission").get_data(as_text=True)
    assert "Beschreiben Sie Ihr Problem" in html


def test_each_active_filter_is_named_above_the_results_and_removable(client, demo):
    html = client.get("/suche?q=online&kategorie=buergerservice&sortierung=newest").text
    assert "Eingegrenzt auf:" in html
    # the chip names the filter and drops only it (query and sort stay)
    chip = html[html.index("app-active-filters__list") :]
    chip = chip[: chip.index("</ul>")]
    assert "Bürgerservice" in chip and "Filter entfernen" in chip
    href = chip[chip.index('href="') + 6 :]
    href = href[: href.index('"')].replace("&amp;", "&")
    assert "q=online" in href and "sortierung=newest" in href and "kategorie" not in href
    assert "Eingegrenzt auf:" not in client.get(href).text
