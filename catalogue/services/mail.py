"""Outgoing e-mail. Services queue mails as rows inside their unit of work (so a rolled-back
change sends nothing); the worker — in inline mode a background thread of the web process —
delivers due mails over SMTP when ``MAIL_SERVER`` is configured, otherwise writes them to the
log and leaves them listed for admins. SMTP never runs inside a request.

Delivery: a mail is claimed in a short transaction (attempts + 1, next attempt pushed past a
lease) before it is sent, and marked sent in another, so two workers never send the same row and
a failed attempt is retried with backoff (error and attempts stay visible). If a process dies
between handing a mail to the SMTP server and recording it, the mail is sent again after the
lease; its Message-ID is stable (derived from the row), so receiving systems can discard the
duplicate.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.db import affected_rows, db, unit_of_work, utcnow
from catalogue.models import OutgoingMail
from catalogue.permissions import Actor, can_manage_users, require
from catalogue.services.pagination import Page

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)
NOT_CONFIGURED = "nicht versendet: kein SMTP-Server konfiguriert (nur protokolliert)"


def one_line(text: str) -> str:
    """A header value on one line: subjects are built from titles people typed, and a line
    break in a header is refused by the mail library (the mail could never be sent)."""
    return " ".join(text.split())


def queue_mail(session: orm.Session, *, to: str, subject: str, body: str) -> OutgoingMail:
    mail = OutgoingMail(
        recipient=to, subject=one_line(subject), body=body, next_attempt_at=utcnow()
    )
    session.add(mail)
    return mail


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient: str
    subject: str
    body: str
    attempts: int


def _claim() -> _Claimed | None:
    """Take the oldest due mail. The conditional UPDATE (compare-and-set on the due time) makes
    the claim safe where ``SKIP LOCKED`` is not available (SQLite): only one process wins."""
    now = utcnow()
    for _ in range(5):
        with unit_of_work() as s:
            mail = s.scalar(
                sa.select(OutgoingMail)
                .execution_options(populate_existing=True)
                .where(OutgoingMail.sent_at.is_(None), OutgoingMail.next_attempt_at <= now)
                .order_by(OutgoingMail.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if mail is None:
                return None
            won = affected_rows(
                s.execute(
                    sa.update(OutgoingMail)
                    .where(
                        OutgoingMail.id == mail.id,
                        OutgoingMail.sent_at.is_(None),
                        OutgoingMail.next_attempt_at == mail.next_attempt_at,
                    )
                    .values(attempts=OutgoingMail.attempts + 1, next_attempt_at=now + LEASE)
                    .execution_options(synchronize_session=False)
                )
            )
            claimed = _Claimed(mail.id, mail.recipient, mail.subject, mail.body, mail.attempts + 1)
        if won:
            return claimed
    return None


def message_id(mail_id: int, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<loesungskatalog-mail-{mail_id}@{domain}>"


def _send(mail: _Claimed) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = mail.recipient
    message["Subject"] = one_line(mail.subject)
    message["Message-ID"] = message_id(mail.id, config["MAIL_SENDER"])
    message.set_content(mail.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _record(mail_id: int, **values: Any) -> None:
    with unit_of_work() as s:
        s.execute(sa.update(OutgoingMail).where(OutgoingMail.id == mail_id).values(**values))


def deliver_due(limit: int = 20) -> int:
    """Deliver (or, without SMTP, log) up to ``limit`` due mails; returns how many were handled.
    Runs in the worker or the inline background thread, never in a request."""
    handled = 0
    for _ in range(limit):
        mail = _claim()
        if mail is None:
            break
        handled += 1
        if not current_app.config["MAIL_SERVER"]:
            log.info(
                "E-Mail (kein SMTP konfiguriert) an %s: %s\n%s",
                mail.recipient,
                mail.subject,
                mail.body,
            )
            _record(mail.id, error=NOT_CONFIGURED, next_attempt_at=None)
            continue
        try:
            _send(mail)
        except (OSError, smtplib.SMTPException) as error:
            log.warning("E-Mail an %s konnte nicht versendet werden: %s", mail.recipient, error)
            delay = min(timedelta(seconds=30 * 2 ** (mail.attempts - 1)), MAX_BACKOFF)
            _record(mail.id, error=str(error)[:500], next_attempt_at=utcnow() + delay)
            continue
        except ValueError as error:
            # a header the mail library refuses (e.g. an address it cannot parse): no retry
            # can fix it, so the mail is marked failed and shows on the operations page
            log.error("E-Mail %s an %s ist ungültig: %s", mail.id, mail.recipient, error)
            _record(mail.id, error=f"ungültig: {error}"[:500], next_attempt_at=None)
            continue
        _record(mail.id, sent_at=utcnow(), error="", next_attempt_at=None)
    return handled


MAIL_STATES = {
    "wartet": "wartet auf Versand",
    "versendet": "versendet",
    "fehler": "Versand fehlgeschlagen",
    "protokolliert": "nur protokolliert (kein SMTP-Server)",
}


def list_mails(
    *, actor: Actor, recipient: str = "", state: str = "", page: int = 1, per_page: int = 50
) -> Page[OutgoingMail]:
    """The mail log, newest first: the operator's answer to "did X get the mail?" —
    filtered by (part of) the recipient's address and by state (``MAIL_STATES``)."""
    require(can_manage_users(actor))
    statement = sa.select(OutgoingMail)
    if recipient.strip():
        pattern = "%" + recipient.strip().lower().replace("%", "").replace("_", "") + "%"
        statement = statement.where(sa.func.lower(OutgoingMail.recipient).like(pattern))
    pending = OutgoingMail.sent_at.is_(None)
    logged_only = OutgoingMail.error == NOT_CONFIGURED
    if state == "versendet":
        statement = statement.where(OutgoingMail.sent_at.is_not(None))
    elif state == "wartet":
        statement = statement.where(pending, OutgoingMail.next_attempt_at.is_not(None))
    elif state == "fehler":
        statement = statement.where(
            pending, OutgoingMail.next_attempt_at.is_(None), OutgoingMail.error != "", ~logged_only
        )
    elif state == "protokolliert":
        statement = statement.where(pending, logged_only)
    s = db.session
    total = s.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = list(
        s.scalars(
            statement.order_by(OutgoingMail.id.desc()).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return Page(items=items, page=page, per_page=per_page, total=total)
