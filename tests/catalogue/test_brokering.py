"""Brokering that reaches both sides: threads, the preview, owner contact persons by mail with
opt-out, outcomes and reuse records, the transition tables, reminders and "Mein Bereich"."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import current_app, g

from catalogue.clock import local_date, utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from catalogue.exchange_workflow import (
    CONTACT_TRANSITIONS,
    REUSE_TRANSITIONS,
    ContactAction,
    may_act_on_contact,
    reuse_step_allowed,
)
from catalogue.models import (
    ContactMessage,
    ContactOutcome,
    ContactRequest,
    ContactRequestStatus,
    MailOptOut,
    Need,
    NeedStatus,
    OutgoingMail,
    Reminder,
    Reuse,
    ReuseStatus,
    ReviewEvent,
    Role,
    Solution,
)
from catalogue.services import brokering, brokering_reach, needs, reminders, reuse
from catalogue.services.brokering_plan import plan_brokering
from tests.factories import BIELEFELD, LAGE, demo_solution, make_user, sign_in


@pytest.fixture
def people(demo):
    return {
        "member": make_user(Role.MEMBER, BIELEFELD, "bedarf@bielefeld.example", share=True),
        "colleague": make_user(Role.CONTRIBUTOR, BIELEFELD, "kollegin@bielefeld.example"),
        "other": make_user(Role.MEMBER, LAGE, "mitglied@lemgo.example"),
        "curator": make_user(Role.CURATOR, None, "kuratierung@example.org"),
    }


def _termin() -> Solution:
    return demo_solution("online-terminvergabe")


def _unstaffed() -> Solution:
    """A published demo solution with contact persons, of a municipality without accounts."""
    taken = {BIELEFELD, LAGE, _termin().lead_municipality_ags}
    return next(
        s
        for s in db.session.scalars(
            sa.select(Solution).where(Solution.revision_of_id.is_(None)).order_by(Solution.id)
        )
        if s.is_published and s.contacts and s.lead_municipality_ags not in taken
    )


def _mails_to(address: str) -> list[OutgoingMail]:
    return list(
        db.session.scalars(sa.select(OutgoingMail).where(OutgoingMail.recipient == address))
    )


def _need(member, visibility="public", title="Termine online vergeben"):
    return needs.create_need(
        actor=member,
        title=title,
        text="Wir wollen Termine im Bürgerbüro online vergeben.",
        visibility=visibility,
    )


# Transition tables ------------------------------------------------------------------------


CONTACT_CASES = [(status, action) for status in ContactRequestStatus for action in ContactAction]


@pytest.mark.parametrize(("status", "action"), CONTACT_CASES)
def test_contact_outcomes_follow_the_transition_table(people, status, action):
    request = brokering.request_contact(
        actor=people["member"], solution_id=_termin().id, message="Wie lange dauerte das?"
    )
    with unit_of_work():
        request.status = status
    expected = CONTACT_TRANSITIONS.get((status, action))
    call = (
        (
            lambda: brokering.broker(
                actor=people["curator"], solution_id=_termin().id, request_id=request.id
            )
        )
        if action == ContactAction.BROKER
        else (
            lambda: brokering.record_outcome(
                actor=people["curator"], request_id=request.id, action=action.value, comment="Grund"
            )
        )
    )
    if expected is None:
        with pytest.raises(InvalidTransition):
            call()
        assert db.session.get(ContactRequest, request.id).status == status
    else:
        call()
        assert db.session.get(ContactRequest, request.id).status == expected


ROLES = {
    "curator": SimpleNamespace(is_authenticated=True, role=Role.CURATOR, municipality_ags=None),
    "asking": SimpleNamespace(is_authenticated=True, role=Role.MEMBER, municipality_ags="A"),
    "owner": SimpleNamespace(is_authenticated=True, role=Role.CONTRIBUTOR, municipality_ags="B"),
    "other": SimpleNamespace(is_authenticated=True, role=Role.MEMBER, municipality_ags="C"),
    "anonymous": SimpleNamespace(is_authenticated=False),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ContactAction))
def test_who_may_act_on_a_contact_request(role, action):
    request = SimpleNamespace(requester_municipality_ags="A")
    allowed = may_act_on_contact(ROLES[role], request, action)
    expected = role == "curator" or (
        role == "asking" and action not in {ContactAction.BROKER, ContactAction.REOPEN}
    )
    assert allowed is expected


REUSE_CASES = [(old, new) for old in ReuseStatus for new in ReuseStatus]


@pytest.mark.parametrize(("old", "new"), REUSE_CASES)
def test_reuse_updates_follow_the_transition_table(people, old, new):
    record = reuse.declare_reuse(
        actor=people["other"], solution_id=_termin().id, status="interested"
    )
    with unit_of_work():
        record.status = old
    allowed = old == new or new in REUSE_TRANSITIONS[old]
    assert reuse_step_allowed(old, new) is allowed
    if allowed:
        reuse.update_reuse(
            actor=people["other"], reuse_id=record.id, status=new.value, ended_reason="Zu teuer"
        )
        assert db.session.get(Reuse, record.id).status == new
    else:
        with pytest.raises(InvalidTransition):
            reuse.update_reuse(
                actor=people["other"], reuse_id=record.id, status=new.value, ended_reason="x"
            )


# Brokering reaches both sides -------------------------------------------------------------


def test_brokering_to_a_municipality_without_accounts_mails_its_contact_persons(people):
    solution = _termin()
    contact_mail = solution.contacts[0].email
    need = _need(people["member"])
    plan = plan_brokering(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    assert [d.recipient.email for d in plan.side("owner")] == [contact_mail]
    assert {d.recipient.email for d in plan.side("requester")} == {
        "bedarf@bielefeld.example",
        "kollegin@bielefeld.example",
    }
    assert db.session.scalar(sa.select(sa.func.count(ContactRequest.id))) == 0  # preview only
    request, plan = brokering.broker(
        actor=people["curator"], solution_id=solution.id, need_id=need.id, message="Bitte melden!"
    )
    (mail,) = _mails_to(contact_mail)
    assert "Bitte melden!" in mail.body and "bedarf@bielefeld.example" in mail.body
    assert "/mail-abbestellen/" in mail.body and "Termine online vergeben" in mail.body
    # without an account to sign in with, the mail links the solution's page
    base = current_app.config["BASE_URL"]
    assert f"Zur Seite im Lösungskatalog: {base}/loesungen/{solution.slug}" in mail.body
    # the mail names the asking side's contact: its footer does not send replies elsewhere
    assert "Antworten Sie bitte an" not in mail.body
    assert "Fragen zu dieser E-Mail beantwortet das DigitalBüro OWL" in mail.body
    assert contact_mail in plan.summary() and "2 Konten der anfragenden" in plan.summary()
    assert request.status == ContactRequestStatus.BROKERED and request.messages
    assert db.session.get(Need, need.id).status == NeedStatus.BROKERED
    # one thread per need/solution pair
    with pytest.raises(InvalidTransition):
        brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    assert db.session.scalar(sa.select(sa.func.count(ContactRequest.id))) == 1


def test_opted_out_contact_persons_are_not_mailed_and_the_summary_says_so(people, client):
    solution = _termin()
    contact_mail = solution.contacts[0].email
    token = brokering_reach.opt_out_token(contact_mail)
    page = client.get(f"/mail-abbestellen/{token}")
    assert page.status_code == 200 and "Keine E-Mails mehr" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert client.post(f"/mail-abbestellen/{token}").status_code == 200
    assert "Erledigt" in client.get(f"/mail-abbestellen/{token}").get_data(as_text=True)
    assert client.get("/mail-abbestellen/gefaelscht").status_code == 404
    need = _need(people["member"])
    sign_in(client, people["curator"])
    preview = client.post(
        "/vermittlung/vermitteln", data={"solution_id": solution.id, "need_id": need.id}
    ).get_data(as_text=True)
    # the walk-through: it said "the solution has no contact person with an e-mail address"
    assert "E-Mails aus dem Lösungskatalog abbestellt" in preview and contact_mail in preview
    assert "keine Ansprechperson mit E-Mail-Adresse" not in preview
    _, plan = brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    assert _mails_to(contact_mail) == []
    assert "weder Konten noch erreichbare" in plan.summary() and contact_mail in plan.summary()
    # the asking side is told not to wait for the other municipality
    (told,) = _mails_to("bedarf@bielefeld.example")
    assert "über den Lösungskatalog nicht benachrichtigt" in told.body
    # the person asks the DigitalBüro to be written to again: the curator takes it back
    listing = client.get("/vermittlung/abmeldungen").get_data(as_text=True)
    assert contact_mail in listing and "Abmeldung zurücknehmen" in listing
    row = db.session.scalar(sa.select(MailOptOut))
    done = client.post("/vermittlung/abmeldungen", data={"opt_out_id": row.id})
    assert done.status_code == 302
    assert contact_mail in client.get(done.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(MailOptOut.id))) == 0
    event = db.session.scalar(
        sa.select(ReviewEvent).where(ReviewEvent.entity_type == "mail_opt_out")
    )
    assert event is not None and contact_mail in event.comment
    assert client.post("/vermittlung/abmeldungen", data={"opt_out_id": "x"}).status_code == 404
    sign_in(client, people["member"])
    assert client.get("/vermittlung/abmeldungen").status_code == 403


def test_owner_accounts_and_the_named_contact_persons_are_both_reached(people):
    # The walk-through: a brokering reached the owner's accounts only, and the "Team
    # Bürgerbüro" named in the entry (who knows the solution) never heard of it.
    solution = _termin()
    owner = make_user(Role.CONTRIBUTOR, solution.lead_municipality_ags, "team@owner.example")
    contact_mail = solution.contacts[0].email
    need = _need(people["member"])
    _, plan = brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    assert [d.recipient.email for d in plan.side("owner")] == [owner.email, contact_mail]
    (mail,) = _mails_to(contact_mail)
    assert "Ansprechperson für eine Lösung Ihrer Kommune" in mail.body
    assert "Konten Ihrer Kommune im Lösungskatalog erhalten sie ebenfalls" in mail.body
    assert "noch kein Konto" not in mail.body and "/mail-abbestellen/" in mail.body
    summary = plan.summary()
    assert "1 Konto in" in summary and "die Ansprechperson der Lösung" in summary
    assert contact_mail in summary


def test_the_preview_shows_the_owners_account_and_contact_person_with_their_channels(
    people, client
):
    solution = _termin()
    make_user(Role.CONTRIBUTOR, solution.lead_municipality_ags, "team@owner.example")
    need = _need(people["member"])
    sign_in(client, people["curator"])
    form = {"solution_id": solution.id, "need_id": need.id, "message": ""}
    html = client.post("/vermittlung/vermitteln", data=form).get_data(as_text=True)
    owner_side = html[html.index('id="side-owner"') :]
    assert "team@owner.example" in owner_side and "Benachrichtigung und E-Mail" in owner_side
    assert solution.contacts[0].email in owner_side
    assert "E-Mail an die Ansprechperson aus dem Eintrag" in owner_side
    assert "Link zum Abbestellen" in owner_side


def test_a_contact_person_with_an_account_is_reached_once_as_the_account(people):
    solution = _termin()
    contact_mail = solution.contacts[0].email
    owner = make_user(Role.CONTRIBUTOR, solution.lead_municipality_ags, contact_mail.upper())
    need = _need(people["member"])
    _, plan = brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    assert [d.recipient.user for d in plan.side("owner")] == [owner]
    assert len(_mails_to(owner.email)) == 1


def test_contact_requests_for_the_same_pair_are_one_thread_visible_to_the_asker(people, client):
    solution = _termin()
    member = people["member"]
    first = brokering.request_contact(
        actor=member, solution_id=solution.id, message="Wie lange hat die Einführung gedauert?"
    )
    second = brokering.request_contact(
        actor=people["colleague"], solution_id=solution.id, message="Und was hat es gekostet?"
    )
    assert first.id == second.id and len(db.session.get(ContactRequest, first.id).messages) == 2
    sign_in(client, member)
    html = client.get(f"/vermittlung/{first.id}").get_data(as_text=True)
    assert "Wie lange hat die Einführung gedauert?" in html and "Und was hat es gekostet?" in html
    assert "Bedarf@Bielefeld.Example" not in html and member.name in html
    sign_in(client, people["other"])
    assert client.get(f"/vermittlung/{first.id}").status_code == 404


def test_messages_and_outcome_reuse_started_creates_the_reuse_record(people):
    solution = _termin()
    owner = make_user(Role.CONTRIBUTOR, solution.lead_municipality_ags, "team@owner.example")
    need = _need(people["member"])
    request, _ = brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    with pytest.raises(PermissionDenied):
        brokering.post_message(actor=people["other"], request_id=request.id, body="Hallo")
    brokering.post_message(actor=owner, request_id=request.id, body="Rufen Sie gern an.")
    assert any("Rufen Sie gern an." in m.body for m in _mails_to(people["member"].email))
    with pytest.raises(PermissionDenied):
        brokering.record_outcome(actor=owner, request_id=request.id, action="reuse_started")
    with pytest.raises(ValidationFailed):
        brokering.record_outcome(actor=people["member"], request_id=request.id, action="close")
    brokering.record_outcome(actor=people["member"], request_id=request.id, action="reuse_started")
    request = db.session.get(ContactRequest, request.id)
    assert request.status == ContactRequestStatus.REUSE
    assert request.outcome == ContactOutcome.REUSE_STARTED
    record = db.session.get(Reuse, request.reuse_id)
    assert record.municipality_ags == BIELEFELD and record.solution_id == solution.id
    assert record.status == ReuseStatus.EVALUATING  # started: past "interessiert"
    assert record.confirmed_at is None  # declared by the municipality, not yet confirmed
    assert db.session.get(Need, need.id).status == NeedStatus.SOLVED


def test_the_curator_confirms_a_reuse_where_the_request_shows_it(people, client):
    # The outcome notice led to the request page, which said "Nachnutzung: erfasst" with no way
    # to confirm it there; the queue held it as the last of dozens.
    need = _need(people["member"])
    request, _ = brokering.broker(
        actor=people["curator"], solution_id=_termin().id, need_id=need.id
    )
    brokering.record_outcome(actor=people["member"], request_id=request.id, action="reuse_started")
    sign_in(client, people["member"])
    member_page = client.get(f"/vermittlung/{request.id}").get_data(as_text=True)
    assert "(gemeldet, noch nicht bestätigt)" in member_page
    assert "Nachnutzung bestätigen" not in member_page
    client.post("/abmelden")
    sign_in(client, people["curator"])
    page = client.get(f"/vermittlung/{request.id}").get_data(as_text=True)
    reuse_id = db.session.get(ContactRequest, request.id).reuse_id
    assert f'action="/nachnutzung/{reuse_id}/bestaetigen"' in page
    done = client.post(
        f"/nachnutzung/{reuse_id}/bestaetigen",
        data={"next": f"/vermittlung/{request.id}"},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/vermittlung/{request.id}"
    )
    page = client.get(f"/vermittlung/{request.id}").get_data(as_text=True)
    assert "(vom DigitalBüro OWL bestätigt)" in page and "Nachnutzung bestätigen" not in page


def test_a_reuse_started_again_after_it_ended_counts_again(people):
    # "Nachnutzung gestartet" revived an ended record as "interessiert", which counts as no
    # reuse: a started one is under way ("in Prüfung").
    from catalogue.services import catalogue as catalogue_service

    solution = _termin()
    record = reuse.declare_reuse(actor=people["member"], solution_id=solution.id, status="pilot")
    reuse.update_reuse(
        actor=people["member"], reuse_id=record.id, status="ended", ended_reason="Zu teuer"
    )
    before = catalogue_service.key_figures().reuses
    need = _need(people["member"])
    request, _ = brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    brokering.record_outcome(actor=people["member"], request_id=request.id, action="reuse_started")
    revived = db.session.get(Reuse, record.id)
    assert revived.status == ReuseStatus.EVALUATING and not revived.ended_reason
    assert catalogue_service.key_figures().reuses == before + 1


def test_a_side_that_shares_no_contact_details_is_reached_through_the_digitalbuero(people):
    # the walk-through: the owners read "Ansprechpersonen:" over a sentence that named nobody
    solution = _termin()
    need = _need(people["other"])  # Lage: nobody there agreed to share contact details
    brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    (owner_mail,) = _mails_to(solution.contacts[0].email)
    assert "Bitte schreiben Sie an das DigitalBüro" in owner_mail.body
    assert "Ansprechpersonen:\nBitte schreiben Sie" not in owner_mail.body
    assert "Ansprechpersonen:" not in owner_mail.body.split("Nachricht des")[0]


def test_broker_page_previews_then_confirms_truthfully(people, client):
    solution = _termin()
    need = _need(people["member"])
    sign_in(client, people["curator"])
    form = {"solution_id": solution.id, "need_id": need.id, "message": "Viel Erfolg!"}
    preview = client.post("/vermittlung/vermitteln", data=form)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Das wird geteilt" in html
    assert solution.contacts[0].email in html and "Viel Erfolg!" in html
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 0
    too_long = client.post(
        "/vermittlung/vermitteln", data={**form, "message": "x" * 2001, "step": "confirm"}
    )
    assert too_long.status_code == 400 and "x" * 2001 in too_long.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ContactRequest.id))) == 0
    done = client.post("/vermittlung/vermitteln", data={**form, "step": "confirm"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Benachrichtigt:" in page and solution.contacts[0].email in page
    # brokered from the need, nobody asked: the page does not say "Angefragt von"
    assert "Bedarf von" in page and "von sich aus vermittelt, nicht angefragt" in page
    assert "Angefragt von</dt>" not in page
    assert "Beide Kommunen wurden" not in page
    bad = client.post("/vermittlung/vermitteln", data={"solution_id": "abc"})
    assert bad.status_code == 302


# Visibility: one rule for everything another municipality receives --------------------------


@pytest.mark.parametrize("visibility", ["public", "curators"])
def test_no_notification_or_mail_leaks_a_confidential_need(people, visibility):
    """Run every brokering text (broker, messages, outcomes, reminders, reverse matching) and
    check each notification and mail against the visibility rule."""
    from catalogue.models import Notification, User
    from catalogue.permissions import can_view_need

    solution = _termin()
    owner = make_user(Role.CONTRIBUTOR, solution.lead_municipality_ags, "team@owner.example")
    title = "Geheimes Vorhaben Wartezimmer"
    need = _need(people["member"], visibility=visibility, title=title)
    request, _ = brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    brokering.post_message(actor=owner, request_id=request.id, body="Gern, melden Sie sich.")
    brokering.post_message(actor=people["member"], request_id=request.id, body="Danke!")
    with unit_of_work():
        request.last_activity_at = utcnow() - timedelta(days=30)
    reminders.send_reminders(local_date())
    brokering.record_outcome(actor=people["curator"], request_id=request.id, action="no_answer")
    # a second owner without accounts: its contact persons get the texts by mail
    brokering.broker(actor=people["curator"], solution_id=_unstaffed().id, need_id=need.id)
    users = {u.id: u for u in db.session.scalars(sa.select(User))}
    by_mail = {u.email: u for u in users.values()}
    checked = leaked = 0
    for n in db.session.scalars(sa.select(Notification)):
        allowed = can_view_need(users[n.user_id], need)
        checked += 1
        leaked += (title in n.text) and not allowed
        if allowed and "Vermittl" in n.text:
            assert title in n.text and "vertraulichen" not in n.text
    for m in db.session.scalars(sa.select(OutgoingMail)):
        allowed = can_view_need(by_mail.get(m.recipient), need)
        checked += 1
        leaked += (title in m.body + m.subject) and not allowed
        assert need.text not in m.body
    assert checked > 10 and leaked == 0
    owner_texts = [
        n.text
        for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == owner.id))
    ]
    assert owner_texts and all((title in t) == (visibility == "public") for t in owner_texts)
    if visibility == "curators":  # said in one clause, without brackets inside brackets
        assert any(
            "(zu einem vertraulichen Bedarf, dessen Titel nur das DigitalBüro und die Kommune "
            "sehen)" in t
            for t in owner_texts
        ), owner_texts
    from catalogue.services.accounts import export_personal_data

    exported = str(export_personal_data(actor=owner))
    assert (title in exported) == (visibility == "public")
    contact_mails = _mails_to(_unstaffed().contacts[0].email)
    assert contact_mails and all(
        (title in m.body) == (visibility == "public") for m in contact_mails
    )


# Reminders ---------------------------------------------------------------------------------


def test_unanswered_requests_get_one_reminder_per_silence(people, app):
    solution = _termin()
    need = _need(people["member"])
    request, _ = brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    contact_mail = solution.contacts[0].email
    today = local_date()
    assert reminders.send_reminders(today).contact_requests == 0
    later = today + timedelta(days=app.config["CONTACT_REQUEST_ANSWER_DAYS"] + 1)
    assert reminders.send_reminders(later).contact_requests == 1
    assert reminders.send_reminders(later).contact_requests == 0  # idempotent
    (reminder,) = [m for m in _mails_to(contact_mail) if "Erinnerung" in m.subject]
    silent = (later - local_date(request.last_activity_at)).days
    assert (
        f"seit {silent} Tagen" in reminder.body and "Zur Seite im Lösungskatalog" in reminder.body
    )
    curator_text = [m for m in _mails_to(people["curator"].email) if "Erinnerung" in m.subject]
    assert (
        curator_text and "Bitte fragen Sie bei der Kommune der Lösung nach." in curator_text[0].body
    )
    assert "melden Sie sich beim DigitalBüro" not in curator_text[0].body
    brokering.post_message(actor=people["member"], request_id=request.id, body="Noch da?")
    assert reminders.send_reminders(today).contact_requests == 0  # a new silence just started
    assert reminders.send_reminders(later).contact_requests == 1  # … and lasted long enough
    assert reminders.send_reminders(later).contact_requests == 0
    kinds = db.session.scalars(
        sa.select(ContactMessage.kind).where(ContactMessage.request_id == request.id)
    ).all()
    assert kinds.count("reminder") == 2


def test_reminders_cli_runs_and_reports(people, app):
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--date", "2030-01-01"])
    assert result.exit_code == 0, result.output
    assert "Aktualität:" in result.output
    again = app.test_cli_runner().invoke(args=["reminders", "send", "--date", "2030-01-01"])
    assert "0 fällig, 0 überfällig" in again.output
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) > 0


def test_reminders_dry_run_shows_what_a_day_would_send_and_sends_nothing(people, app):
    solution = _termin()
    need = _need(people["member"])
    request, _ = brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    later = local_date() + timedelta(days=app.config["CONTACT_REQUEST_ANSWER_DAYS"] + 1)
    mails = db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)))

    planned = reminders.preview_reminders(later)
    [follow_up] = [p for p in planned if p.what == "Vermittlung nachfassen"]
    assert f"Nr. {request.id}" in follow_up.title and solution.title in follow_up.title
    assert solution.contacts[0].email in follow_up.addresses
    assert people["curator"].email in follow_up.addresses
    runner = app.test_cli_runner()
    day = ["reminders", "send", "--date", later.isoformat()]
    result = runner.invoke(args=[*day, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"Vermittlung nachfassen: „Anfrage Nr. {request.id}" in result.output
    assert "nichts gesendet oder vermerkt" in result.output
    # nothing sent, recorded, or written into the thread; the timer record is left alone
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == mails
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 0
    from catalogue.models import PeriodicRun

    assert db.session.get(PeriodicRun, "reminders") is None

    # the real run sends exactly what the preview listed; afterwards the preview is empty
    sent = reminders.send_reminders(later)
    assert sent.contact_requests == 1 and sent.contact_mails == len(follow_up.addresses)
    assert sent.freshness.mails == sum(
        len(p.addresses) for p in planned if p.what.startswith("Aktualität")
    )
    assert reminders.preview_reminders(later) == []


def test_get_unknown_request_is_404(people):
    with pytest.raises(NotFound):
        brokering.get_contact_request(actor=people["curator"], request_id=999999)


def test_brokering_a_contact_request_gives_the_owners_a_way_back_to_the_asker(people):
    # The asker of a contact request did not opt in to share contact details in general, but
    # asked to be put in contact: the owners get their name and address (the form says so).
    solution = _termin()
    asker = people["colleague"]  # no share_contact
    request = brokering.request_contact(
        actor=asker, solution_id=solution.id, message="Wie lange hat die Einführung gedauert?"
    )
    plan = plan_brokering(actor=people["curator"], request_id=request.id, solution_id=solution.id)
    (owner_side,) = plan.side("owner")
    assert asker.name in owner_side.text and asker.email in owner_side.text
    assert "stellt den Kontakt her" not in owner_side.text
    # the question itself reaches those who can answer it
    assert "Wie lange hat die Einführung gedauert?" in owner_side.text
    # the asking side's sentence reads as German
    assert all("in Kontakt gebracht (auf Anfrage)" in d.text for d in plan.side("requester"))


def test_a_request_sent_before_the_form_said_so_does_not_name_its_asker(people):
    # Requests from before the contact form said that name and address are passed on carry no
    # agreement (the migration leaves it empty): brokering them names the asker only if they
    # opted in (here the colleagues of the asking town who did are named).
    solution = _termin()
    asker = people["colleague"]  # no share_contact
    request = brokering.request_contact(
        actor=asker, solution_id=solution.id, message="Wie lange hat die Einführung gedauert?"
    )
    assert request.requester_agreed_at is not None
    db.session.execute(
        sa.update(ContactRequest)
        .where(ContactRequest.id == request.id)
        .values(requester_agreed_at=None)
    )
    db.session.commit()
    plan = plan_brokering(actor=people["curator"], request_id=request.id, solution_id=solution.id)
    (owner_side,) = plan.side("owner")
    assert asker.email not in owner_side.text and "Ansprechpersonen" in owner_side.text
    # asking again on today's form is the agreement
    brokering.request_contact(
        actor=asker, solution_id=solution.id, message="Und was hat es gekostet, ungefähr?"
    )
    plan = plan_brokering(actor=people["curator"], request_id=request.id, solution_id=solution.id)
    (owner_side,) = plan.side("owner")
    assert asker.email in owner_side.text


def test_where_nobody_shares_contact_details_the_mail_says_how_to_answer(people, app):
    # A need brokered without a contact request, from a municipality where nobody opted in to
    # share contact details: the owners learn whom to write to instead of "the DigitalBüro
    # makes the contact".
    solution = _termin()
    need = _need(people["other"])
    plan = plan_brokering(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    (owner_side,) = plan.side("owner")
    assert people["other"].email not in owner_side.text
    assert app.config["OPERATOR_EMAIL"] in owner_side.text and "leitet" in owner_side.text


@pytest.mark.parametrize("action", ["close", "not_suitable", "reuse_started"])
def test_a_request_ended_before_brokering_never_reaches_the_solutions_municipality(
    people, client, action
):
    # The asker may end an open request themselves; it was never put to the owners, so they
    # neither read the thread (with its internal reason) nor list it, nor get a mail about it.
    solution = _termin()
    owner = make_user(Role.MEMBER, solution.lead_municipality_ags, "owner@paderborn.example")
    request = brokering.request_contact(
        actor=people["member"],
        solution_id=solution.id,
        message="Vertraulich: wir prüfen Alternativen zu unserem Anbieter.",
    )
    brokering.record_outcome(
        actor=people["member"], request_id=request.id, action=action, comment="Budget gestrichen"
    )
    assert db.session.get(ContactRequest, request.id).brokered_at is None
    sign_in(client, owner)
    assert client.get(f"/vermittlung/{request.id}").status_code == 404
    assert request.id not in {
        r.id for r in brokering.requests_of_municipality(owner.municipality_ags)
    }
    assert not _mails_to(owner.email)
    assert not _mails_to("buergerbuero.paderborn@example.org")


def test_the_owners_read_an_asker_who_did_not_agree_by_their_municipality_only(people, client):
    # The DigitalBüro brokers a need of a colleague who never sent the contact form and shares
    # no contact details: the owners read "Bielefeld", in the thread and in its notifications.
    solution = _termin()
    owner = make_user(Role.MEMBER, solution.lead_municipality_ags, "owner@paderborn.example")
    asker = people["colleague"]
    need = _need(asker)
    request, _ = brokering.broker(actor=people["curator"], solution_id=solution.id, need_id=need.id)
    brokering.post_message(
        actor=asker, request_id=request.id, body="Wie lange lief die Einführung?"
    )
    sign_in(client, owner)
    html = client.get(f"/vermittlung/{request.id}").get_data(as_text=True)
    assert asker.name not in html and "Bielefeld" in html
    assert "Wie lange lief die Einführung?" in html
    texts = [m.body for m in _mails_to(owner.email)]
    assert any("Neue Nachricht aus Bielefeld" in t for t in texts), texts
    assert not any(asker.name in t for t in texts)
    # the asking side and the DigitalBüro still read the name
    sign_in(client, people["curator"])
    assert asker.name in client.get(f"/vermittlung/{request.id}").get_data(as_text=True)


def test_a_deleted_account_is_forgotten_in_what_others_received(people, client):
    # The asker's name and address stood in the thread, in the curators' notifications and in
    # the owners' brokering mail; deleting the account removes them there too.
    from catalogue.models import Notification
    from catalogue.services.accounts import delete_own_account

    solution = _termin()
    asker = make_user(Role.MEMBER, BIELEFELD, "erika.muster@bielefeld.example")
    asker_name, asker_email = asker.name, asker.email
    request = brokering.request_contact(
        actor=asker, solution_id=solution.id, message="Wie lange hat die Einführung gedauert?"
    )
    brokering.broker(actor=people["curator"], solution_id=solution.id, request_id=request.id)

    def texts() -> list[str]:
        notes = [n.text for n in db.session.scalars(sa.select(Notification))]
        return notes + [m.body for m in db.session.scalars(sa.select(OutgoingMail))]

    assert any(asker_name in t for t in texts()) and any(asker_email in t for t in texts())
    delete_own_account(actor=asker)
    db.session.expire_all()
    assert not any(asker_name in t or asker_email in t for t in texts())
    labels = db.session.scalars(
        sa.select(ContactMessage.author_label).where(ContactMessage.request_id == request.id)
    ).all()
    assert not any(asker_name in label for label in labels)
    sign_in(client, people["curator"])
    assert asker_name not in client.get(f"/vermittlung/{request.id}").get_data(as_text=True)


def test_the_solution_pages_side_forms_land_on_themselves_and_own_solutions_are_not_asked(
    people, client
):
    solution = _termin()
    sign_in(client, people["member"])
    # a short message: the page comes back at the contact form's error summary. The form's
    # address names the summary: with a fragment in the URL the browser ignores `autofocus`
    # and moves the focus to the fragment's target instead, which must therefore be the summary
    response = client.post(
        f"/loesungen/{solution.id}/kontakt", data={"message": "kurz", "slug": solution.slug}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'action="/loesungen/{solution.id}/kontakt#fehler"' in html
    form = html.split('id="kontakt-anfragen"', 1)[1].split("</form>", 1)[0]
    assert html.count('id="fehler"') == 1 and 'id="fehler"' in form
    # staff of the solution's own municipality see no contact form, and cannot ask anyway
    owner = make_user(Role.MEMBER, solution.lead_municipality_ags, "owner@paderborn.example")
    sign_in(client, owner)
    html = client.get(f"/loesungen/{solution.slug}").get_data(as_text=True)
    assert "Eine Lösung Ihrer Kommune" in html and "Kontakt vermitteln lassen" not in html
    with pytest.raises(ValidationFailed):
        brokering.request_contact(
            actor=owner, solution_id=solution.id, message="Wir fragen uns selbst an."
        )


def test_before_brokering_the_outcome_buttons_explain_and_do_not_urge(people, client):
    # Right after asking, "Nachnutzung gestartet" is no call to action: nobody has been put in
    # contact yet. The page says what the outcome creates; the comment says when it is needed.
    request = brokering.request_contact(
        actor=people["colleague"], solution_id=_termin().id, message="Wie lange dauerte es?"
    )
    sign_in(client, people["colleague"])
    page = client.get(f"/vermittlung/{request.id}").text
    assert "Noch nicht vermittelt." in page
    assert "hält die Nachnutzung von Bielefeld fest – neu im Stand „in Prüfung“" in page
    assert "das DigitalBüro OWL bestätigt sie." in page
    button = re.search(r'<button class="kern-btn ([^"]+)"[^>]*value="reuse_started"', page)
    assert button and button.group(1) == "kern-btn--secondary"
    assert "optional" not in page.split('id="comment"')[0].rsplit("<label", 1)[1]
    brokering.broker(actor=people["curator"], solution_id=_termin().id, request_id=request.id)
    page = client.get(f"/vermittlung/{request.id}").text
    button = re.search(r'<button class="kern-btn ([^"]+)"[^>]*value="reuse_started"', page)
    assert button and button.group(1) == "kern-btn--primary"


def test_the_digitalbuero_is_not_asked_to_write_to_itself(people, client):
    # a curator on a solution page brokers; the members' "Ihre Nachricht an das DigitalBüro"
    # form would be a message to oneself
    solution = _termin()
    sign_in(client, people["curator"])
    page = client.get(f"/loesungen/{solution.slug}").text
    assert "Kontakt vermitteln lassen" not in page and 'name="message"' not in page
    assert 'href="/vermittlung">Vermittlung</a>' in page
    sign_in(client, people["colleague"])
    assert "Kontakt vermitteln lassen" in client.get(f"/loesungen/{solution.slug}").text


def test_an_outcome_mail_says_the_outcome_in_its_subject(people):
    # "Vermittlung: …" for every mail of a thread hid that this one reports its end
    solution = _termin()
    request = brokering.request_contact(
        actor=people["member"], solution_id=solution.id, message="Wie lange dauerte es?"
    )
    brokering.broker(actor=people["curator"], solution_id=solution.id, request_id=request.id)
    # a message in the thread is no "Vermittlung" either
    brokering.post_message(actor=people["curator"], request_id=request.id, body="Wie steht es?")
    subjects = {m.subject for m in _mails_to(people["member"].email)}
    assert f"Neue Nachricht: {solution.title}" in subjects
    brokering.record_outcome(actor=people["member"], request_id=request.id, action="not_suitable")
    (mail,) = [m for m in _mails_to(people["curator"].email) if "Passt nicht" in m.subject]
    assert mail.subject == f"Passt nicht: {solution.title}"
    assert "Neuer Stand der Anfrage: geschlossen." in mail.body


def test_the_brokering_page_links_an_open_need_to_its_waiting_request(people, client):
    # the dashboard's queue leaves out needs whose request waits below; the list says why
    need = _need(people["member"])
    request = brokering.request_contact(
        actor=people["member"], solution_id=_termin().id, message="Bitte Kontakt.", need_id=need.id
    )
    sign_in(client, people["curator"])
    page = client.get("/vermittlung").text
    article = page.split(f'href="/bedarfe/{need.id}"', 1)[1].split("</article>", 1)[0]
    assert (
        f'Dazu gibt es die Kontaktanfrage <a class="kern-link" href="/vermittlung/{request.id}">'
        in article
    )
    assert f"Nr. {request.id}</a> (offen)" in article


def test_the_reuse_forms_on_the_solution_page_also_land_on_their_error_summary(people, client):
    # "Nachnutzung melden" and "Stand aktualisieren" post to an address whose fragment is the
    # error summary, so that a failed submission puts the focus there (not on <body>)
    solution = _termin()
    sign_in(client, people["other"])

    def lands_on_summary(action: str, status: str) -> None:
        assert f'action="{action}#fehler"' in client.get(f"/loesungen/{solution.slug}").text
        response = client.post(action, data={"status": status, "slug": solution.slug})
        assert response.status_code == 400
        form = response.text.split('id="nachnutzung"', 1)[1].split("</form>", 1)[0]
        assert response.text.count('id="fehler"') == 1 and 'id="fehler"' in form

    lands_on_summary(f"/loesungen/{solution.id}/nachnutzung", "kaputt")  # report a reuse
    record = reuse.declare_reuse(actor=people["other"], solution_id=solution.id, status="pilot")
    lands_on_summary(f"/nachnutzung/{record.id}", "ended")  # update it (ending needs a reason)


def test_a_way_to_the_contact_form_stands_at_the_top_for_whoever_is_shown_the_form(people, client):
    # the form ends the sidebar (about 2,900 px down at 1280 px, over 5,000 px on a phone);
    # the same people who see it get a button below the title that jumps to the "Kontakt" box
    solution = _termin()
    top = '<a class="kern-btn kern-btn--secondary" href="#kontakt">'
    sign_in(client, people["other"])
    page = client.get(f"/loesungen/{solution.slug}").text
    header = page.split('<header class="app-solution__header">', 1)[1].split("</header>", 1)[0]
    assert f'{top}<span class="kern-label">Kontakt vermitteln lassen</span></a>' in header
    box = page.split('id="kontakt"', 1)[1]
    assert box.startswith(' tabindex="-1">')  # it takes the focus, heading first
    assert 'id="kontakt-anfragen"' in box.split("</section>", 1)[0]
    # not for the solution's own municipality, the DigitalBüro or visitors: no form, no button
    owner = make_user(Role.MEMBER, solution.lead_municipality_ags, "eigen@example.org")
    for person in (owner, people["curator"], None):
        if person:
            sign_in(client, person)
        else:
            g.pop("_login_user", None)  # Flask-Login's cache in the test's app context
            with client.session_transaction() as session:
                session.clear()
        page = client.get(f"/loesungen/{solution.slug}").text
        assert 'id="kontakt-anfragen"' not in page and top not in page, person


def test_the_brokering_list_stacks_on_phones_and_stays_a_table(people, client):
    # at 320 px the five columns scrolled sideways, "Bedarf", "Status" and "Letzte Aktivität"
    # off-screen; like Mein Bereich, each row becomes a block whose cells name their column,
    # and explicit roles keep it a table for screen readers
    need = _need(people["member"])
    brokering.request_contact(
        actor=people["member"], solution_id=_termin().id, message="Bitte Kontakt.", need_id=need.id
    )
    sign_in(client, people["curator"])
    page = client.get("/vermittlung").text
    section = page.split('aria-labelledby="requests-title"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<table class="[^"]*\bapp-table-stack\b[^"]*" role="table"', section)
    headers = re.findall(r'<th scope="col" role="columnheader">([^<]+)</th>', section)
    assert headers == ["Lösung", "Angefragt von", "Bedarf", "Status", "Letzte Aktivität"]
    row = section.split('<tbody class="kern-table__body" role="rowgroup">', 1)[1]
    assert row.lstrip().startswith('<tr role="row">')
    cells = re.findall(r"<td ([^>]*)>", row.split("</tr>", 1)[0])
    assert [re.search(r'data-label="([^"]+)"', c).group(1) for c in cells] == headers
    assert all('role="cell"' in c for c in cells)
    # every scrolling region on the page is named by something that exists
    for region in re.findall(r"<div [^>]*\btabindex=\"0\"[^>]*>", page):
        assert 'role="region"' in region, region
        label = re.search(r'aria-labelledby="([^"]+)"', region)
        assert 'aria-label="' in region or (label and f'id="{label.group(1)}"' in page), region
