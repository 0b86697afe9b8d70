"""The signed-in person's own account: profile, password, sessions, data export (Art. 15/20
GDPR) and deletion (anonymised in place so audit rows keep a valid actor)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import ValidationFailed
from catalogue.models import (
    AccountToken,
    ContactMessage,
    Notification,
    OutgoingMail,
    ReviewEvent,
    Role,
    User,
)
from catalogue.permissions import Actor, can_manage_account, require, signed_in_id
from catalogue.services.accounts.common import (
    DELETED_EMAIL_DOMAIN,
    DELETED_NAME,
    ENTITY,
    PHONE_MAX_LENGTH,
    PHONE_PATTERN,
    load_user,
    name_problem,
    other_active_admins,
)
from catalogue.services.accounts.passwords import (
    PASSWORD_MAX_LENGTH,
    hash_password,
    password_problem,
    verify_password,
)
from catalogue.services.accounts.tokens import PURPOSE_RESET, password_changed_mail, revoke_tokens
from catalogue.services.alerts import delete_all_subscriptions, export_subscriptions
from catalogue.services.audit import record_event


def update_profile(
    *,
    actor: Actor,
    name: str,
    phone: str,
    share_contact: bool,
    mail_match_alerts: bool | None = None,
) -> User:
    """The signed-in person changes their own name, phone, whether other municipalities may
    see their contact details and (``None`` leaves it) whether new solutions that fit their
    municipality's open needs well come by e-mail."""
    require(can_manage_account(actor))
    name = (name or "").strip()
    phone = (phone or "").strip()
    errors: dict[str, str] = {}
    if problem := name_problem(name):
        errors["name"] = problem
    if len(phone) > PHONE_MAX_LENGTH:
        errors["phone"] = f"Die Telefonnummer darf höchstens {PHONE_MAX_LENGTH} Zeichen lang sein."
    elif not PHONE_PATTERN.match(phone):
        errors["phone"] = (
            "Bitte geben Sie nur Ziffern, Leerzeichen und + ( ) / - an, z. B. 05251 88-0."
        )
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        user = load_user(s, signed_in_id(actor))
        user.name = name
        user.phone = phone
        user.share_contact = bool(share_contact)
        if mail_match_alerts is not None:
            user.mail_match_alerts = bool(mail_match_alerts)
    return user


def change_password(*, actor: Actor, current: str, new: str) -> None:
    """The signed-in person replaces their password (the current one is required); every other
    session of the account ends, and a mail tells the owner."""
    require(can_manage_account(actor))
    s = db.session
    user = load_user(s, signed_in_id(actor))
    # The new password is checked first: an unusable one says nothing about the current one
    # (otherwise a borrowed session could test guesses without ever changing anything).
    if problem := password_problem(new, email=user.email):
        raise ValidationFailed({"new_password": problem})
    if new == current:
        raise ValidationFailed(
            {"new_password": "Das neue Passwort muss sich vom bisherigen unterscheiden."}
        )
    if not verify_password(user.password_hash, current[:PASSWORD_MAX_LENGTH]):
        raise ValidationFailed({"current_password": "Das aktuelle Passwort ist falsch."})
    with unit_of_work() as s:
        # The new hash changes the session fingerprint: every other session ends; the web
        # layer signs the current one in again with the new identity.
        user.password_hash = hash_password(new)
        revoke_tokens(s, user, PURPOSE_RESET)
        password_changed_mail(s, user)


def end_sessions(*, actor: Actor) -> User:
    """End every session of the signed-in account (sign-out, "sign out other devices").

    Raising the epoch changes the identity stored in every session cookie, so each of them is
    refused on its next request; a copied cookie is worthless afterwards.
    """
    require(can_manage_account(actor))
    with unit_of_work() as s:
        user = load_user(s, signed_in_id(actor))
        user.session_epoch = (user.session_epoch or 0) + 1
    return user


