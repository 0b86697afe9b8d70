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
import re
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import affected_rows, db, unit_of_work
from catalogue.models import OutgoingMail
from catalogue.permissions import Actor, can_manage_users, require
from catalogue.services.pagination import Page

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)
# A mail the SMTP server keeps refusing is given up after this many attempts (about 14 hours with
# the backoff) and counts as failed; a permanent refusal of the address (5xx) at once.
MAX_ATTEMPTS = 12
NOT_CONFIGURED = "nicht versendet: kein SMTP-Server konfiguriert (nur protokolliert)"


def one_line(text: str) -> str:
    """A header value on one line: subjects are built from titles people typed, and a line
    break in a header is refused by the mail library (the mail could never be sent)."""
    return " ".join(text.split())


def queue_mail(
    session: orm.Session, *, to: str, subject: str, body: str, unsubscribe_url: str = ""
) -> OutgoingMail:
    """Queue a mail in the caller's unit of work. ``unsubscribe_url`` (absolute) goes out as the
    ``List-Unsubscribe`` header: the page that stops this kind of mail without signing in."""
    mail = OutgoingMail(
        recipient=to,
        subject=one_line(subject),
        body=body,
        unsubscribe_url=unsubscribe_url,
        next_attempt_at=utcnow(),
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
    unsubscribe_url: str


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
            claimed = _Claimed(
                mail.id,
                mail.recipient,
                mail.subject,
                mail.body,
                mail.attempts + 1,
                mail.unsubscribe_url,
            )
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
    if mail.unsubscribe_url:
        # RFC 2369: mail programs show "Abbestellen"; opened in a browser the page asks first.
        # RFC 8058: the mail program may instead POST "List-Unsubscribe=One-Click" to the same
        # address, which every unsubscribe page accepts (HTTPS only, as the RFC requires).
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        if mail.unsubscribe_url.startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
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


def _permanent(error: Exception) -> bool:
    """The server refused the address for good (5xx for every recipient): no retry helps."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    return False


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
            if _permanent(error) or mail.attempts >= MAX_ATTEMPTS:
                log.error(
                    "E-Mail %s an %s aufgegeben nach %s Versuchen: %s",
                    mail.id,
                    mail.recipient,
                    mail.attempts,
                    error,
                )
                _record(mail.id, error=str(error)[:500], next_attempt_at=None)
                continue
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
    "wiederholt": "Versand wird wiederholt",
    "fehler": "Versand fehlgeschlagen",
    "versendet": "versendet",
    "protokolliert": "nur protokolliert (kein SMTP-Server)",
}
# Links that carry an access token: shown in the log only where the log is their one way to the
# person (no SMTP server); elsewhere an admin must not be able to use another person's link.
_TOKEN_LINK = re.compile(
    r"(/(?:konto/einladung|konto/passwort-neu|konto/passende-loesungen/abbestellen"
    r"|mail-abbestellen|abo/abbestellen)/)[^\s]+"
)
HIDDEN_TOKEN = "[im Protokoll ausgeblendet]"


def log_body(mail: OutgoingMail) -> str:
    """A mail's text as the mail log shows it: token links hidden unless the mail was only
    logged because no SMTP server is configured (then the log is how it reaches the person)."""
    if mail.error == NOT_CONFIGURED:
        return mail.body
    return _TOKEN_LINK.sub(lambda m: m.group(1) + HIDDEN_TOKEN, mail.body)


def state_of(mail: OutgoingMail) -> str:
    """A mail's key in ``MAIL_STATES`` (the same rule as the log's filter, for one row)."""
    if mail.sent_at is not None:
        return "versendet"
    if mail.error == NOT_CONFIGURED:
        return "protokolliert"
    if mail.next_attempt_at is None and mail.error:
        return "fehler"
    return "wiederholt" if mail.error else "wartet"


def _state_filter(state: str) -> list[Any]:
    pending = OutgoingMail.sent_at.is_(None)
    logged_only = OutgoingMail.error == NOT_CONFIGURED
    filters: dict[str, list[Any]] = {
        "versendet": [OutgoingMail.sent_at.is_not(None)],
        "wartet": [pending, OutgoingMail.next_attempt_at.is_not(None), OutgoingMail.error == ""],
        "wiederholt": [
            pending,
            OutgoingMail.next_attempt_at.is_not(None),
            OutgoingMail.error != "",
        ],
        "fehler": [
            pending,
            OutgoingMail.next_attempt_at.is_(None),
            OutgoingMail.error != "",
            ~logged_only,
        ],
        "protokolliert": [pending, logged_only],
    }
    return filters.get(state, [])


@dataclass(frozen=True)
class MailOverview:
    """The mail part of the operations page: is mail going out, and what is stuck."""

    smtp_configured: bool
    counts: dict[str, int]  # MAIL_STATES key → number of mails
    oldest_waiting_seconds: float | None
    failed: list[OutgoingMail]  # the newest given-up mails

    @property
    def trouble(self) -> bool:
        return bool(self.counts.get("fehler") or self.counts.get("wiederholt"))


def mail_overview(limit: int = 5) -> MailOverview:
    s = db.session
    keys = [key for key in MAIL_STATES if key != "versendet"]  # all of them unsent mails
    # one pass over the unsent rows (partial index ``ix_outgoing_mail_unsent``), not one per state
    row = s.execute(
        sa.select(
            *(sa.func.count().filter(sa.and_(*_state_filter(key))) for key in keys),
            sa.func.min(OutgoingMail.created_at).filter(OutgoingMail.next_attempt_at.is_not(None)),
        ).where(OutgoingMail.sent_at.is_(None))
    ).one()
    counts = {key: row[i] or 0 for i, key in enumerate(keys)}
    oldest = row[len(keys)]
    failed = list(
        s.scalars(
            sa.select(OutgoingMail)
            .where(*_state_filter("fehler"))
            .order_by(OutgoingMail.id.desc())
            .limit(limit)
        )
    )
    return MailOverview(
        smtp_configured=bool(current_app.config["MAIL_SERVER"]),
        counts=counts,
        oldest_waiting_seconds=(utcnow() - oldest).total_seconds() if oldest else None,
        failed=failed,
    )


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
    statement = statement.where(*_state_filter(state))
    s = db.session
    total = s.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = list(
        s.scalars(
            statement.order_by(OutgoingMail.id.desc()).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return Page(items=items, page=page, per_page=per_page, total=total)
