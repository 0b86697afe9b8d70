"""Alerts: subscriptions, the digest command (once per period, a solution never twice), the
anonymous unsubscribe link, privacy of other municipalities' needs, and reverse matching that
never tells a municipality about its own solution."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from catalogue.clock import day_start, local_date, utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound, PermissionDenied, ValidationFailed
from catalogue.models import (
    DigestFrequency,
    Need,
    NeedVisibility,
    Notification,
    OutgoingMail,
    Role,
    Subscription,
    SubscriptionDelivery,
    User,
)
from catalogue.permissions import AnonymousActor
from catalogue.services import accounts, alerts, contributions, digests, needs, workflow
from tests.factories import (
    BIELEFELD,
    LEMGO,
    PADERBORN,
    make_user,
    publish_solution,
    sign_in,
    solution_input,
)

SCHIEDSAMT = {
    "title": "Schiedsamt online: Schlichtungsanträge digital einreichen",
    "summary": "Bei Nachbarschaftsstreit reichen Bürgerinnen und Bürger Schlichtungsanträge beim "
    "Schiedsamt online ein.",
    "description": "Ein Online-Formular nimmt Schlichtungsanträge für das Schiedsamt entgegen; "
    "die Schiedsperson lädt digital zum Termin.",
    "category": "sicherheit-ordnung",
    "tags": ["Schiedsamt", "Schlichtung", "Online-Antrag"],
}
NEED_TEXT = (
    "Bürgerinnen sollen Schlichtungsanträge beim Schiedsamt bei Nachbarschaftsstreit online "
    "einreichen können."
)


def _soon_within_one_day() -> datetime:
    """A moment a minute ahead whose next quarter of an hour stays in one Berlin day, so that a
    run "in the same period" minutes later is one (the tests failed when run just before
    midnight in Berlin: the later run fell into the next day's, or week's, period)."""
    now = utcnow() + timedelta(minutes=1)
    if local_date(now + timedelta(minutes=15)) != local_date(now):
        now = day_start(local_date(now) + timedelta(days=1)) + timedelta(minutes=1)
    return now


@pytest.fixture
def people(demo):
    return {
        "bielefeld": make_user(Role.MEMBER, BIELEFELD, "mitglied@bielefeld.example"),
        "lemgo": make_user(Role.MEMBER, LEMGO, "mitglied@lemgo.example"),
        "lemgo_author": make_user(Role.CONTRIBUTOR, LEMGO, "beitrag@lemgo.example"),
        "paderborn_author": make_user(Role.CONTRIBUTOR, PADERBORN, "beitrag@paderborn.example"),
        "curator": make_user(Role.CURATOR, None, "kuratierung@example.org"),
    }


def _mails_to(user: User) -> list[OutgoingMail]:
    return list(
        db.session.scalars(
            sa.select(OutgoingMail)
            .where(OutgoingMail.recipient == user.email, OutgoingMail.subject.contains("Abos"))
            .order_by(OutgoingMail.id)
        )
    )


def test_a_new_solution_matching_a_saved_search_is_sent_once(people):
    member, curator = people["bielefeld"], people["curator"]
    alerts.create_subscription(actor=member, kind="search", query="Schiedsamt", frequency="daily")
    first = publish_solution(people["lemgo_author"], curator, **SCHIEDSAMT)
    publish_solution(people["lemgo_author"], curator, title="Digitale Hundesteuer-Anmeldung")
    now = _soon_within_one_day()
    run = digests.send_digests(now=now)
    assert (run.mails, run.items) == (1, 1)
    [mail] = _mails_to(member)
    assert first.title in mail.body and "Hundesteuer" not in mail.body
    assert f"/loesungen/{first.slug}" in mail.body
    assert "/abo/abbestellen/" in mail.body

    # A second run in the same period sends nothing.
    assert digests.send_digests(now=now + timedelta(minutes=5)).mails == 0
    # The next period: a second matching solution is sent, the first is not sent again.
    second = publish_solution(
        people["paderborn_author"], curator, title="Schiedsamt: Termine für Schlichtungen buchen"
    )
    run = digests.send_digests(now=now + timedelta(days=1))
    assert (run.mails, run.items) == (1, 1)
    latest = _mails_to(member)[-1]
    assert second.title in latest.body and first.title not in latest.body
    # And the period after that has nothing new: no mail at all.
    assert digests.send_digests(now=now + timedelta(days=2)).mails == 0
    sent = db.session.scalars(sa.select(SubscriptionDelivery.solution_id)).all()
    assert sorted(sent) == sorted([first.id, second.id])
    # the management page says what the abo has reported (the walk-through found no trace)
    (view,) = alerts.subscription_views(actor=member)
    assert view.sent == 2 and view.last_sent_at is not None


def test_weekly_digest_comes_once_a_week_and_never_to_inactive_accounts(people):
    member, curator, other = people["bielefeld"], people["curator"], people["lemgo"]
    for user in (member, other):
        alerts.create_subscription(
            actor=user, kind="category", category="sicherheit-ordnung", frequency="weekly"
        )
    with unit_of_work():
        db.session.get(User, other.id).is_active = False
    first = publish_solution(people["lemgo_author"], curator, **SCHIEDSAMT)
    now = _soon_within_one_day()
    assert digests.send_digests(now=now).mails == 1
    assert _mails_to(other) == []
    second = publish_solution(
        people["paderborn_author"],
        curator,
        title="Schiedsamt-Terminbuchung",
        category="sicherheit-ordnung",
    )
    today = local_date(now)
    end_of_week = day_start(today + timedelta(days=7 - today.weekday())) - timedelta(minutes=1)
    assert digests.send_digests(now=end_of_week).mails == 0  # same ISO week
    run = digests.send_digests(now=end_of_week + timedelta(minutes=2))  # Monday of the next
    assert (run.mails, run.items) == (1, 1)
    body = _mails_to(member)[-1].body
    assert second.title in body and first.title not in body


def test_a_solution_two_abos_find_is_counted_once(people):
    member, curator = people["bielefeld"], people["curator"]
    alerts.create_subscription(actor=member, kind="search", query="Schiedsamt", frequency="daily")
    alerts.create_subscription(
        actor=member, kind="category", category="sicherheit-ordnung", frequency="daily"
    )
    solution = publish_solution(people["lemgo_author"], curator, **SCHIEDSAMT)
    run = digests.send_digests(now=utcnow() + timedelta(minutes=1))
    [mail] = _mails_to(member)
    assert mail.subject.endswith("1 neue Lösung zu Ihren Abos"), mail.subject
    assert "gibt es 1 neue Lösung zu Ihren Abos" in mail.body
    # listed under both abos, described and linked once (the walk-through read "2 new" over 7
    # entries, each with its summary); the command counts it once too
    assert mail.body.count(solution.title) == 2 and "(oben schon beschrieben)" in mail.body
    assert mail.body.count(f"/loesungen/{solution.slug}") == 1
    assert run.items == 1
    # the mail program's "Abbestellen" (List-Unsubscribe) stops this mail: both abos it covered
    token = mail.unsubscribe_url.rpartition("/abo/abbestellen/")[2]
    assert len(alerts.subscriptions_for_token(token)) == 2
    assert alerts.unsubscribe(token) == 2


def test_period_keys():
    monday = datetime(2026, 11, 30, 8, 0)
    assert digests.period_key(DigestFrequency.DAILY, monday) == "2026-11-30"
    assert digests.period_key(DigestFrequency.WEEKLY, monday) == "2026-W49"
    assert digests.period_key(DigestFrequency.WEEKLY, monday + timedelta(days=6)) == "2026-W49"
    assert digests.period_key(DigestFrequency.WEEKLY, monday + timedelta(days=7)) == "2026-W50"


def test_periods_count_in_berlin_days():
    """23:30 UTC on Sunday is already Monday in Berlin: a new day and a new week."""
    sunday_night_utc = datetime(2026, 11, 29, 23, 30)
    assert digests.period_key(DigestFrequency.DAILY, sunday_night_utc) == "2026-11-30"
    assert digests.period_key(DigestFrequency.WEEKLY, sunday_night_utc) == "2026-W49"
    summer_night_utc = datetime(2026, 7, 5, 22, 15)  # 00:15 on Monday in summer time
    assert digests.period_key(DigestFrequency.DAILY, summer_night_utc) == "2026-07-06"
    assert digests.period_key(DigestFrequency.DAILY, datetime(2026, 7, 5, 21, 59)) == "2026-07-05"


def test_unsubscribe_link_works_without_signing_in(people, client):
    member = people["bielefeld"]
    alerts.create_subscription(actor=member, kind="search", query="Schiedsamt", frequency="daily")
    publish_solution(people["lemgo_author"], people["curator"], **SCHIEDSAMT)
    digests.send_digests(now=utcnow() + timedelta(minutes=1))
    [mail] = _mails_to(member)
    path = re.search(r"https?://[^/\s]+(/abo/abbestellen/\S+)", mail.body).group(1)

    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Suche „Schiedsamt“" in html and "Abo abbestellen" in html
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 1  # GET changes nothing

    done = client.post(path).get_data(as_text=True)
    assert "Das Abo ist abbestellt" in done
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 0
    assert "bereits abbestellt" in client.get(path).get_data(as_text=True)
    assert client.post(path).status_code == 200  # twice is harmless
    assert client.get(path[:-3] + "xyz").status_code == 404


def test_unsubscribe_token_names_one_subscription_of_one_person(people):
    a = alerts.create_subscription(actor=people["bielefeld"], kind="category", category="bildung")
    b = alerts.create_subscription(actor=people["lemgo"], kind="category", category="bildung")
    token = alerts.unsubscribe_token(a)
    assert alerts.unsubscribe(token) == 1
    assert db.session.get(Subscription, b.id) is not None
    with pytest.raises(NotFound):
        alerts.unsubscribe(token.replace(token[-4:], "AAAA"))


def test_open_needs_digest_shows_only_own_needs_and_never_own_solutions(people):
    curator = people["curator"]
    # Lemgo's need is visible to the DigitalBüro only: private data of Lemgo.
    needs.create_need(
        actor=people["lemgo"],
        title="Schiedsamt digital (intern)",
        text=NEED_TEXT,
        visibility=NeedVisibility.CURATORS.value,
    )
    colleague = make_user(Role.CONTRIBUTOR, LEMGO, "kollegin@lemgo.example")
    for user in (people["bielefeld"], people["lemgo"], colleague):
        alerts.create_subscription(actor=user, kind="open_needs", frequency="daily")
    alerts.create_subscription(
        actor=people["bielefeld"], kind="search", query="Schiedsamt", frequency="daily"
    )
    # Lemgo's own solution is never offered to Lemgo for its own need.
    own = publish_solution(people["lemgo_author"], curator, **SCHIEDSAMT)
    now = _soon_within_one_day()
    digests.send_digests(now=now)
    assert _mails_to(people["lemgo"]) == []
    [bielefeld_mail] = _mails_to(people["bielefeld"])
    assert own.title in bielefeld_mail.body
    assert "intern" not in bielefeld_mail.body and "Bedarf" not in bielefeld_mail.body

    # Paderborn's solution fits Lemgo's need: Lemgo hears about it, with its own need named.
    other = publish_solution(
        people["paderborn_author"],
        curator,
        **{**SCHIEDSAMT, "title": "Schlichtung beim Schiedsamt: Anträge online stellen"},
    )
    digests.send_digests(now=now + timedelta(days=1))
    [lemgo_mail] = _mails_to(people["lemgo"])
    assert other.title in lemgo_mail.body and own.title not in lemgo_mail.body
    assert "Ihrem Bedarf „Schiedsamt digital (intern)“" in lemgo_mail.body
    # its link preselects that need in the contact form
    lemgo_need = db.session.scalar(
        sa.select(Need).where(Need.title == "Schiedsamt digital (intern)")
    )
    assert f"/loesungen/{other.slug}?bedarf={lemgo_need.id}" in lemgo_mail.body
    # reverse matching told Lemgo about it on publication ("passt gut"): the digest says so
    told = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == people["lemgo"].id,
            Notification.link == f"/loesungen/{other.slug}?bedarf={lemgo_need.id}",
        )
    )
    assert told is not None and "passt gut zu Ihrem Bedarf" in told.text
    assert "(Ihnen schon gemeldet)" in lemgo_mail.body
    [colleague_mail] = _mails_to(colleague)  # matched once per run, sent to both
    assert other.title in colleague_mail.body
    for mail in _mails_to(people["bielefeld"]):
        assert "Schiedsamt digital (intern)" not in mail.body
    # Drafts of other municipalities never appear anywhere.
    draft = contributions.create_solution(
        actor=people["paderborn_author"],
        data=solution_input(**{**SCHIEDSAMT, "title": "Entwurf: Schiedsamt-App"}),
    )
    digests.send_digests(now=now + timedelta(days=2))
    assert all(draft.title not in m.body for m in db.session.scalars(sa.select(OutgoingMail)))


def test_reverse_matching_never_tells_a_municipality_about_its_own_solution(people):
    curator = people["curator"]
    own_need = needs.create_need(actor=people["lemgo"], title="Schiedsamt digital", text=NEED_TEXT)
    other_need = needs.create_need(
        actor=people["bielefeld"], title="Schiedsamt online", text=NEED_TEXT
    )

    def passt_gut(user: User) -> list[str]:
        return [
            t
            for t in db.session.scalars(
                sa.select(Notification.text).where(Notification.user_id == user.id)
            )
            if "passt gut" in t
        ]

    solution = contributions.create_solution(
        actor=people["lemgo_author"], data=solution_input(**SCHIEDSAMT)
    )
    workflow.apply_action(
        actor=people["lemgo_author"], entity_type="solution", entry_id=solution.id, action="submit"
    )
    workflow.apply_action(
        actor=curator, entity_type="solution", entry_id=solution.id, action="approve"
    )
    # Reverse matching runs on approval (after commit); no direct call, so that the test holds
    # wherever the job lives.
    assert passt_gut(people["bielefeld"])  # the other municipality is told
    assert any(f"„{other_need.title}“" in t for t in passt_gut(curator))
    assert passt_gut(people["lemgo"]) == [] and passt_gut(people["lemgo_author"]) == []
    assert all(f"„{own_need.title}“ (Lemgo)" not in t for t in passt_gut(curator))


def test_subscriptions_need_a_signed_in_person_and_valid_choices(people):
    with pytest.raises(PermissionDenied):
        alerts.create_subscription(actor=AnonymousActor(), kind="category", category="bildung")
    with pytest.raises(ValidationFailed) as error:
        alerts.create_subscription(actor=people["bielefeld"], kind="search", query=" ")
    assert "Suchbegriffe" in error.value.errors["query"]
    with pytest.raises(ValidationFailed) as error:
        alerts.create_subscription(actor=people["bielefeld"], kind="kreis", kreis="99999")
    assert "kreis" in error.value.errors
    with pytest.raises(ValidationFailed) as error:
        alerts.create_subscription(actor=people["curator"], kind="open_needs")
    assert "Kommune" in error.value.errors["kind"]
    first = alerts.create_subscription(
        actor=people["bielefeld"], kind="kreis", kreis="05766", frequency="daily"
    )
    again = alerts.create_subscription(
        actor=people["bielefeld"], kind="kreis", kreis="05766", frequency="weekly"
    )
    assert again.id == first.id and again.frequency.value == "weekly"
    views = alerts.subscription_views(actor=people["bielefeld"])
    assert [v.label for v in views] == ["Neue Lösungen aus Kreis Lippe"]
    with pytest.raises(NotFound):
        alerts.delete_subscription(actor=people["lemgo"], subscription_id=first.id)


def test_account_export_and_deletion_include_subscriptions(people):
    member = people["bielefeld"]
    alerts.create_subscription(
        actor=member, kind="search", query="Kita", filters={"kreis": ["05711"]}
    )
    exported = accounts.export_personal_data(actor=member)
    assert exported["subscriptions"][0]["query"] == "Kita"
    assert exported["subscriptions"][0]["filters"] == {"kreis": ["05711"]}
    accounts.delete_own_account(actor=member)
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 0


def test_management_page_and_subscribing_from_the_search(people, client, app):
    assert app.test_client().get("/konto/abos").status_code == 302  # sign-in first
    member = people["bielefeld"]
    sign_in(client, member)
    page = client.get("/konto/abos").get_data(as_text=True)
    assert "Sie haben noch keine Abos" in page and "Bedarfe abonnieren" in page

    confirm = client.get("/suche/abonnieren?q=Terminvergabe&kreis=05774")
    assert confirm.status_code == 200
    assert "Suche „Terminvergabe“ · Kreis: Kreis Paderborn" in confirm.get_data(as_text=True)
    response = client.post(
        "/suche/abonnieren?q=Terminvergabe&kreis=05774", data={"frequency": "daily"}
    )
    assert response.status_code == 302 and response.location.endswith("/konto/abos")
    [row] = alerts.list_subscriptions(actor=member)
    assert (row.query, row.filters, row.frequency.value) == (
        "Terminvergabe",
        '{"kreis": ["05774"]}',
        "daily",
    )
    assert "noch nicht geprüft" in client.get("/konto/abos").get_data(as_text=True)

    bad = client.post("/konto/abos/kategorie", data={"kat-category": "", "kat-frequency": "daily"})
    assert bad.status_code == 400 and "Bitte korrigieren Sie" in bad.get_data(as_text=True)
    ok = client.post(
        "/konto/abos/kategorie", data={"kat-category": "bildung", "kat-frequency": "weekly"}
    )
    assert ok.status_code == 302
    bad_frequency = client.post(f"/konto/abos/{row.id}/haeufigkeit", data={"frequency": "x"})
    assert bad_frequency.status_code == 302
    assert "täglich oder wöchentlich" in client.get("/konto/abos").get_data(as_text=True)
    client.post(f"/konto/abos/{row.id}/haeufigkeit", data={"frequency": "weekly"})
    page = client.get("/konto/abos").get_data(as_text=True)
    assert "Kategorie „Bildung &amp; Schule“" in page
    assert page.count("E-Mail wöchentlich") == 2
    client.post(f"/konto/abos/{row.id}/loeschen")
    assert len(alerts.list_subscriptions(actor=member)) == 1


def test_cli_send_digests(people, app):
    alerts.create_subscription(actor=people["bielefeld"], kind="search", query="Schiedsamt")
    publish_solution(people["lemgo_author"], people["curator"], **SCHIEDSAMT)
    # a dry run shows who would get what, and sends and records nothing
    dry = app.test_cli_runner().invoke(args=["alerts", "send-digests", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{people['bielefeld'].email}: Lösungskatalog: 1 neue Lösung" in dry.output
    assert "Probelauf: 1 E-Mail würde eingereiht; nichts gesendet." in dry.output
    assert _mails_to(people["bielefeld"]) == []
    assert db.session.scalar(sa.select(sa.func.count(SubscriptionDelivery.id))) == 0
    result = app.test_cli_runner().invoke(args=["alerts", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "1 E-Mail mit 1 Lösung eingereiht" in result.output
    again = app.test_cli_runner().invoke(args=["alerts", "send-digests"])
    assert "0 E-Mails" in again.output


def test_a_concurrent_run_never_causes_a_second_mail(people, monkeypatch):
    """Two hosts' timers may run at once: the period is re-checked under a row lock before
    writing, and the unique (subscription, solution) pair stops a duplicate delivery."""
    member = people["bielefeld"]
    sub = alerts.create_subscription(actor=member, kind="search", query="Schiedsamt")
    solution = publish_solution(people["lemgo_author"], people["curator"], **SCHIEDSAMT)
    now = _soon_within_one_day()
    real_sections = digests._sections

    def other_host_delivers_first(user, subscriptions, cache):
        sections = real_sections(user, subscriptions, cache)
        with unit_of_work() as s:  # the other run commits while this one was computing
            s.add(SubscriptionDelivery(subscription_id=sub.id, solution_id=solution.id, period="x"))
        return sections

    monkeypatch.setattr(digests, "_sections", other_host_delivers_first)
    run = digests.send_digests(now=now)
    assert (run.mails, run.skipped_concurrent) == (0, 1)
    assert _mails_to(member) == []

    def other_host_finished_the_period(user, subscriptions, cache):
        sections = real_sections(user, subscriptions, cache)
        with unit_of_work() as s:
            s.get(Subscription, sub.id).last_period = digests.period_key(sub.frequency, now)
        return sections

    with unit_of_work() as s:
        s.execute(sa.delete(SubscriptionDelivery))
    monkeypatch.setattr(digests, "_sections", other_host_finished_the_period)
    run = digests.send_digests(now=now)
    assert (run.mails, run.items) == (0, 0)
    assert _mails_to(member) == []


def _publish_schiedsamt(people) -> None:
    solution = contributions.create_solution(
        actor=people["lemgo_author"], data=solution_input(**SCHIEDSAMT)
    )
    workflow.apply_action(
        actor=people["lemgo_author"], entity_type="solution", entry_id=solution.id, action="submit"
    )
    workflow.apply_action(
        actor=people["curator"], entity_type="solution", entry_id=solution.id, action="approve"
    )


def _match_mails(user: User) -> list[OutgoingMail]:
    return list(
        db.session.scalars(
            sa.select(OutgoingMail).where(
                OutgoingMail.recipient == user.email,
                OutgoingMail.subject.startswith("Passende Lösung"),
            )
        )
    )


def test_reverse_match_mails_can_be_stopped_from_the_mail_without_signing_in(people, client):
    member, colleague = (
        people["bielefeld"],
        make_user(Role.MEMBER, BIELEFELD, "kollegin@bielefeld.example"),
    )
    needs.create_need(actor=member, title="Schiedsamt online", text=NEED_TEXT)
    _publish_schiedsamt(people)
    [mail] = _match_mails(member)
    assert "Keine E-Mails mehr zu passenden neuen Lösungen (ohne Anmeldung)" in mail.body
    path = re.search(r"https?://[^/\s]+(/konto/passende-loesungen/abbestellen/\S+)", mail.body)
    assert path is not None and mail.unsubscribe_url.endswith(path.group(1))
    path = path.group(1)

    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Diese E-Mails abbestellen" in page.get_data(as_text=True)
    assert db.session.get(User, member.id).mail_match_alerts  # GET changes nothing
    done = client.post(path).get_data(as_text=True)
    assert "Abbestellt." in done
    db.session.expire_all()
    assert not db.session.get(User, member.id).mail_match_alerts
    assert db.session.get(User, colleague.id).mail_match_alerts  # only the one account
    assert "bereits abbestellt" in client.get(path).get_data(as_text=True)
    assert client.get(path[:-3] + "xyz").status_code == 404

    # the next fitting solution: the notice in the app comes, the mail only to the colleague
    before = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.user_id == member.id)
    )
    _publish_schiedsamt(people)
    after = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.user_id == member.id)
    )
    assert after == before + 1
    assert len(_match_mails(member)) == 1 and len(_match_mails(colleague)) == 2


def test_the_account_page_switches_reverse_match_mails_off_and_on(people, client):
    member = people["bielefeld"]
    sign_in(client, member)
    page = client.get("/konto").get_data(as_text=True)
    assert "gut zu einem offenen Bedarf meiner Kommune passt" in page
    form = {"profil-name": member.name, "profil-phone": "", "profil-share_contact": ""}
    client.post("/konto", data={k: v for k, v in form.items() if v})
    db.session.expire_all()
    assert not db.session.get(User, member.id).mail_match_alerts
    client.post("/konto", data={"profil-name": member.name, "profil-mail_match_alerts": "y"})
    db.session.expire_all()
    assert db.session.get(User, member.id).mail_match_alerts
    assert accounts.export_personal_data(actor=member)["profile"]["mail_match_alerts"] is True

    # DigitalBüro staff have no municipality (no needs of their own): no such setting, and
    # saving their profile leaves the stored value alone
    curator = people["curator"]
    client.post("/abmelden")
    sign_in(client, curator)
    assert "Bedarf meiner Kommune" not in client.get("/konto").get_data(as_text=True)
    client.post("/konto", data={"profil-name": curator.name})
    db.session.expire_all()
    assert db.session.get(User, curator.id).mail_match_alerts
