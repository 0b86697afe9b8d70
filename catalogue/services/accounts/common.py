"""Shared pieces of the account services: address and name checks, loading users, role
assignment rules, the deleted-account marker and the mail body templates.

No writes happen here; the modules beside it (``passwords``, ``tokens``, ``self_service``,
``admin``) own the writes to ``User`` and ``AccountToken``.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from sqlalchemy import orm

from catalogue.errors import NotFound
from catalogue.models import Municipality, Role, User

NAME_MAX_LENGTH = 120
PHONE_MAX_LENGTH = 60
PHONE_PATTERN = re.compile(r"^[0-9+()/.\- ]*$")

DELETED_NAME = "Gelöschtes Konto"
DELETED_EMAIL_DOMAIN = "konto-geloescht.invalid"  # .invalid is reserved (RFC 2606)

ENTITY = "user"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def email_problem(email: str) -> str | None:
    if not email:
        return "Bitte geben Sie eine E-Mail-Adresse an."
    if len(email) > 254:
        return "Die E-Mail-Adresse ist zu lang."
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@kommune.de."
    return None


def name_problem(name: str) -> str | None:
    if not name:
        return "Bitte geben Sie einen Namen an."
    if len(name) > NAME_MAX_LENGTH:
        return f"Der Name darf höchstens {NAME_MAX_LENGTH} Zeichen lang sein."
    return None


def find_by_email(session: orm.Session, email: str) -> User | None:
    if not email:
        return None
    return session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))


def load_user(session: orm.Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Dieses Konto gibt es nicht.")
    return user


def is_deleted(user: User) -> bool:
    return user.email.endswith("@" + DELETED_EMAIL_DOMAIN)


def is_pending(user: User) -> bool:
    """Invited, but no password set yet."""
    return user.password_hash is None and user.is_active and not is_deleted(user)


def parse_role(value: Any) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


def assignment_problem(session: orm.Session, role: Role, ags: str | None) -> str | None:
    """Municipal staff need a municipality; DigitalBüro staff (curators, admins) have none."""
    if role in {Role.MEMBER, Role.CONTRIBUTOR}:
        if not ags:
            return "Bitte wählen Sie die Kommune, für die die Person arbeitet."
        if session.get(Municipality, ags) is None:
            return "Diese Kommune gibt es nicht."
        return None
    if ags:
        return (
            "Kuratierung und Administration gehören zum DigitalBüro und haben keine Kommune. "
            "Bitte wählen Sie „keine Kommune“."
        )
    return None


def assignment_text(session: orm.Session, role: Role, ags: str | None) -> str:
    municipality = session.get(Municipality, ags) if ags else None
    return role.label + (f", {municipality.display_name}" if municipality else "")


def base_url() -> str:
    url: str = current_app.config["BASE_URL"]
    return url.rstrip("/")


def operator() -> str:
    name: str = current_app.config["OPERATOR_NAME"]
    return name


def mail_body(template: str, **context: Any) -> str:
    """The plain-text body ``templates/accounts/mail/<name>.txt`` (not HTML-escaped)."""
    body = render_template(
        f"accounts/mail/{template}.txt", base_url=base_url(), operator=operator(), **context
    )
    return body + "\n"


def other_active_admins(session: orm.Session, user: User) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(User.id)).where(
                User.role == Role.ADMIN, User.is_active, User.id != user.id
            )
        )
        or 0
    )
