"""Bad input is a clear 4xx, never a 5xx, on SQLite and PostgreSQL: the reproducers of issue 11
(huge ids, NUL bytes, non-numeric hidden ids, overflowing figures), the error page of a failed
transaction for a signed-in user, and bidi controls in single-line fields."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from catalogue.db import db
from catalogue.models import Role, Solution
from catalogue.services import contributions
from tests.factories import PADERBORN, make_user, sign_in, solution_input

HUGE = "99999999999999999999"
NUL_MESSAGE = "unzulässige Steuerzeichen"


@pytest.fixture
def people(municipalities):
    return {
        "contributor": make_user(Role.CONTRIBUTOR, PADERBORN, "beitrag@paderborn.example"),
        "curator": make_user(Role.CURATOR, None, "kuratierung@example.org"),
        "member": make_user(Role.MEMBER, PADERBORN, "mitglied@paderborn.example"),
    }


@pytest.mark.parametrize(
    "path",
    [
        f"/bedarfe/{HUGE}",
        "/bedarfe/2147483648",
        "/bedarfe/9223372036854775808",
        f"/anhaenge/{HUGE}/datei.pdf",
        "/anhaenge/0/datei.pdf",
    ],
)
def test_ids_no_column_can_hold_are_not_found(client, municipalities, path):
    response = client.get(path)
    assert response.status_code == 404
    assert '<h1 class="kern-heading-large">Seite nicht gefunden</h1>' in response.text


@pytest.mark.parametrize(
    "path",
    [
        f"/mitwirken/loesungen/{HUGE}",
        f"/mitwirken/loesungen/{HUGE}/bearbeiten",
        f"/mitwirken/berichte/{HUGE}",
        f"/mitwirken/loesungen/{HUGE}/bericht/neu",
        f"/vermittlung/{HUGE}",
        f"/pruefung/loesungen/{HUGE}",
        f"/verwaltung/konten/{HUGE}",
    ],
)
def test_huge_ids_in_signed_in_urls_are_not_found(client, people, path):
    admin = make_user(Role.ADMIN, None, "admin@example.org")
    sign_in(client, admin if path.startswith("/verwaltung") else people["curator"])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "field,value",
    [
        ("solution_id", "abc"),
        ("solution_id", "1.5"),
        ("solution_id", HUGE),
        ("need_id", "abc"),
        ("request_id", "abc"),
        ("request_id", "-3"),
    ],
)
def test_broker_form_with_non_numeric_ids_is_refused(client, people, field, value):
    sign_in(client, people["curator"])
    data = {"solution_id": "1", field: value}
    response = client.post("/vermittlung/vermitteln", data=data)
    assert response.status_code == 302
    with client.session_transaction() as session:
        flashes = [text for _category, text in session.get("_flashes", [])]
    assert any("nicht vorbereitet" in text for text in flashes)


@pytest.mark.parametrize("field", ["cost_eur", "effort_person_days", "duration_months"])
@pytest.mark.parametrize("value", ["9223372036854775808", "-1", "12,5 Mio", "1e9"])
def test_out_of_range_figures_are_a_form_error_that_keeps_the_input(client, people, field, value):
    sign_in(client, people["contributor"])
    data = {
        "title": "Digitale Akte",
        "summary": "Kurz",
        "description": "Lang",
        "category": "bauen-wohnen",
        "kind": "software",
        "project_status": "in_operation",
        "readiness": "documented",
        "lead_municipality_ags": PADERBORN,
        field: value,
    }
    response = client.post("/mitwirken/loesungen/neu", data=data)
    assert response.status_code == 400
    assert f'value="{value}"' in response.text
    assert "Bitte geben Sie" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Solution.id))) == 0


def test_large_real_costs_fit_the_column(app: Flask, people):
    solution = contributions.create_solution(
        actor=people["contributor"],
        data=solution_input(
            lead_municipality_ags=PADERBORN, cost_eur=2_147_483_648, effort_person_days=250_000
        ),
    )
    db.session.expire_all()
    assert db.session.get(Solution, solution.id).cost_eur == 2_147_483_648


def test_figures_beyond_the_limits_are_refused_by_the_service(people):
    from catalogue.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        contributions.create_solution(
            actor=people["contributor"],
            data=solution_input(lead_municipality_ags=PADERBORN, cost_eur=10**15),
        )
    assert "höchstens" in error.value.errors["cost_eur"]


@pytest.mark.parametrize(
    "path",
    [
        "/suche?q=a%00b",
        "/loesungen/a%00b",
        "/kommunen/%00",
        "/loesungen?kategorie=%01",
        "/suche?q%00=x",
    ],
)
def test_nul_and_controls_in_paths_and_queries_are_a_german_400(client, municipalities, path):
    response = client.get(path)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


@pytest.mark.parametrize("path", ["/api/v1/search?q=a%00", "/api/v1/solutions/a%00b"])
def test_nul_in_the_api_is_a_400_envelope(client, municipalities, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400
    assert NUL_MESSAGE in response.json["error"]["message"]


@pytest.mark.parametrize(
    "path,data",
    [
        ("/anmelden", {"email": "a\x00@example.org", "password": "x" * 12}),
        ("/konto/passwort-vergessen", {"email": "a\x00@example.org"}),
        ("/barrierefreiheit", {"description": "Kontrast\x00 zu gering auf der Startseite"}),
    ],
)
def test_nul_in_anonymous_forms_is_a_german_400(client, municipalities, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


def test_tabs_and_newlines_are_ordinary_text(client, municipalities):
    response = client.post(
        "/barrierefreiheit",
        data={"description": "Zeile eins\r\n\tZeile zwei mit Tabulator und genug Text"},
    )
    assert response.status_code == 302


def test_nul_for_a_signed_in_user_renders_the_error_page_with_header(client, people):
    sign_in(client, people["member"])
    response = client.get("/suche?q=%00")
    assert response.status_code == 400
    assert "Abmelden" in response.text  # the signed-in header rendered


def test_a_failed_transaction_still_renders_the_error_page_for_a_signed_in_user(app: Flask, people):
    def broken():
        db.session.execute(sa.text("SELECT no_such_column FROM user_account"))
        return "unreachable"

    app.add_url_rule("/_test/kaputt", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    sign_in(client, people["member"])
    response = client.get("/_test/kaputt")
    assert response.status_code == 500
    assert "Abmelden" in response.text
    # The session is usable again afterwards.
    assert client.get("/konto/benachrichtigungen").status_code == 200


def test_bidi_controls_are_removed_from_single_line_fields(people):
    solution = contributions.create_solution(
        actor=people["contributor"],
        data=solution_input(
            lead_municipality_ags=PADERBORN,
            title="Rechnung\u202egdp.exe",
            description="Absatz mit \u202bRTL\u202c bleibt",
        ),
    )
    db.session.expire_all()
    stored = db.session.get(Solution, solution.id)
    assert stored.title == "Rechnunggdp.exe"
    assert "\u202b" in stored.description


def test_nul_in_a_json_body_is_refused(client, municipalities):
    response = client.post("/barrierefreiheit", json={"description": "a\u0000b"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


def test_nul_in_an_upload_file_name_is_refused(client, people):
    import io

    sign_in(client, people["contributor"])
    response = client.post(
        "/mitwirken/loesungen/neu",
        data={"title": "x", "attachment": (io.BytesIO(b"%PDF-1.7"), "bericht\x00.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text
