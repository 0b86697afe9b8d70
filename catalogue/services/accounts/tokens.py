"""Account tokens and the flows built on them: accepting an invitation and resetting a
password.

Tokens are random, single use, expire, and are stored as SHA-256 hashes only. A reset request
does the same work whether or not the address has an account (see ``request_password_reset``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from catalogue.clock import utcnow
from catalogue.db import affected_rows, db, unit_of_work
from catalogue.errors import NotFound, ValidationFailed
from catalogue.models import AccountToken, ResetRequest, User
from catalogue.services.accounts.common import (
    ENTITY,
    base_url,
    find_by_email,
    is_deleted,
    mail_body,
    name_problem,
    normalise_email,
)
from catalogue.services.accounts.passwords import hash_password, password_problem
from catalogue.services.audit import record_event
from catalogue.services.mail import queue_mail

# Public paths of the token links in e-mails (the routes live in ``web.accounts``).
INVITATION_PATH = "/konto/einladung/"
RESET_PATH = "/konto/passwort-neu/"

PURPOSE_INVITE = "invite"
PURPOSE_RESET = "reset"

TOKEN_INVALID = "Dieser Link ist ungültig oder wurde bereits verwendet."
TOKEN_EXPIRED = "Dieser Link ist abgelaufen."

# Reset mails per address and hour: a real person needs one or two; more is someone flooding
# a colleague's inbox from many addresses (the per-client rate limit cannot see that).
RESETS_PER_ADDRESS_AND_HOUR = 3


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: orm.Session, user: User, purpose: str, lifetime: timedelta, token: str = ""
) -> str:
    token = token or secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            expires_at=utcnow() + lifetime,
        )
    )
    return token


def revoke_tokens(session: orm.Session, user: User, purpose: str | None = None) -> None:
    statement = sa.update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.used_at.is_(None)
    )
    if purpose:
        statement = statement.where(AccountToken.purpose == purpose)
    session.execute(statement.values(used_at=utcnow()))


def valid_token(session: orm.Session, token: str, purpose: str) -> AccountToken:
    record = (
        session.scalar(
            sa.select(AccountToken).where(
                AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose
            )
        )
        if token and len(token) <= 200
        else None
    )
    if record is None or record.used_at is not None:
        raise NotFound(TOKEN_INVALID)
    if not record.user.is_active or is_deleted(record.user):
        raise NotFound(TOKEN_INVALID)
    if record.expires_at <= utcnow():
        raise NotFound(TOKEN_EXPIRED)
    return record


def _consume(session: orm.Session, record: AccountToken) -> None:
    """Mark the token used; a concurrent request that used it first makes this one fail."""
    result = session.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == record.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if affected_rows(result) != 1:
        raise NotFound(TOKEN_INVALID)


def check_invitation(token: str) -> User:
    """The invited user if the link is still valid (raises NotFound otherwise)."""
    return valid_token(db.session, token, PURPOSE_INVITE).user


def accept_invitation(token: str, password: str, name: str | None = None) -> User:
    """Set the password of an invited account (single use) and activate the sign-in."""
    s = db.session
    record = valid_token(s, token, PURPOSE_INVITE)
    user = record.user
    errors: dict[str, str] = {}
    if name is not None:
        name = name.strip()
        if problem := name_problem(name):
            errors["name"] = problem
    if problem := password_problem(password, email=user.email):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        _consume(s, record)
        revoke_tokens(s, user, PURPOSE_INVITE)
        user.password_hash = hash_password(password)
        if name:
            user.name = name
        record_event(
            s,
            actor=user,
            entity_type=ENTITY,
            entity_id=user.id,
            from_state="invited",
            to_state="active",
            comment="Einladung angenommen",
        )
    return user


def _address_key(address: str) -> str:
    """A keyed hash of the address: rows about unknown addresses reveal none of them."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address. Same outcome either way.

    Both paths also do the same work, so the response time reveals nothing: record the request,
    count recent requests for the address, create a token, render the mail and run the token
    update inside one committed transaction. Only storing the token and queueing the mail
    depend on the account existing (two small inserts in the same commit).
    """
    address = normalise_email(email)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    now = utcnow()
    key = _address_key(address)
    with unit_of_work() as s:
        s.execute(sa.delete(ResetRequest).where(ResetRequest.created_at < now - timedelta(days=1)))
        recent = s.scalar(
            sa.select(sa.func.count(ResetRequest.id)).where(
                ResetRequest.address_hash == key,
                ResetRequest.created_at >= now - timedelta(hours=1),
            )
        )
        s.add(ResetRequest(address_hash=key, created_at=now))
        user = find_by_email(s, address)
        eligible = user if user is not None and user.is_active and not is_deleted(user) else None
        token = secrets.token_urlsafe(32)
        body = mail_body(
            "password_reset",
            name=user.name if user is not None else "",
            hours=hours,
            link=f"{base_url()}{RESET_PATH}{token}",
        )
        s.execute(
            sa.update(AccountToken)
            .where(
                AccountToken.user_id == (eligible.id if eligible is not None else 0),
                AccountToken.purpose == PURPOSE_RESET,
                AccountToken.used_at.is_(None),
            )
            .values(used_at=now)
        )
        if eligible is not None and (recent or 0) < RESETS_PER_ADDRESS_AND_HOUR:
            issue_token(s, eligible, PURPOSE_RESET, timedelta(hours=hours), token=token)
            queue_mail(
                s, to=eligible.email, subject="Neues Passwort für den Lösungskatalog", body=body
            )


def check_password_reset(token: str) -> User:
    return valid_token(db.session, token, PURPOSE_RESET).user


def password_changed_mail(session: orm.Session, user: User) -> None:
    queue_mail(
        session,
        to=user.email,
        subject="Ihr Passwort wurde geändert",
        body=mail_body("password_changed", name=user.name),
    )


def reset_password(token: str, password: str) -> User:
    """Set a new password with a reset token (the token is the authority; it and every other
    open token of the account are used up, and a mail tells the owner)."""
    s = db.session
    record = valid_token(s, token, PURPOSE_RESET)
    user = record.user
    if problem := password_problem(password, email=user.email):
        raise ValidationFailed({"password": problem})
    with unit_of_work() as s:
        _consume(s, record)
        revoke_tokens(s, user)  # also an open invitation: the password is set now
        user.password_hash = hash_password(password)
        password_changed_mail(s, user)
    return user
