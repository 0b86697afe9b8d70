"""publiccode.yml export, validated against the standard's JSON schema (vendored from
SchemaStore, see catalogue/data/publiccode/SOURCE.md), not against our own reading of it."""

import json

import pytest
import sqlalchemy as sa
import yaml
from jsonschema import Draft7Validator

from catalogue.db import db, unit_of_work
from catalogue.exchange import publiccode
from catalogue.models import ContactPerson, Role, Solution, SolutionKind, User
from catalogue.services import contributions
from tests.factories import LAGE, make_user, publish_solution, solution_input


@pytest.fixture(scope="module")
def standard_validator():
    with open(publiccode.SCHEMA_FILE, encoding="utf-8") as f:
        schema = json.load(f)
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def _problems(validator, doc):
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_every_published_software_solution_exports_a_valid_file(client, demo, standard_validator):
    software = db.session.scalars(
        sa.select(Solution).where(Solution.kind == SolutionKind.SOFTWARE)
    ).all()
    assert len(software) > 20
    for solution in software:
        response = client.get(f"/loesungen/{solution.slug}/publiccode.yml")
        assert response.status_code == 200, solution.slug
        assert response.mimetype == "application/yaml"
        doc = yaml.safe_load(response.get_data(as_text=True))
        assert _problems(standard_validator, doc) == [], solution.slug
        assert doc["publiccodeYmlVersion"] == publiccode.PUBLICCODE_VERSION
        assert doc["name"] == solution.title
        german = doc["description"]["de"]
        assert len(german["shortDescription"]) <= 150 and german["features"]
        assert doc["landingURL"].endswith(f"/loesungen/{solution.slug}")


def test_export_maps_catalogue_fields(client, municipalities, standard_validator):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")
    curator = make_user(Role.CURATOR, None, "c@example.org")
    solution = publish_solution(
        author,
        curator,
        title="Mängelmelder Lemgo",
        summary="Bürgerinnen und Bürger melden Schäden im Stadtgebiet per App und Web.",
        description="Funktionen:\n\n- Meldung mit Foto und Standort\n- Statusverfolgung",
        licence="EUPL-1.2",
        repository_url="https://gitlab.opencode.de/lemgo/maengelmelder",
        technology="Web-Anwendung und Android-App",
        project_status="in_progress",
    )
    doc = yaml.safe_load(client.get(f"/loesungen/{solution.slug}/publiccode.yml").data)
    assert _problems(standard_validator, doc) == []
    assert doc["url"] == "https://gitlab.opencode.de/lemgo/maengelmelder"
    assert doc["legal"]["license"] == "EUPL-1.2"
    assert doc["developmentStatus"] == "development"
    assert doc["platforms"] == ["web", "android"] and doc["softwareType"] == "standalone/web"
    assert doc["description"]["de"]["features"] == [
        "Meldung mit Foto und Standort",
        "Statusverfolgung",
    ]
    assert doc["usedBy"] == [solution.lead_municipality.name]
    assert "contacts" not in doc["maintenance"]


def test_unknown_licence_and_missing_repository_are_explained(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")
    curator = make_user(Role.CURATOR, None, "c@example.org")
    solution = publish_solution(author, curator, licence="freie Software")
    text = client.get(f"/loesungen/{solution.slug}/publiccode.yml").get_data(as_text=True)
    doc = yaml.safe_load(text)
    assert doc["legal"]["license"] == publiccode.UNKNOWN_LICENCE
    assert doc["url"] == doc["landingURL"]
    assert "# Hinweis: Kein Code-Repository bekannt" in text
    assert "»freie Software«" in text


def test_contacts_only_with_consent_and_never_the_contact_persons(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "autorin@lemgo.example")
    curator = make_user(Role.CURATOR, None, "c@example.org")
    solution = publish_solution(author, curator)
    with unit_of_work() as s:
        s.add(ContactPerson(solution_id=solution.id, name="Geheim", email="geheim@lemgo.example"))
    url = f"/loesungen/{solution.slug}/publiccode.yml"
    text = client.get(url).get_data(as_text=True)
    assert "autorin@lemgo.example" not in text and "geheim@lemgo.example" not in text
    with unit_of_work() as s:
        s.get(User, author.id).share_contact = True
    doc = yaml.safe_load(client.get(url).data)
    assert doc["maintenance"]["contacts"][0]["email"] == "autorin@lemgo.example"
    assert "geheim@lemgo.example" not in client.get(url).get_data(as_text=True)


def test_no_export_for_drafts_or_other_kinds(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")
    curator = make_user(Role.CURATOR, None, "c@example.org")
    draft = contributions.create_solution(actor=author, data=solution_input())
    assert client.get(f"/loesungen/{draft.slug}/publiccode.yml").status_code == 404
    model = publish_solution(
        author, curator, title="Leitfaden Beschaffung", kind="organisational_model"
    )
    assert client.get(f"/loesungen/{model.slug}/publiccode.yml").status_code == 404


def test_solution_page_and_api_link_the_file(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")
    curator = make_user(Role.CURATOR, None, "c@example.org")
    solution = publish_solution(author, curator)
    link = f"/loesungen/{solution.slug}/publiccode.yml"
    assert f'href="{link}"' in client.get(f"/loesungen/{solution.slug}").get_data(as_text=True)
    body = client.get(f"/api/v1/solutions/{solution.slug}").get_json()
    assert body["publiccode_url"].endswith(link)


def test_schema_rejects_what_the_standard_forbids():
    doc = {"publiccodeYmlVersion": "0.5.0", "name": "X", "developmentStatus": "fertig"}
    problems = publiccode.validate(doc)
    assert "Pflichtfeld »url« fehlt." in problems
    assert "Pflichtfeld »legal« fehlt." in problems
    assert any(
        p.startswith("»developmentStatus«: Wert »fertig« ist nicht erlaubt") for p in problems
    )
