"""Read-only JSON API /api/v1: shapes validated against its own OpenAPI document, filters,
visibility, error envelope."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource

from catalogue.models import Role
from catalogue.services import catalogue as catalogue_service
from catalogue.services import contributions
from tests.catalogue.test_accounts import separate_app
from tests.factories import LAGE, make_user, solution_input


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate_spec(document)
    return document


def check(spec, body, schema_name):
    """Validate `body` against a component schema of the served OpenAPI document."""
    registry = Registry().with_resource(
        "urn:api",
        Resource.from_contents({"$schema": "https://json-schema.org/draft/2020-12/schema", **spec}),
    )
    schema = {"$ref": f"urn:api#/components/schemas/{schema_name}"}
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(body))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_openapi_document_is_valid_and_lists_every_route(app, spec):
    api_rules = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule.removeprefix("/api/v1"))
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and r.endpoint != "api.openapi_document"
    }
    assert api_rules == set(spec["paths"])
    assert spec["servers"] == [{"url": "/api/v1"}]  # relative: right behind any proxy
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert {"400", "429"} <= set(operation["responses"]), (method, path)


def test_solutions_list_detail_and_filters(client, demo, spec):
    body = client.get("/api/v1/solutions?per_page=5").get_json()
    check(spec, body, "SolutionPage")
    assert body["total"] == 122 and len(body["items"]) == 5
    newest = catalogue_service.newest_solutions(1)[0]
    assert body["items"][0]["slug"] == newest.slug
    filtered = client.get("/api/v1/solutions?kategorie=bildung&per_page=100").get_json()
    assert 0 < filtered["total"] < 122
    assert {i["category"]["value"] for i in filtered["items"]} == {"bildung"}

    detail = client.get(f"/api/v1/solutions/{newest.slug}")
    assert detail.status_code == 200
    data = detail.get_json()
    check(spec, data, "SolutionDetail")
    assert data["title"] == newest.title
    assert "contacts" not in data  # contact persons are for signed-in staff only
    assert client.get(data["api_url"].split("5000", 1)[1]).status_code == 200


def test_search_and_match(client, demo, spec):
    body = client.get("/api/v1/search?q=Onlineterminvergabe&per_page=5").get_json()
    check(spec, body, "SearchResult")
    assert body["total"] > 0
    assert any("Termin" in hit["solution"]["title"] for hit in body["items"])
    assert "category" in body["facets"]
    kita = client.get("/api/v1/search?q=Kita&typ=solution").get_json()
    assert kita["items"] and all(h["type"] == "solution" for h in kita["items"])

    match = client.get("/api/v1/match", query_string={"text": "Kindertagesstätte Anmeldung online"})
    data = match.get_json()
    check(spec, data, "MatchResult")
    assert data["matches"] and data["matches"][0]["reasons"]
    assert data["matches"][0]["band"] in ("strong", "possible", "weak")


def test_municipalities(client, demo, spec):
    body = client.get("/api/v1/municipalities").get_json()
    check(spec, body, "MunicipalityList")
    assert len(body["items"]) == 76  # 70 municipalities + 6 Kreise
    assert sum(m["published_solutions"] for m in body["items"]) == 122


def test_unpublished_solutions_are_not_served(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")
    draft = contributions.create_solution(actor=author, data=solution_input())
    assert client.get("/api/v1/solutions").get_json()["total"] == 0
    response = client.get(f"/api/v1/solutions/{draft.slug}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/solutions?kategorie=gibt-es-nicht", "kategorie"),
        ("/api/v1/solutions?per_page=1000", "per_page"),
        ("/api/v1/solutions?page=eins", "page"),
        ("/api/v1/search?sortierung=zufall", "sortierung"),
        ("/api/v1/match", "text"),
        ("/api/v1/match?text=" + "x" * 5001, "text"),
    ],
)
def test_invalid_parameters_get_the_error_envelope(client, municipalities, spec, url, field):
    response = client.get(url)
    assert response.status_code == 400
    body = response.get_json()
    check(spec, body, "Error")
    assert field in body["error"]["details"]
    assert body["error"]["message"]


def test_unknown_routes_and_methods_are_json_too(client, municipalities, spec):
    missing = client.get("/api/v1/gibt-es-nicht")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    check(spec, missing.get_json(), "Error")
    post = client.post("/api/v1/solutions")
    assert post.status_code == 405
    assert post.get_json()["error"]["code"] == "method_not_allowed"
    assert client.get("/gibt-es-nicht").mimetype == "text/html"  # the site keeps HTML pages


def test_rate_limit_answers_with_the_envelope(tmp_path):
    with separate_app(tmp_path, RATELIMIT_ENABLED=True) as app:
        client = app.test_client()
        statuses = [client.get("/api/v1/municipalities").status_code for _ in range(121)]
        assert statuses[:120] == [200] * 120
        assert statuses[120] == 429
        body = client.get("/api/v1/municipalities").get_json()
        assert body["error"]["code"] == "too_many_requests"
        assert client.get("/").status_code == 200  # the site itself is not limited


def test_responses_are_utf8_and_open_to_other_origins(client, municipalities):
    response = client.get("/api/v1/solutions?per_page=0")
    assert "»per_page« muss zwischen 1 und 100 liegen." in response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_interfaces_page_explains_api_and_feed(app, client, municipalities):
    html = client.get("/schnittstellen").get_data(as_text=True)
    assert 'href="/api/v1/openapi.json"' in html
    assert 'href="/loesungen/feed.atom"' in html
    assert app.config["BASE_URL"].rstrip("/") + "/api/v1" in html
    assert 'href="/schnittstellen"' in client.get("/").get_data(as_text=True)  # footer link


def test_search_flags_say_how_the_results_were_found(client, demo, spec):
    """The API carries what the page says: spelling suggestion with its hit count, any-word
    fallback; a short form of a compound (Ratsinfosystem) finds the full word."""
    typo = client.get("/api/v1/search", query_string={"q": "Terminvergabee"}).get_json()
    check(spec, typo, "SearchResult")
    assert typo["suggestion"] == "Terminvergabe" and typo["suggestion_total"] > typo["total"]
    assert typo["relaxed"] is False and typo["corrections"] == {}
    mixed = client.get("/api/v1/search", query_string={"q": "Sperrmüll Termin Kita"}).get_json()
    assert mixed["relaxed"] is True and mixed["suggestion_total"] is None
    short = client.get("/api/v1/search", query_string={"q": "Ratsinfosystem"}).get_json()
    assert short["total"] > 0
    assert "Ratsinformationssystem" in short["items"][0]["solution"]["title"]
