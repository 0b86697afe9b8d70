"""Mail delivery as an operator sees it: a mail the server keeps refusing ends as failed and
shows on the operations page, /readyz and `outbox status`; the mail log hides access links."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.models import OutgoingMail, Role, WorkerHeartbeat
from catalogue.services import mail
from tests.catalogue.test_operations import _FakeSMTP
from tests.conftest import make_app, release_app
from tests.factories import make_user, sign_in


@pytest.fixture
def smtp_app(tmp_path, monkeypatch):
    class Fake(_FakeSMTP):
        messages: list = []
        threads: list[str] = []
        refuse: dict = {}

        def send_message(self, message):
            if type(self).refuse:
                raise smtplib.SMTPRecipientsRefused(dict(type(self).refuse))
            super().send_message(message)

    monkeypatch.setattr(mail.smtplib, "SMTP", Fake)
    app = make_app(
        tmp_path, MAIL_SERVER="smtp.example.org", MAIL_USE_TLS=False, SEARCH_SYNC="worker"
    )
    try:
        with app.app_context():
            yield app, Fake
    finally:
        release_app(app)


def _row(mail_id: int) -> OutgoingMail:
    return db.session.scalar(
        sa.select(OutgoingMail)
        .where(OutgoingMail.id == mail_id)
        .execution_options(populate_existing=True)
    )


def _due_now(mail_id: int) -> None:
    with unit_of_work() as s:
        s.get(OutgoingMail, mail_id).next_attempt_at = utcnow() - timedelta(seconds=1)


def test_a_mail_the_server_keeps_refusing_is_given_up_and_counts_as_failed(smtp_app):
    app, smtp = smtp_app
    smtp.fail = True
    with unit_of_work() as s:
        queued = mail.queue_mail(s, to="amt@example.org", subject="Hallo", body="x")
    for attempt in range(1, mail.MAX_ATTEMPTS + 1):
        _due_now(queued.id)
        assert mail.deliver_due() == 1
        row = _row(queued.id)
        assert row.attempts == attempt and "abgelehnt" in row.error
        given_up = attempt == mail.MAX_ATTEMPTS
        assert (row.next_attempt_at is None) is given_up
        state = "fehler" if given_up else "wiederholt"
        assert mail.mail_overview().counts[state] == 1
    assert mail.deliver_due() == 0  # nothing is tried again
    overview = mail.mail_overview()
    assert overview.trouble and [m.id for m in overview.failed] == [queued.id]


def test_a_permanent_refusal_of_the_address_fails_at_once(smtp_app):
    app, smtp = smtp_app
    with unit_of_work() as s:
        gone = mail.queue_mail(s, to="weg@example.org", subject="Hallo", body="x")
    smtp.refuse = {"weg@example.org": (550, b"mailbox unavailable")}
    assert mail.deliver_due() == 1
    row = _row(gone.id)
    assert row.attempts == 1 and row.next_attempt_at is None and row.sent_at is None
    smtp.refuse = {"voll@example.org": (452, b"mailbox full, try later")}
    with unit_of_work() as s:
        later = mail.queue_mail(s, to="voll@example.org", subject="Hallo", body="x")
    assert mail.deliver_due() == 1
    assert _row(later.id).next_attempt_at is not None  # 4xx: tried again


def test_operators_see_failed_mail_and_a_stale_worker(smtp_app):
    app, smtp = smtp_app
    smtp.refuse = {"weg@example.org": (550, b"mailbox unavailable")}
    with unit_of_work() as s:
        mail.queue_mail(s, to="weg@example.org", subject="Vermittlung: Kita", body="x")
        s.add(WorkerHeartbeat(host="server-b", last_success_at=utcnow() - timedelta(hours=3)))
    mail.deliver_due()
    client = app.test_client()
    attention = client.get("/readyz").get_json()["attention"]
    assert attention["failed_mails"] == 1 and attention["stale_workers"] >= 1
    status = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert status.exit_code == 1 and "1 endgültig fehlgeschlagen" in status.output
    assert "weg@example.org" in status.output
    admin = make_user(Role.ADMIN, None, "admin@example.org")
    sign_in(client, admin)
    html = client.get("/verwaltung/betrieb").get_data(as_text=True)
    assert "Das braucht Aufmerksamkeit" in html
    assert "Worker auf server-b ist überfällig" in html and "server-b <strong>(überfällig)" in html
    assert "1 E-Mail endgültig nicht zugestellt" in html
    assert "E-Mail-Versand" in html and "mailbox unavailable" in html
    assert "e-mails?an=weg@example.org&amp;status=fehler" in html
    assert "catalogue outbox forget-host NAME" in html
    log = client.get("/verwaltung/e-mails?status=fehler").get_data(as_text=True)
    assert "Versand fehlgeschlagen nach 1 Versuch" in log and "weg@example.org" in log
    # a decommissioned host is removed (it held back `outbox prune`)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["outbox", "forget-host", "server-b"]).exit_code == 0
    assert db.session.get(WorkerHeartbeat, "server-b") is None
    again = runner.invoke(args=["outbox", "forget-host", "server-b"])
    assert again.exit_code != 0 and "Kein Server" in again.output


def test_the_mail_log_hides_access_links_of_mails_it_does_not_deliver_itself(app, client):
    admin = make_user(Role.ADMIN, None, "admin@example.org")
    body = (
        "Neues Passwort: https://katalog.example/konto/passwort-neu/abc.DEF-123\n"
        "Abbestellen: https://katalog.example/abo/abbestellen/xyz?x=1\n"
        "Keine E-Mails mehr: https://katalog.example/konto/passende-loesungen/abbestellen/MQ.q-7"
    )
    with unit_of_work() as s:
        sent = mail.queue_mail(s, to="person@example.org", subject="Passwort", body=body)
        only_logged = mail.queue_mail(s, to="neu@example.org", subject="Einladung", body=body)
        s.flush()
        sent.sent_at, sent.next_attempt_at = utcnow(), None
        only_logged.error, only_logged.next_attempt_at = mail.NOT_CONFIGURED, None
    assert "abc.DEF-123" not in mail.log_body(sent) and "xyz" not in mail.log_body(sent)
    assert "MQ.q-7" not in mail.log_body(sent)
    assert f"/konto/passwort-neu/{mail.HIDDEN_TOKEN}" in mail.log_body(sent)
    assert mail.log_body(only_logged) == body  # without SMTP the log is the way to the person
    sign_in(client, admin)
    html = client.get("/verwaltung/e-mails?an=person").get_data(as_text=True)
    assert "abc.DEF-123" not in html and "im Protokoll ausgeblendet" in html
    assert "abc.DEF-123" in client.get("/verwaltung/e-mails?an=neu").get_data(as_text=True)


def test_timer_commands_record_their_runs_and_an_overdue_one_shows(app, client):
    from catalogue.models import PeriodicRun
    from catalogue.services import periodic

    runner = app.test_cli_runner()
    assert runner.invoke(args=["reminders", "send"]).exit_code == 0
    assert runner.invoke(args=["alerts", "send-digests"]).exit_code == 0
    views = {v.name: v for v in periodic.run_views()}
    assert views["reminders"].finished_at is not None and not views["reminders"].problem
    assert "Aktualität" in views["reminders"].summary
    assert views["outbox-prune"].started_at is None and not views["outbox-prune"].problem
    # the digest timer stopped two days ago; a reminder run broke off three hours ago
    with unit_of_work() as s:
        digests = s.get(PeriodicRun, "digests")
        digests.last_started_at = digests.last_finished_at = utcnow() - timedelta(days=2)
        s.get(PeriodicRun, "reminders").last_started_at = utcnow() - timedelta(hours=3)
        s.get(PeriodicRun, "reminders").last_finished_at = utcnow() - timedelta(hours=4)
    views = {v.name: v for v in periodic.run_views()}
    assert views["digests"].problem.startswith("überfällig")
    assert views["reminders"].problem.startswith("abgebrochen")
    assert client.get("/readyz").get_json()["attention"]["overdue_timers"] == 2
    admin = make_user(Role.ADMIN, None, "admin@example.org")
    sign_in(client, admin)
    html = client.get("/verwaltung/betrieb").get_data(as_text=True)
    assert "Zeitgesteuerte Befehle" in html
    assert "Abo-Zusammenfassungen (alerts send-digests): überfällig" in html


def test_a_mail_with_an_unsubscribe_page_carries_it_as_list_unsubscribe_header(smtp_app):
    app, smtp = smtp_app
    url = "https://katalog.example.org/abo/abbestellen/abc"
    with unit_of_work() as s:
        with_link = mail.queue_mail(
            s, to="a@example.org", subject="Abo", body="x", unsubscribe_url=url
        )
        without = mail.queue_mail(s, to="b@example.org", subject="Passwort", body="y")
        plain_http = mail.queue_mail(
            s, to="c@example.org", subject="Abo", body="z", unsubscribe_url="http://localhost/a"
        )
    ids = {with_link.id: "a@example.org", without.id: "b@example.org", plain_http.id: "c@"}
    assert mail.deliver_due() == 3
    by_recipient = {m["To"]: m for m in smtp.messages}
    assert len(by_recipient) == len(ids)
    assert by_recipient["a@example.org"]["List-Unsubscribe"] == f"<{url}>"
    # RFC 8058: the page also takes the mail program's one-click POST (HTTPS addresses only)
    assert by_recipient["a@example.org"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert by_recipient["b@example.org"]["List-Unsubscribe"] is None
    assert by_recipient["b@example.org"]["List-Unsubscribe-Post"] is None
    assert by_recipient["c@example.org"]["List-Unsubscribe"] == "<http://localhost/a>"
    assert by_recipient["c@example.org"]["List-Unsubscribe-Post"] is None
