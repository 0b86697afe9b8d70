"""Freshness (review-by dates, reminders, "Angaben sind aktuell"), "Mein Bereich" with the
start page after sign-in, and the review page that shows everything an entry publishes."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from catalogue.clock import local_date
from catalogue.db import db, unit_of_work
from catalogue.errors import PermissionDenied, ValidationFailed
from catalogue.models import OutgoingMail, Reminder, Role, Solution
from catalogue.services import brokering, contributions, freshness, needs, reminders, workflow
from catalogue.services.contributions import ContactInput
from tests.factories import (
    BIELEFELD,
    demo_solution,
    make_user,
    publish_solution,
    sign_in,
    solution_input,
)


@pytest.fixture
def people(demo):
    return {
        "member": make_user(Role.MEMBER, BIELEFELD, "bedarf@bielefeld.example"),
        "curator": make_user(Role.CURATOR, None, "kuratierung@example.org"),
    }


def test_add_months_keeps_the_day_or_the_month_end():
    assert freshness.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert freshness.add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)
    assert freshness.add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)


def test_publication_sets_the_review_by_date(people, app):
    author = make_user(Role.CONTRIBUTOR, BIELEFELD, "autorin@bielefeld.example")
    solution = contributions.create_solution(actor=author, data=solution_input())
    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=solution.id, action="submit"
    )
    workflow.apply_action(
        actor=people["curator"], entity_type="solution", entry_id=solution.id, action="approve"
    )
    published = db.session.get(Solution, solution.id)
    months = app.config["REVIEW_INTERVAL_MONTHS"]
    assert published.review_by == freshness.add_months(local_date(published.published_at), months)


def test_a_review_date_already_past_does_not_publish_an_entry_overdue(people, app):
    author = make_user(Role.CONTRIBUTOR, BIELEFELD, "autorin@bielefeld.example")
    solution = contributions.create_solution(actor=author, data=solution_input())
    with unit_of_work() as s:
        s.get(Solution, solution.id).review_by = date(2020, 1, 1)  # typed so in the form
    for actor, action in ((author, "submit"), (people["curator"], "approve")):
        workflow.apply_action(
            actor=actor, entity_type="solution", entry_id=solution.id, action=action
        )
    published = db.session.get(Solution, solution.id)
    months = app.config["REVIEW_INTERVAL_MONTHS"]
    assert published.review_by == freshness.add_months(local_date(published.published_at), months)


def _owned_solution():
    """The appointment solution with a contributor of its municipality."""
    solution = demo_solution("online-terminvergabe")
    owner = make_user(Role.CONTRIBUTOR, solution.lead_municipality_ags, "team@owner.example")
    return solution, owner


def test_one_reminder_per_period_due_then_overdue_and_confirmation_clears(people, client):
    solution, owner = _owned_solution()
    due = local_date() + timedelta(days=10)
    with unit_of_work():
        solution.review_by = due
    contact = solution.contacts[0].email

    def reminders_for(kind):
        return db.session.scalars(
            sa.select(Reminder).where(
                Reminder.subject_id == solution.id,
                Reminder.subject_type == "solution",
                Reminder.kind == kind,
            )
        ).all()

    today = local_date()
    reminders.send_reminders(today)
    reminders.send_reminders(today)
    assert len(reminders_for("due")) == 1 and not reminders_for("overdue")
    owner_mails = db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.recipient == owner.email)
    ).all()
    assert len(owner_mails) == 1 and "Bitte prüfen" in owner_mails[0].subject
    assert any(
        "/mail-abbestellen/" in m.body
        for m in db.session.scalars(
            sa.select(OutgoingMail).where(OutgoingMail.recipient == contact)
        )
    )
    assert not freshness.is_overdue(solution, today)

    later = due + timedelta(days=1)
    reminders.send_reminders(later)
    reminders.send_reminders(later)
    assert len(reminders_for("overdue")) == 1 and freshness.is_overdue(solution, later)
    with unit_of_work():
        solution.review_by = local_date() - timedelta(days=1)
    html = client.get(f"/loesungen/{solution.slug}").get_data(as_text=True)
    assert "Überfällig" in html

    with pytest.raises(PermissionDenied):
        freshness.confirm_current(actor=people["member"], solution_id=solution.id)
    sign_in(client, owner)
    response = client.post(f"/loesungen/{solution.id}/aktuell")
    assert response.status_code == 302
    confirmed = db.session.get(Solution, solution.id)
    assert confirmed.confirmed_at is not None and not freshness.is_overdue(confirmed)
    assert confirmed.review_by > local_date() + timedelta(days=300)
    html = client.get(f"/loesungen/{solution.slug}").get_data(as_text=True)
    assert "zuletzt bestätigt am" in html and "Überfällig" not in html
    before = db.session.scalar(sa.select(sa.func.count(Reminder.id)))
    reminders.send_reminders(local_date())
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == before


def test_my_area_shows_needs_requests_with_messages_reuses_and_tasks(people, client):
    member = people["member"]
    need = needs.create_need(
        actor=member,
        title="Termine online vergeben",
        text="Wir wollen Termine im Bürgerbüro online vergeben.",
        visibility="curators",
    )
    request, _ = brokering.broker(
        actor=people["curator"],
        solution_id=demo_solution("online-terminvergabe").id,
        need_id=need.id,
        message="Viel Erfolg",
    )
    brokering.record_outcome(actor=member, request_id=request.id, action="reuse_started")
    sign_in(client, member)
    html = client.get("/mein-bereich").get_data(as_text=True)
    assert "Termine online vergeben" in html and f"Nr. {request.id}" in html
    assert "Nachnutzung gestartet" in html and demo_solution("online-terminvergabe").title in html
    assert "Nachnutzungen von Bielefeld" in html
    need_page = client.get(f"/bedarfe/{need.id}").get_data(as_text=True)
    assert f"Anfrage Nr. {request.id}" in need_page and "Nachnutzung gestartet" in need_page


def test_my_area_marks_the_municipalitys_own_solution_among_a_needs_matches(people, client):
    # the walk-through: Mein Bereich listed the municipality's own solution as "könnte passen"
    # under its need, unmarked, where the need's page says "Eigene Lösung der Kommune"
    author = make_user(Role.CONTRIBUTOR, BIELEFELD, "bauamt@bielefeld.example")
    own = publish_solution(author, people["curator"])
    needs.create_need(
        actor=people["member"],
        title="Bauanträge digital bearbeiten",
        text="Wir wollen Bauanträge mit einer E-Akte in der Bauaufsicht digital bearbeiten.",
    )
    sign_in(client, people["member"])
    html = client.get("/mein-bereich").get_data(as_text=True)
    line = html[html.index(own.title) :]
    line = line[: line.index("</li>")]
    assert "eigene Lösung der Kommune" in line and "Bielefeld" not in line


def test_my_area_empty_state_says_what_to_do(people, client):
    sign_in(client, people["member"])
    html = client.get("/mein-bereich").get_data(as_text=True)
    assert "Bedarf erfassen" in html and "Noch keine Kontaktanfragen" in html


def test_sign_in_lands_members_in_my_area_and_curators_elsewhere(people, client, fast_hashing):
    from catalogue.services import accounts

    with unit_of_work():
        people["member"].password_hash = accounts._hasher.hash("ein-langes-passwort")
        people["curator"].password_hash = accounts._hasher.hash("ein-langes-passwort")
    response = client.post(
        "/anmelden", data={"email": "bedarf@bielefeld.example", "password": "ein-langes-passwort"}
    )
    assert response.headers["Location"].endswith("/mein-bereich")
    client.post("/abmelden")
    from flask import g

    g.pop("_login_user", None)
    response = client.post(
        "/anmelden", data={"email": "kuratierung@example.org", "password": "ein-langes-passwort"}
    )
    assert not response.headers["Location"].endswith("/mein-bereich")


def test_review_page_shows_everything_it_will_publish_and_similar_entries(people, client):
    author = make_user(Role.CONTRIBUTOR, BIELEFELD, "autorin@bielefeld.example")
    data = solution_input(
        title="Online-Terminvergabe im Bürgerbüro",
        summary="Termine für das Bürgerbüro online buchen.",
        licence="EUPL-1.2",
        leika_keys="99102013000000",
        cost_eur=12000,
        contacts=[ContactInput(name="Frau Beispiel", email="beispiel@bielefeld.example")],
    )
    solution = contributions.create_solution(actor=author, data=data)
    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=solution.id, action="submit"
    )
    sign_in(client, people["curator"])
    html = client.get(f"/pruefung/loesungen/{solution.id}").get_data(as_text=True)
    for expected in (
        "EUPL-1.2",
        "99102013000000",
        "Frau Beispiel",
        "beispiel@bielefeld.example",
        "Nachnutzbarkeit",
        "Nächste Prüfung",
        "Schlagworte",
        "Partnerkommunen",
        "Mögliche Dubletten",
        demo_solution("online-terminvergabe").title,
    ):
        assert expected in html, expected


def test_the_review_decision_tells_who_was_notified_truthfully(people, client):
    # the walk-through: a curator approved their own entry and read "the author was notified"
    curator = people["curator"]
    own = contributions.create_solution(
        actor=curator, data=solution_input(lead_municipality_ags=BIELEFELD)
    )
    author = make_user(Role.CONTRIBUTOR, BIELEFELD, "bauamt@bielefeld.example")
    other = contributions.create_solution(actor=author, data=solution_input(title="Andere Akte"))
    for actor, entry in ((curator, own), (author, other)):
        workflow.apply_action(
            actor=actor, entity_type="solution", entry_id=entry.id, action="submit"
        )
    sign_in(client, curator)
    for entry, told in ((own, False), (other, True)):
        page = client.post(
            f"/pruefung/loesungen/{entry.id}",
            data={"action": "approve", "comment": ""},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "Entscheidung gespeichert" in page
        assert ("Die Autorin oder der Autor wurde benachrichtigt." in page) is told


def test_freshness_reminders_respect_the_mail_opt_out(people, client):
    from catalogue.services import brokering_reach

    solution = demo_solution("online-terminvergabe")
    contact = solution.contacts[0].email
    client.post(f"/mail-abbestellen/{brokering_reach.opt_out_token(contact)}")
    with unit_of_work():
        solution.review_by = local_date() - timedelta(days=1)
    run = reminders.send_reminders(local_date())
    assert run.freshness.overdue >= 1
    assert not db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.recipient == contact)
    ).all()
    sign_in(client, people["member"])
    response = client.get("/mein-bereich")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_contact_request_belongs_to_the_need_it_was_asked_from(people, client):
    member = people["member"]
    need = needs.create_need(
        actor=member,
        title="Termine online vergeben",
        text="Online-Terminvergabe für das Bürgerbüro: Termine online buchen statt warten.",
    )
    sign_in(client, member)
    area = client.get("/mein-bereich").get_data(as_text=True)
    assert "Es gibt gut passende Lösungen – Kontakt anfragen?" in area
    solution = demo_solution("online-terminvergabe")
    # the match links carry the need, and the solution page's contact form preselects it
    assert f"/loesungen/{solution.slug}?bedarf={need.id}" in area
    page = client.get(f"/loesungen/{solution.slug}?bedarf={need.id}").get_data(as_text=True)
    assert f'<option selected value="{need.id}">Termine online vergeben</option>' in page
    response = client.post(
        f"/loesungen/{solution.id}/kontakt",
        data={"need_id": str(need.id), "message": "Wie lange hat die Einführung gedauert?"},
    )
    assert response.status_code == 302
    thread = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Termine online vergeben" in thread and "eine direkte Anfrage" not in thread
    # asked: "Mein Bereich" no longer suggests asking
    area = client.get("/mein-bereich").get_data(as_text=True)
    assert "Kontakt anfragen?" not in area


def test_a_contact_request_cannot_claim_another_municipalitys_need(people):
    other = make_user(Role.MEMBER, "05766020", "mitglied@detmold.example")
    theirs = needs.create_need(
        actor=other, title="Sperrmüll online", text="Wir wollen Sperrmüll online anmelden."
    )
    with pytest.raises(ValidationFailed):
        brokering.request_contact(
            actor=people["member"],
            solution_id=demo_solution("online-terminvergabe").id,
            message="Wie lange hat die Einführung gedauert?",
            need_id=theirs.id,
        )


def test_a_thread_waiting_for_us_says_who_wrote(people):
    # "wartet auf eine Antwort" said neither from whom nor what to do
    from catalogue.services.my_area import my_area

    member = people["member"]
    need = needs.create_need(
        actor=member, title="Termine online", text="Wir wollen Termine online vergeben."
    )
    request, _ = brokering.broker(
        actor=people["curator"],
        solution_id=demo_solution("online-terminvergabe").id,
        need_id=need.id,
        message="Viel Erfolg",
    )
    # the asking side was put in touch: its next step is the other municipality, not an answer
    solution = demo_solution("online-terminvergabe")
    owner = solution.lead_municipality
    labels = [t.text for t in my_area(actor=member).tasks]
    assert any(
        label.startswith(f"Anfrage Nr. {request.id}")
        and "vermittelt – lesen Sie die Nachricht vom DigitalBüro OWL und nehmen Sie Kontakt "
        f"mit {owner.name} auf"
        in label
        for label in labels
    ), labels
    # the owning side is asked to answer
    owner_staff = make_user(Role.MEMBER, owner.ags, "team@anbieter.example")
    labels = [t.text for t in my_area(actor=owner_staff).tasks]
    assert any(
        label.startswith(f"Anfrage Nr. {request.id}")
        and "neue Nachricht vom DigitalBüro OWL – bitte antworten" in label
        for label in labels
    ), labels
    brokering.post_message(actor=member, request_id=request.id, body="Danke, wir melden uns.")
    db.session.expire_all()  # a new request reads the thread afresh
    labels = [t.text for t in my_area(actor=member).tasks]
    assert not any(label.startswith(f"Anfrage Nr. {request.id}") for label in labels)
