"""Forms keep what the person typed on every error: the contact request on a solution page,
the need status comment, and members get an explanation instead of a solution form they
cannot submit."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.models import ContactRequest, ContentState, Need, Role, Solution
from tests.factories import BIELEFELD, DELBRUECK, LAGE, PADERBORN, make_user, sign_in


@pytest.fixture
def member(demo):
    return make_user(Role.MEMBER, BIELEFELD, "mitglied@bielefeld.example")


def _published() -> Solution:
    return db.session.scalars(
        sa.select(Solution).where(Solution.state == ContentState.PUBLISHED).order_by(Solution.id)
    ).first()


def test_a_too_long_contact_message_is_shown_again_with_the_reason(client, member):
    solution = _published()
    sign_in(client, member)
    message = "Wir interessieren uns sehr für diese Lösung. " * 45  # 2,025 characters
    response = client.post(
        f"/loesungen/{solution.id}/kontakt", data={"message": message, "slug": solution.slug}
    )
    assert response.status_code == 400
    assert message.strip() in response.text
    assert "2000" in response.text
    assert db.session.scalar(sa.select(sa.func.count(ContactRequest.id))) == 0
    # said like on every other form: in the title and in a summary that takes the focus
    assert "<title>Fehler: " in response.text
    assert 'class="kern-alert kern-alert--danger app-error-summary" role="alert"' in response.text
    assert 'href="#message"' in response.text


def test_a_600_character_status_comment_is_an_error_not_silence(client, member):
    with unit_of_work() as s:
        need = Need(
            title="Terminvergabe",
            text="Wir suchen eine Online-Terminvergabe für das Bürgerbüro.",
            municipality_ags=BIELEFELD,
            author_id=member.id,
        )
        s.add(need)
    sign_in(client, member)
    comment = "Begründung " * 55  # 605 characters
    response = client.post(
        f"/bedarfe/{need.id}/status", data={"status": "closed", "comment": comment}
    )
    assert response.status_code == 400
    assert comment.strip() in response.text
    assert "500 Zeichen" in response.text
    db.session.expire_all()
    assert db.session.get(Need, need.id).status.value == "open"


def test_members_get_an_explanation_instead_of_the_solution_form(client, member):
    sign_in(client, member)
    response = client.get("/mitwirken/loesungen/neu")
    assert response.status_code == 403
    assert "Beitragende" in response.text
    assert 'name="title"' not in response.text
    assert "/bedarfe/neu" in response.text


def _contributor(client):
    """A contributor of Paderborn, signed in."""
    user = make_user(Role.CONTRIBUTOR, PADERBORN, "beitrag@paderborn.example")
    sign_in(client, user)
    return user


def _solution_form(**overrides) -> dict:
    """A valid new-solution form of Paderborn; override any field."""
    return {
        "title": "Digitale Akte im Bauamt",
        "summary": "Bauakten werden digital geführt.",
        "description": "Alle Bauakten liegen im Dokumentenmanagement.",
        "category": "bauen-wohnen",
        "kind": "software",
        "project_status": "in_operation",
        "readiness": "documented",
        "lead_municipality_ags": PADERBORN,
        **overrides,
    }


def test_a_refused_attachment_on_a_new_draft_is_said_not_swallowed(client, demo):
    _contributor(client)
    data = _solution_form(attachment=(io.BytesIO(b"MZ\x90\x00 not a pdf"), "Konzept.pdf"))
    response = client.post("/mitwirken/loesungen/neu", data=data, follow_redirects=True)
    assert response.status_code == 200
    # the draft exists, and the page says so and why the file is missing
    draft = db.session.scalars(
        sa.select(Solution).where(Solution.title == "Digitale Akte im Bauamt")
    ).one()
    assert f"/mitwirken/loesungen/{draft.id}/bearbeiten" in response.request.path
    assert "Der Entwurf ist gespeichert" in response.text
    assert "„Konzept.pdf“ wurde nicht gespeichert" in response.text
    assert "passt nicht" in response.text
    assert not draft.attachments


def test_the_form_asks_to_choose_the_file_again_after_a_preview(client, demo):
    _contributor(client)
    data = _solution_form(preview="1", attachment=(io.BytesIO(b"%PDF-1.4 demo"), "Konzept.pdf"))
    response = client.post("/mitwirken/loesungen/neu", data=data)
    assert response.status_code == 200
    assert "Sie hatten „Konzept.pdf“ gewählt" in response.text
    assert "Digitale Akte im Bauamt" in response.text  # nothing typed is lost


def test_one_submit_names_every_problem_of_the_solution_form(client, demo):
    _contributor(client)
    data = _solution_form(
        title="",  # required: the form's own check
        links="Handbuch | keine-adresse",  # the service's checks
        contacts="Erika Muster | Bauamt | erika@",
    )
    response = client.post("/mitwirken/loesungen/neu", data=data)
    assert response.status_code == 400
    assert "„keine-adresse“ ist keine gültige Adresse" in response.text
    assert "„erika@“ ist keine gültige E-Mail-Adresse" in response.text
    assert "Erika Muster | Bauamt | erika@" in response.text  # kept as typed


def test_a_contact_person_nobody_can_reach_is_refused_by_name(client, demo):
    _contributor(client)
    data = _solution_form(contacts="Erika Muster | Bauamt")
    response = client.post("/mitwirken/loesungen/neu", data=data)
    assert response.status_code == 400
    assert "bei „Erika Muster“ eine E-Mail-Adresse oder Telefonnummer" in response.text
    assert "Erika Muster | Bauamt" in response.text  # kept as typed


def test_my_contributions_name_the_solution_of_each_report(client, demo):
    from catalogue.models import ExperienceReport

    report = db.session.scalars(
        sa.select(ExperienceReport)
        .where(ExperienceReport.municipality_ags == PADERBORN)
        .order_by(ExperienceReport.id)
    ).first()
    assert report is not None
    _contributor(client)
    html = client.get("/mitwirken/").get_data(as_text=True)
    assert f"zu „{report.solution.title}“" in html


def test_a_report_on_an_unpublished_solution_is_explained_before_anything_is_typed(client, demo):
    from catalogue.services import contributions
    from tests.factories import solution_input

    contributor = _contributor(client)
    draft = contributions.create_solution(
        actor=contributor, data=solution_input(lead_municipality_ags=PADERBORN)
    )
    response = client.get(f"/mitwirken/loesungen/{draft.id}/bericht/neu")
    assert response.status_code == 403
    assert "noch nicht veröffentlicht" in response.text
    assert 'name="what_worked"' not in response.text  # no form that could only fail


def test_partner_municipalities_are_checkboxes_by_kreis_and_survive_an_error(client, demo):
    _contributor(client)
    page = client.get("/mitwirken/loesungen/neu").text
    assert "<select" not in page.split('id="partner_ags"')[1].split("</fieldset>")[0]
    assert "Kreis Lippe <span" in page and "Kreise und kreisfreie Städte" in page
    assert f'name="partner_ags" value="{LAGE}"' in page

    data = _solution_form(title="", partner_ags=[LAGE, DELBRUECK])
    response = client.post("/mitwirken/loesungen/neu", data=data)
    assert response.status_code == 400
    assert f'value="{LAGE}" checked' in response.text  # nothing chosen is lost
    assert "Ausgewählt: Delbrück, Lage." in response.text
    assert "(1 von 16 ausgewählt)" in response.text  # Kreis Lippe, opened

    response = client.post("/mitwirken/loesungen/neu", data=_solution_form(partner_ags=[LAGE]))
    assert response.status_code == 302
    draft = db.session.scalars(
        sa.select(Solution).where(Solution.title == "Digitale Akte im Bauamt")
    ).one()
    assert [m.ags for m in draft.partners] == [LAGE]


def test_a_new_need_is_not_public_unless_someone_decides_so(client, member):
    # needs are often pasted from internal e-mails: the form starts with the narrower audience
    sign_in(client, member)
    page = client.get("/bedarfe/neu").text
    option = re.search(r'<option[^>]*value="curators"[^>]*>', page)
    assert option and "selected" in option.group(0)
    assert not re.search(r'<option[^>]*value="public"[^>]*selected', page)
    assert "Bitte dann keine Namen" in page


def test_a_decimal_comma_in_a_figure_is_an_error_that_says_so(client, demo):
    # "3,5" person-days: no browser number field may turn it into 35; the server names the
    # unit and the expected form, and keeps what was typed
    _contributor(client)
    page = client.get("/mitwirken/loesungen/neu").text
    field = re.search(r'<input[^>]*id="effort_person_days"[^>]*>', page).group(0)
    assert 'type="text"' in field and 'inputmode="numeric"' in field
    response = client.post(
        "/mitwirken/loesungen/neu", data=_solution_form(effort_person_days="3,5")
    )
    assert response.status_code == 400
    assert (
        "Bitte geben Sie eine ganze Zahl an (Personentage), ohne Komma und Einheit" in response.text
    )
    assert re.search(r'id="effort_person_days"[^>]*value="3,5"', response.text)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Solution.id)).where(Solution.title == "Digitale Akte im Bauamt")
        )
        == 0
    )
