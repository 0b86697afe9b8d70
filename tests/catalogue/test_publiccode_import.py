"""publiccode.yml import: real-world files of several versions and countries (tests/data/publiccode,
sources in SOURCES.md), the round trip export → import, and clear German problems."""

from pathlib import Path

import sqlalchemy as sa
import yaml

from catalogue.db import db
from catalogue.errors import PermissionDenied
from catalogue.exchange.publiccode_import import plan_import
from catalogue.models import ContentState, Role, Solution
from catalogue.services import contributions, exchange, workflow
from tests.factories import LAGE, make_user, sign_in, solution_input

DATA = Path(__file__).resolve().parent.parent / "data" / "publiccode"


def _count():
    return db.session.scalar(sa.select(sa.func.count(Solution.id)))


def _contributor():
    return make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")


def test_dutch_file_of_version_02_becomes_a_draft_with_a_report(municipalities):
    author = _contributor()
    result = exchange.import_publiccode(
        actor=author, text=(DATA / "nl-amsterdam-signalen-0.2.yml").read_text(encoding="utf-8")
    )
    draft = result.solution
    assert draft.state == ContentState.DRAFT and draft.lead_municipality_ags == LAGE
    assert draft.title == "Signalen frontend"
    assert draft.licence == "MPL-2.0" and draft.project_status.value == "in_operation"
    assert draft.repository_url == "https://github.com/Amsterdam/signals-frontend"
    assert {link.url for link in draft.links} == {
        "https://signalen.org/",
        "https://docs.signalen.org/",
    }
    assert [c.name for c in draft.contacts] == ["Amy van Someren", "René van Sprang"]
    assert "Gemeente 's-Hertogenbosch" in draft.description
    assert any("keine deutsche Beschreibung" in n for n in result.plan.notes)
    assert (
        "releaseDate",
        "Der Katalog führt kein Veröffentlichungsdatum einer Softwareversion.",
    ) in result.plan.dropped


def test_italian_file_with_country_section_keeps_features_in_the_description(municipalities):
    result = exchange.import_publiccode(
        actor=_contributor(),
        text=(DATA / "it-milano-whistleblowing-0.3.yml").read_text(encoding="utf-8"),
    )
    assert result.plan.version == "0.3"
    assert "**Funktionen:**" in result.solution.description
    assert result.solution.licence == "AGPL-3.0-only"
    assert (
        "it",
        "Die Ländererweiterung »it« hat im Katalog keine Entsprechung.",
    ) in result.plan.dropped


def test_invalid_real_world_files_list_every_problem_and_create_nothing(municipalities):
    author = _contributor()
    before = _count()
    aitema = exchange.import_publiccode(
        actor=author,
        text=(DATA / "de-aitema-terminvergabe-0.4-invalid.yml").read_text(encoding="utf-8"),
    )
    assert aitema.solution is None
    problems = aitema.plan.problems
    assert any(
        p.startswith("»categories.1«: Wert »government« ist nicht erlaubt") for p in problems
    )
    assert any(p.startswith("»maintenance.type«: Wert »commercial«") for p in problems)
    assert any("Anführungszeichen" in p for p in problems)
    berlin = exchange.import_publiccode(
        actor=author,
        text=(DATA / "de-berlinonline-ckanext-0.2-invalid.yml").read_text(encoding="utf-8"),
    )
    assert berlin.plan.problems == ["Pflichtfeld »localisation.availableLanguages« fehlt."]
    assert _count() == before


def test_yaml_syntax_errors_name_the_line():
    plan = plan_import("name: [offen\nurl: x\n")
    assert not plan.ok and "Zeile" in plan.problems[0]
    assert plan_import("").problems == ["Die Datei ist leer."]
    assert "kein publiccode.yml-Dokument" in plan_import("- eine Liste\n").problems[0]