def export_personal_data(*, actor: Actor) -> dict[str, Any]:
    """Everything the catalogue stores about the signed-in person (Art. 15/20 GDPR)."""
    require(can_manage_account(actor))
    s = db.session
    user = load_user(s, signed_in_id(actor))

    def iso(value: datetime | None) -> str | None:
        return value.isoformat(timespec="seconds") if value else None

    notifications = s.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    events = s.scalars(
        sa.select(ReviewEvent).where(ReviewEvent.actor_id == user.id).order_by(ReviewEvent.id)
    )
    mails = s.scalars(
        sa.select(OutgoingMail)
        .where(OutgoingMail.recipient == user.email)
        .order_by(OutgoingMail.id)
    )
    return {
        "export_created_at": iso(utcnow()),
        "profile": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "phone": user.phone,
            "share_contact": user.share_contact,
            "mail_match_alerts": user.mail_match_alerts,
            "role": user.role.value,
            "role_label": user.role.label,
            "municipality_ags": user.municipality_ags,
            "municipality": user.municipality.display_name if user.municipality else None,
            "is_active": user.is_active,
            "created_at": iso(user.created_at),
            "last_login_at": iso(user.last_login_at),
        },
        "notifications": [
            {
                "text": n.text,
                "link": n.link,
                "created_at": iso(n.created_at),
                "read_at": iso(n.read_at),
            }
            for n in notifications
        ],
        "activity": [
            {
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "comment": e.comment,
                "created_at": iso(e.created_at),
            }
            for e in events
        ],
        # Subjects only: bodies may hold (expired) account links.
        "emails": [{"subject": m.subject, "created_at": iso(m.created_at)} for m in mails],
        "subscriptions": export_subscriptions(user.id),
    }


def _forget_in_others_texts(s: orm.Session, user: User, old_email: str) -> None:
    """Name and address also stand in texts others received: the thread messages' author
    labels, their notifications and mails ("Kontaktanfrage von …", brokering mails naming
    the asker). They are replaced where they occur. A name is replaced only if it is a full
    name (two words or at least eight letters): a short one could be an ordinary word."""
    s.execute(
        sa.update(ContactMessage)
        .where(ContactMessage.author_id == user.id)
        .values(author_label=DELETED_NAME)
    )
    pairs = [(old_email, "(Adresse gelöscht)")]
    name = (user.name or "").strip()
    if " " in name or len(name) >= 8:
        pairs.append((name, DELETED_NAME))
    for old, new in pairs:
        for column in (Notification.text, OutgoingMail.body):
            s.execute(
                sa.update(column.class_)
                .where(column.contains(old, autoescape=True))
                .values({column.key: sa.func.replace(column, old, new)})
            )


def delete_own_account(*, actor: Actor) -> None:
    """Anonymise the account in place so that audit rows keep pointing at a valid row."""
    require(can_manage_account(actor))
    s = db.session
    user = load_user(s, signed_in_id(actor))
    if user.role == Role.ADMIN and other_active_admins(s, user) == 0:
        raise ValidationFailed(
            {
                "confirm": "Sie sind die einzige aktive Administration. Bitte ernennen Sie zuerst "
                "eine weitere Person zur Administration."
            }
        )
    with unit_of_work() as s:
        old_email = user.email
        s.execute(sa.delete(Notification).where(Notification.user_id == user.id))
        s.execute(sa.delete(AccountToken).where(AccountToken.user_id == user.id))
        delete_all_subscriptions(s, user.id)
        placeholder = f"geloescht-{user.id}-{secrets.token_hex(6)}@{DELETED_EMAIL_DOMAIN}"
        # The mail log is personal data too: keep the row (it happened), drop who and what.
        s.execute(
            sa.update(OutgoingMail)
            .where(OutgoingMail.recipient == old_email)
            .values(recipient=placeholder, body="(Inhalt gelöscht)")
        )
        _forget_in_others_texts(s, user, old_email)
        user.name = DELETED_NAME
        user.email = placeholder
        user.password_hash = None
        user.phone = ""
        user.share_contact = False
        user.is_active = False
        user.last_login_at = None
        user.session_epoch = (user.session_epoch or 0) + 1
        record_event(
            s,
            actor=user,
            entity_type=ENTITY,
            entity_id=user.id,
            from_state="active",
            to_state="deleted",
            comment="Konto auf eigenen Wunsch gelöscht (anonymisiert)",
        )
