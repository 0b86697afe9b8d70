"""Passwords and sign-in: the Argon2 hasher, the password policy and ``authenticate``.

Sign-in never reveals whether an address has an account: unknown addresses are verified
against a dummy hash so both paths cost one Argon2 verification.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import ValidationFailed
from catalogue.models import User
from catalogue.services.accounts.common import find_by_email, normalise_email

PASSWORD_MIN_LENGTH = 12
# Hashing is deliberately slow; an upper bound keeps one request from burning a core.
PASSWORD_MAX_LENGTH = 256

LOGIN_FAILED = "E-Mail-Adresse oder Passwort ist falsch."

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; a missing or malformed hash never matches."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against this for unknown accounts keeps the response time close to a real check.
    return _hasher.hash(secrets.token_urlsafe(16))


def password_problem(password: str, *, email: str = "") -> str | None:
    """The German reason why ``password`` is not acceptable, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Das Passwort muss mindestens {PASSWORD_MIN_LENGTH} Zeichen lang sein."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Das Passwort darf höchstens {PASSWORD_MAX_LENGTH} Zeichen lang sein."
    if not password.strip():
        return "Das Passwort darf nicht nur aus Leerzeichen bestehen."
    if email and password.strip().lower() == email.lower():
        return "Das Passwort darf nicht Ihre E-Mail-Adresse sein."
    return None


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials; one generic error for every failure."""
    failure = ValidationFailed({"email": LOGIN_FAILED}, message=LOGIN_FAILED)
    s = db.session
    user = find_by_email(s, normalise_email(email))
    if user is None or not user.password_hash or len(password) > PASSWORD_MAX_LENGTH:
        verify_password(_dummy_hash(), password[:PASSWORD_MAX_LENGTH])
        raise failure
    if not verify_password(user.password_hash, password):
        raise failure
    if not user.is_active:
        raise failure
    with unit_of_work():
        user.last_login_at = utcnow()
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
    return user