def test_export_then_import_gives_a_draft_with_the_same_content(client, municipalities):
    author = _contributor()
    curator = make_user(Role.CURATOR, None, "c@example.org")
    original = contributions.create_solution(
        actor=author,
        data=solution_input(
            problem="Bauanträge lagen wochenlang auf Papier.",
            licence="EUPL-1.2",
            repository_url="https://gitlab.opencode.de/lemgo/bauakte",
            category="gesundheit",
        ),
    )
    for actor, action in ((author, "submit"), (curator, "approve")):
        workflow.apply_action(
            actor=actor, entity_type="solution", entry_id=original.id, action=action
        )
    text = client.get(f"/loesungen/{original.slug}/publiccode.yml").get_data(as_text=True)
    copy = exchange.import_publiccode(actor=author, text=text).solution
    for name in (
        "title",
        "summary",
        "problem",
        "description",
        "category",
        "kind",
        "project_status",
        "licence",
        "repository_url",
    ):
        assert getattr(copy, name) == getattr(original, name), name
    assert sorted(t.name for t in copy.tags) == sorted(t.name for t in original.tags)


def test_german_country_section_with_leika_keys_is_mapped(municipalities):
    doc = yaml.safe_load((DATA / "nl-amsterdam-signalen-0.2.yml").read_text(encoding="utf-8"))
    doc["de"] = {
        "countryExtensionVersion": "1.0",
        "leika": [{"themenfeld": "Umwelt", "leika-id": "77000000000316"}],
    }
    plan = plan_import(yaml.safe_dump(doc, allow_unicode=True))
    assert plan.ok and plan.fields["leika_keys"] == "77000000000316"


def test_members_may_not_import(municipalities):
    member = make_user(Role.MEMBER, LAGE, "m@lemgo.example")
    text = (DATA / "nl-amsterdam-signalen-0.2.yml").read_text(encoding="utf-8")
    try:
        exchange.import_publiccode(actor=member, text=text)
    except PermissionDenied:
        pass
    else:
        raise AssertionError("members must not create solutions")


def test_import_page_pasted_text_and_upload(client, municipalities):
    import io

    author = _contributor()
    sign_in(client, author)
    page = client.get("/mitwirken/import/publiccode")
    assert page.status_code == 200 and "publiccode.yml hochladen" in page.get_data(as_text=True)
    text = (DATA / "nl-amsterdam-signalen-0.2.yml").read_text(encoding="utf-8")
    pasted = client.post("/mitwirken/import/publiccode", data={"text": text})
    html = pasted.get_data(as_text=True)
    assert pasted.status_code == 200 and "Entwurf angelegt" in html
    assert "Nicht übernommene Angaben" in html and "releaseDate" in html
    upload = client.post(
        "/mitwirken/import/publiccode",
        data={"file": (io.BytesIO(text.encode("utf-8")), "publiccode.yml")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200 and "Entwurf angelegt" in upload.get_data(as_text=True)
    assert _count() == 2


def test_import_page_shows_problems_and_keeps_the_text(client, municipalities):
    sign_in(client, _contributor())
    text = (DATA / "de-aitema-terminvergabe-0.4-invalid.yml").read_text(encoding="utf-8")
    response = client.post("/mitwirken/import/publiccode", data={"text": text})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Die Datei kann nicht übernommen werden (4 Probleme)" in html
    assert "aitema|Termin – Bürgerterminverwaltung" in html  # the pasted text is kept
    assert _count() == 0
    empty = client.post("/mitwirken/import/publiccode", data={"text": " "})
    assert empty.status_code == 400
    assert "Bitte laden Sie eine publiccode.yml hoch" in empty.get_data(as_text=True)


def test_import_page_needs_sign_in(client, municipalities):
    assert client.get("/mitwirken/import/publiccode").status_code == 302


def test_impossible_dates_are_a_problem_not_a_server_error():
    from catalogue.exchange.publiccode_import import read_document

    document, problems = read_document("publiccodeYmlVersion: '0.4'\nreleaseDate: 2024-13-45\n")
    assert document is None
    assert problems and "ungültigen Wert" in problems[0]
