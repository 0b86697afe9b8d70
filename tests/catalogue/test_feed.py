"""Atom feed of newly published solutions (/loesungen/feed.atom)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from catalogue.models import Role
from catalogue.services import catalogue as catalogue_service
from catalogue.services import contributions, workflow
from tests.factories import LAGE, make_user, solution_input

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, query: str = "") -> ET.Element:
    response = client.get("/loesungen/feed.atom" + query)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def test_feed_lists_the_newest_published_solutions_with_absolute_links(app, client, demo):
    feed = _feed(client)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 30
    base = app.config["BASE_URL"].rstrip("/")
    newest = catalogue_service.newest_solutions(2)
    assert [e.findtext(f"{ATOM}title") for e in entries[:2]] == [s.title for s in newest]
    first = entries[0]
    assert first.findtext(f"{ATOM}id") == f"{base}/loesungen/{newest[0].slug}"
    assert first.find(f"{ATOM}link").get("href") == f"{base}/loesungen/{newest[0].slug}"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == newest[0].lead_municipality.name
    assert first.findtext(f"{ATOM}summary") == newest[0].summary
    self_link = [x for x in feed.findall(f"{ATOM}link") if x.get("rel") == "self"][0]
    assert self_link.get("href") == f"{base}/loesungen/feed.atom"


def test_feed_keeps_the_list_filters(client, demo):
    feed = _feed(client, "?kategorie=bildung")
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        terms = [c.get("term") for c in entry.findall(f"{ATOM}category")]
        assert terms[0] == "bildung"
    assert "(gefiltert)" in feed.findtext(f"{ATOM}title")
    html = client.get("/loesungen?kategorie=bildung").get_data(as_text=True)
    assert 'href="/loesungen/feed.atom?kategorie=bildung"' in html
    assert "mit diesen Filtern als Feed abonnieren" in html


def test_feed_shows_only_published_solutions(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")
    curator = make_user(Role.CURATOR, None, "c@example.org")
    published, draft = (
        contributions.create_solution(actor=author, data=solution_input(title=title))
        for title in ("Digitale Akte im Bauamt", "Online-Fundbüro der Stadt")
    )
    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=published.id, action="submit"
    )
    workflow.apply_action(
        actor=curator, entity_type="solution", entry_id=published.id, action="approve"
    )
    entries = _feed(client).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Digitale Akte im Bauamt"]
    assert draft.title not in client.get("/loesungen/feed.atom").get_data(as_text=True)


def test_empty_feed_and_invalid_filter(client, municipalities):
    assert _feed(client).findall(f"{ATOM}entry") == []
    response = client.get("/loesungen/feed.atom?kategorie=gibt-es-nicht")
    assert response.status_code == 400
    assert "Ungültiger Filter" in response.get_data(as_text=True)


def test_every_page_announces_the_feed(client, municipalities):
    html = client.get("/").get_data(as_text=True)
    assert 'type="application/atom+xml"' in html and 'href="/loesungen/feed.atom"' in html
