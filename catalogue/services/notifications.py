"""In-app notifications (and the matching e-mails) for authors, curators and municipalities."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound
from catalogue.models import Notification, Role, User
from catalogue.permissions import Actor, is_staff, require
from catalogue.services.mail import queue_mail


def notify(
    session: orm.Session,
    *,
    user: User,
    text: str,
    link: str = "",
    mail_subject: str | None = None,
    base_url: str = "",
    mail_footer: str = "",
    unsubscribe_path: str = "",
) -> None:
    """A notification in the app and, with ``mail_subject``, the same text by e-mail.
    ``mail_footer`` closes the mail (why it came, how to stop it); ``unsubscribe_path`` is the
    page that stops this kind of mail, sent as the List-Unsubscribe header."""
    session.add(Notification(user_id=user.id, text=text, link=link))
    if mail_subject and user.is_active:
        body = text + (f"\n\n{base_url}{link}" if link else "")
        if mail_footer:
            body += f"\n\n--\n{mail_footer}"
        queue_mail(
            session,
            to=user.email,
            subject=mail_subject,
            body=body,
            unsubscribe_url=f"{base_url}{unsubscribe_path}" if unsubscribe_path else "",
        )


def curators(session: orm.Session) -> list[User]:
    return list(
        session.scalars(
            sa.select(User).where(User.role.in_([Role.CURATOR, Role.ADMIN]), User.is_active)
        )
    )


def municipality_staff(session: orm.Session, ags: str) -> list[User]:
    return list(
        session.scalars(sa.select(User).where(User.municipality_ags == ags, User.is_active))
    )


def notify_curators(session: orm.Session, **kwargs: Any) -> None:
    for curator in curators(session):
        notify(session, user=curator, **kwargs)


def list_notifications(*, actor: Actor, limit: int = 50) -> list[Notification]:
    require(is_staff(actor))
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == actor.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(actor: Actor) -> int:
    if not is_staff(actor):
        return 0
    return (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == actor.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_all_read(*, actor: Actor) -> int:
    """Mark all of the signed-in person's notifications as read; returns how many."""
    require(is_staff(actor))
    with unit_of_work() as s:
        rows = list(
            s.scalars(
                sa.select(Notification).where(
                    Notification.user_id == actor.id, Notification.read_at.is_(None)
                )
            )
        )
        for row in rows:
            row.read_at = utcnow()
    return len(rows)


def get_notification(*, actor: Actor, notification_id: int) -> Notification:
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != getattr(actor, "id", None):
        raise NotFound("Diese Benachrichtigung gibt es nicht.")
    return row
