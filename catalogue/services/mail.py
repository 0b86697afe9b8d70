"""Outgoing e-mail. Services queue mails inside their unit of work (so a rolled-back change
sends nothing); after the commit, queued mails are delivered over SMTP when ``MAIL_SERVER`` is
configured, otherwise they are written to the log and stay listed for admins."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.db import db, utcnow
from catalogue.models import OutgoingMail
from catalogue.permissions import can_manage_users, require

log = logging.getLogger(__name__)


def queue_mail(session: orm.Session, *, to: str, subject: str, body: str) -> OutgoingMail:
    mail = OutgoingMail(recipient=to, subject=subject, body=body)
    session.add(mail)
    return mail


def deliver_pending() -> int:
    """After-commit hook: send (or log) mails that have not been handled yet."""
    pending = list(
        db.session.scalars(
            sa.select(OutgoingMail)
            .where(OutgoingMail.sent_at.is_(None), OutgoingMail.error == "")
            .order_by(OutgoingMail.id)
            .limit(50)
        )
    )
    if not pending:
        return 0
    config = current_app.config
    for mail in pending:
        if not config["MAIL_SERVER"]:
            log.info(
                "E-Mail (kein SMTP konfiguriert) an %s: %s\n%s",
                mail.recipient,
                mail.subject,
                mail.body,
            )
            mail.error = "nicht versendet: kein SMTP-Server konfiguriert (nur protokolliert)"
            continue
        message = EmailMessage()
        message["From"] = config["MAIL_SENDER"]
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(message)
            mail.sent_at = utcnow()
        except (OSError, smtplib.SMTPException) as error:
            log.warning("E-Mail an %s konnte nicht versendet werden: %s", mail.recipient, error)
            mail.error = str(error)[:500]
    # Marking mails as handled is bookkeeping of this hook, committed on its own.
    db.session.commit()
    return len(pending)


def deliver_after_commit() -> None:
    try:
        deliver_pending()
    except Exception:  # noqa: BLE001 - never fail the request that already committed
        db.session.rollback()
        log.exception("delivering queued e-mails failed")


def list_mails(*, actor: Any, limit: int = 200) -> list[OutgoingMail]:
    require(can_manage_users(actor))
    return list(
        db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id.desc()).limit(limit))
    )
