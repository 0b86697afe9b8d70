"""Accounts: password hashing, sign-in, invitations, password resets, profiles, roles,
deactivation, the user's own data export and GDPR deletion, and the demo accounts.

Owns every write to ``User`` and ``AccountToken``. It must not read ``flask.request`` or touch
the Flask-Login session (signing in and out is the web layer's job); it only decides who may do
what and records it. Account tokens are random, single use, expire, and are stored as SHA-256
hashes only. Sign-in and password reset never reveal whether an e-mail address has an account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import orm

from catalogue.db import db, unit_of_work, utcnow
from catalogue.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from catalogue.models import (
    AccountToken,
    Municipality,
    Notification,
    OutgoingMail,
    ReviewEvent,
    Role,
    User,
)
from catalogue.permissions import (
    can_access_admin,
    can_invite_user,
    can_manage_account,
    can_manage_users,
    require,
)
from catalogue.services.audit import record_event
from catalogue.services.mail import queue_mail
from catalogue.services.seed import SeedResult

# Public paths of the token links in e-mails (the routes live in ``web.accounts``).
INVITATION_PATH = "/konto/einladung/"
RESET_PATH = "/konto/passwort-neu/"

PURPOSE_INVITE = "invite"
PURPOSE_RESET = "reset"

PASSWORD_MIN_LENGTH = 12
# Hashing is deliberately slow; an upper bound keeps one request from burning a core.
PASSWORD_MAX_LENGTH = 256
NAME_MAX_LENGTH = 120
PHONE_MAX_LENGTH = 60
_PHONE_PATTERN = re.compile(r"^[0-9+()/.\- ]*$")

LOGIN_FAILED = "E-Mail-Adresse oder Passwort ist falsch."
TOKEN_INVALID = "Dieser Link ist ungültig oder wurde bereits verwendet."
TOKEN_EXPIRED = "Dieser Link ist abgelaufen."

DELETED_NAME = "Gelöschtes Konto"
DELETED_EMAIL_DOMAIN = "konto-geloescht.invalid"  # .invalid is reserved (RFC 2606)

DEMO_PASSWORD = "demo-passwort-123"
DEMO_MUNICIPALITY_AGS = "05774032"  # Paderborn
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str | None], ...] = (
    ("mitglied@demo.example", "Demo Mitglied (Paderborn)", Role.MEMBER, DEMO_MUNICIPALITY_AGS),
    (
        "beitrag@demo.example",
        "Demo Beitragende (Paderborn)",
        Role.CONTRIBUTOR,
        DEMO_MUNICIPALITY_AGS,
    ),
    ("kuratierung@demo.example", "Demo Kuratierung", Role.CURATOR, None),
    ("admin@demo.example", "Demo Administration", Role.ADMIN, None),
)

ENTITY = "user"

_hasher = PasswordHasher()


# Passwords ----------------------------------------------------------------------------------


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


# Helpers ------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _email_problem(email: str) -> str | None:
    if not email:
        return "Bitte geben Sie eine E-Mail-Adresse an."
    if len(email) > 254:
        return "Die E-Mail-Adresse ist zu lang."
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@kommune.de."
    return None


def _name_problem(name: str) -> str | None:
    if not name:
        return "Bitte geben Sie einen Namen an."
    if len(name) > NAME_MAX_LENGTH:
        return f"Der Name darf höchstens {NAME_MAX_LENGTH} Zeichen lang sein."
    return None


def _find_by_email(session: orm.Session, email: str) -> User | None:
    if not email:
        return None
    return session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))


def _load_user(session: orm.Session, user_id: int) -> User:
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


def _assignment_problem(session: orm.Session, role: Role, ags: str | None) -> str | None:
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


def _assignment_text(session: orm.Session, role: Role, ags: str | None) -> str:
    municipality = session.get(Municipality, ags) if ags else None
    return role.label + (f", {municipality.display_name}" if municipality else "")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _issue_token(session: orm.Session, user: User, purpose: str, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_token_hash(token),
            expires_at=utcnow() + lifetime,
        )
    )
    return token


def _revoke_tokens(session: orm.Session, user: User, purpose: str | None = None) -> None:
    statement = sa.update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.used_at.is_(None)
    )
    if purpose:
        statement = statement.where(AccountToken.purpose == purpose)
    session.execute(statement.values(used_at=utcnow()))


def _valid_token(session: orm.Session, token: str, purpose: str) -> AccountToken:
    record = (
        session.scalar(
            sa.select(AccountToken).where(
                AccountToken.token_hash == _token_hash(token), AccountToken.purpose == purpose
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
    if result.rowcount != 1:
        raise NotFound(TOKEN_INVALID)


def _base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def _operator() -> str:
    return current_app.config["OPERATOR_NAME"]


# Sign-in ------------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials; one generic error for every failure."""
    failure = ValidationFailed({"email": LOGIN_FAILED}, message=LOGIN_FAILED)
    s = db.session
    user = _find_by_email(s, normalise_email(email))
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


# Invitations --------------------------------------------------------------------------------


def invite_user(
    *, actor: Any, email: str, name: str, role: Role | str, municipality_ags: str | None
) -> tuple[User, str]:
    """Create an account without a password and e-mail a link to set one."""
    require(can_access_admin(actor))
    parsed_role = parse_role(role)
    if parsed_role is None:
        raise ValidationFailed({"role": "Bitte wählen Sie eine Rolle."})
    require(
        can_invite_user(actor, parsed_role),
        "Sie dürfen nur kommunale Mitarbeitende und Beitragende einladen.",
    )
    email = normalise_email(email)
    name = (name or "").strip()
    municipality_ags = (municipality_ags or "").strip() or None
    s = db.session
    errors: dict[str, str] = {}
    if problem := _email_problem(email):
        errors["email"] = problem
    elif _find_by_email(s, email) is not None:
        errors["email"] = "Für diese E-Mail-Adresse gibt es bereits ein Konto."
    if problem := _name_problem(name):
        errors["name"] = problem
    if problem := _assignment_problem(s, parsed_role, municipality_ags):
        errors["municipality_ags"] = problem
    if errors:
        raise ValidationFailed(errors)
    days = current_app.config["INVITATION_DAYS"]
    try:
        with unit_of_work() as s:
            user = User(
                email=email,
                name=name,
                role=parsed_role,
                municipality_ags=municipality_ags,
                password_hash=None,
                is_active=True,
            )
            s.add(user)
            s.flush()
            token = _issue_token(s, user, PURPOSE_INVITE, timedelta(days=days))
            assignment = _assignment_text(s, parsed_role, municipality_ags)
            queue_mail(
                s,
                to=email,
                subject=f"Einladung zum Lösungskatalog des {_operator()}",
                body=(
                    f"Guten Tag {name},\n\n"
                    f"{actor.name} hat Sie zum Lösungskatalog des {_operator()} eingeladen "
                    f"({assignment}).\n\n"
                    f"Bitte legen Sie innerhalb von {days} Tagen über diesen Link Ihr "
                    f"Passwort fest:\n{_base_url()}{INVITATION_PATH}{token}\n\n"
                    "Der Link funktioniert nur einmal. Wenn Sie diese Einladung nicht erwartet "
                    "haben, können Sie diese E-Mail ignorieren.\n"
                ),
            )
            record_event(
                s,
                actor=actor,
                entity_type=ENTITY,
                entity_id=user.id,
                from_state=None,
                to_state="invited",
                comment=f"Eingeladen als {assignment}",
            )
    except sa.exc.IntegrityError as error:  # a concurrent invitation with the same address
        raise ValidationFailed(
            {"email": "Für diese E-Mail-Adresse gibt es bereits ein Konto."}
        ) from error
    return user, token


def check_invitation(token: str) -> User:
    """The invited user if the link is still valid (raises NotFound otherwise)."""
    return _valid_token(db.session, token, PURPOSE_INVITE).user


def accept_invitation(token: str, password: str, name: str | None = None) -> User:
    """Set the password of an invited account (single use) and activate the sign-in."""
    s = db.session
    record = _valid_token(s, token, PURPOSE_INVITE)
    user = record.user
    errors: dict[str, str] = {}
    if name is not None:
        name = name.strip()
        if problem := _name_problem(name):
            errors["name"] = problem
    if problem := password_problem(password, email=user.email):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        _consume(s, record)
        _revoke_tokens(s, user, PURPOSE_INVITE)
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


# Password reset -----------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address. Same outcome either way."""
    s = db.session
    user = _find_by_email(s, normalise_email(email))
    if user is None or not user.is_active or is_deleted(user):
        return
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    with unit_of_work() as s:
        _revoke_tokens(s, user, PURPOSE_RESET)
        token = _issue_token(s, user, PURPOSE_RESET, timedelta(hours=hours))
        queue_mail(
            s,
            to=user.email,
            subject="Neues Passwort für den Lösungskatalog",
            body=(
                f"Guten Tag {user.name},\n\n"
                "für Ihr Konto im Lösungskatalog wurde ein neues Passwort angefordert. "
                f"Über diesen Link können Sie es innerhalb von {hours} Stunden festlegen:\n"
                f"{_base_url()}{RESET_PATH}{token}\n\n"
                "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Ihr "
                "bisheriges Passwort bleibt gültig.\n"
            ),
        )


def check_password_reset(token: str) -> User:
    return _valid_token(db.session, token, PURPOSE_RESET).user


def _password_changed_mail(session: orm.Session, user: User) -> None:
    queue_mail(
        session,
        to=user.email,
        subject="Ihr Passwort wurde geändert",
        body=(
            f"Guten Tag {user.name},\n\n"
            "das Passwort Ihres Kontos im Lösungskatalog wurde soeben geändert. Wenn Sie das "
            f"nicht waren, wenden Sie sich bitte sofort an das {_operator()}.\n"
        ),
    )


def reset_password(token: str, password: str) -> User:
    s = db.session
    record = _valid_token(s, token, PURPOSE_RESET)
    user = record.user
    if problem := password_problem(password, email=user.email):
        raise ValidationFailed({"password": problem})
    with unit_of_work() as s:
        _consume(s, record)
        _revoke_tokens(s, user)  # also an open invitation: the password is set now
        user.password_hash = hash_password(password)
        _password_changed_mail(s, user)
    return user


# Own account --------------------------------------------------------------------------------


def update_profile(*, actor: Any, name: str, phone: str, share_contact: bool) -> User:
    require(can_manage_account(actor))
    name = (name or "").strip()
    phone = (phone or "").strip()
    errors: dict[str, str] = {}
    if problem := _name_problem(name):
        errors["name"] = problem
    if len(phone) > PHONE_MAX_LENGTH:
        errors["phone"] = f"Die Telefonnummer darf höchstens {PHONE_MAX_LENGTH} Zeichen lang sein."
    elif not _PHONE_PATTERN.match(phone):
        errors["phone"] = (
            "Bitte geben Sie nur Ziffern, Leerzeichen und + ( ) / - an, z. B. 05251 88-0."
        )
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        user = _load_user(s, actor.id)
        user.name = name
        user.phone = phone
        user.share_contact = bool(share_contact)
    return user


def change_password(*, actor: Any, current: str, new: str) -> None:
    require(can_manage_account(actor))
    s = db.session
    user = _load_user(s, actor.id)
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current[:PASSWORD_MAX_LENGTH]):
        errors["current_password"] = "Das aktuelle Passwort ist falsch."
    if problem := password_problem(new, email=user.email):
        errors["new_password"] = problem
    elif new == current:
        errors["new_password"] = "Das neue Passwort muss sich vom bisherigen unterscheiden."
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        # The new hash changes the session fingerprint: every other session ends; the web
        # layer signs the current one in again with the new identity.
        user.password_hash = hash_password(new)
        _revoke_tokens(s, user, PURPOSE_RESET)
        _password_changed_mail(s, user)


def end_sessions(*, actor: Any) -> User:
    """End every session of the signed-in account (sign-out, "sign out other devices").

    Raising the epoch changes the identity stored in every session cookie, so each of them is
    refused on its next request; a copied cookie is worthless afterwards.
    """
    require(can_manage_account(actor))
    with unit_of_work() as s:
        user = _load_user(s, actor.id)
        user.session_epoch = (user.session_epoch or 0) + 1
    return user


def export_personal_data(*, actor: Any) -> dict[str, Any]:
    """Everything the catalogue stores about the signed-in person (Art. 15/20 GDPR)."""
    require(can_manage_account(actor))
    s = db.session
    user = _load_user(s, actor.id)

    def iso(value) -> str | None:
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
    }


def _other_active_admins(session: orm.Session, user: User) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(User.id)).where(
                User.role == Role.ADMIN, User.is_active, User.id != user.id
            )
        )
        or 0
    )


def delete_own_account(*, actor: Any) -> None:
    """Anonymise the account in place so that audit rows keep pointing at a valid row."""
    require(can_manage_account(actor))
    s = db.session
    user = _load_user(s, actor.id)
    if user.role == Role.ADMIN and _other_active_admins(s, user) == 0:
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
        placeholder = f"geloescht-{user.id}-{secrets.token_hex(6)}@{DELETED_EMAIL_DOMAIN}"
        # The mail log is personal data too: keep the row (it happened), drop who and what.
        s.execute(
            sa.update(OutgoingMail)
            .where(OutgoingMail.recipient == old_email)
            .values(recipient=placeholder, body="(Inhalt gelöscht)")
        )
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


# Administration -----------------------------------------------------------------------------


def _refuse_deleted(user: User) -> None:
    if is_deleted(user):
        raise InvalidTransition("Gelöschte Konten können nicht mehr geändert werden.")


def set_role(*, actor: Any, user_id: int, role: Role | str, municipality_ags: str | None) -> User:
    require(can_manage_users(actor))
    s = db.session
    user = _load_user(s, user_id)
    _refuse_deleted(user)
    parsed_role = parse_role(role)
    municipality_ags = (municipality_ags or "").strip() or None
    errors: dict[str, str] = {}
    if user.id == actor.id:
        errors["role"] = "Ihre eigene Rolle kann nur eine andere Administration ändern."
    elif parsed_role is None:
        errors["role"] = "Bitte wählen Sie eine Rolle."
    elif problem := _assignment_problem(s, parsed_role, municipality_ags):
        errors["municipality_ags"] = problem
    if errors:
        raise ValidationFailed(errors)
    assert parsed_role is not None
    if user.role == parsed_role and user.municipality_ags == municipality_ags:
        return user
    with unit_of_work() as s:
        before = _assignment_text(s, user.role, user.municipality_ags)
        after = _assignment_text(s, parsed_role, municipality_ags)
        from_state = user.role.value
        user.role = parsed_role
        user.municipality_ags = municipality_ags
        record_event(
            s,
            actor=actor,
            entity_type=ENTITY,
            entity_id=user.id,
            from_state=from_state,
            to_state=parsed_role.value,
            comment=f"Rolle geändert: {before} → {after}",
        )
    return user


def deactivate_user(*, actor: Any, user_id: int) -> User:
    require(can_manage_users(actor))
    s = db.session
    user = _load_user(s, user_id)
    _refuse_deleted(user)
    if user.id == actor.id:
        raise ValidationFailed(
            {"user": "Sie können Ihr eigenes Konto nicht deaktivieren."},
            message="Sie können Ihr eigenes Konto nicht deaktivieren.",
        )
    if not user.is_active:
        raise InvalidTransition("Das Konto ist bereits deaktiviert.")
    with unit_of_work() as s:
        user.is_active = False
        user.session_epoch = (user.session_epoch or 0) + 1  # reactivation revives no session
        _revoke_tokens(s, user)
        record_event(
            s,
            actor=actor,
            entity_type=ENTITY,
            entity_id=user.id,
            from_state="active",
            to_state="inactive",
            comment="Konto deaktiviert",
        )
    return user


def reactivate_user(*, actor: Any, user_id: int) -> User:
    require(can_manage_users(actor))
    s = db.session
    user = _load_user(s, user_id)
    _refuse_deleted(user)
    if user.is_active:
        raise InvalidTransition("Das Konto ist bereits aktiv.")
    with unit_of_work() as s:
        user.is_active = True
        record_event(
            s,
            actor=actor,
            entity_type=ENTITY,
            entity_id=user.id,
            from_state="inactive",
            to_state="active",
            comment="Konto reaktiviert",
        )
    return user


def create_admin(*, email: str, name: str, password: str) -> User:
    """Bootstrap an administrator from the command line (no actor: the operator's shell)."""
    email = normalise_email(email)
    name = (name or "").strip()
    s = db.session
    errors: dict[str, str] = {}
    if problem := _email_problem(email):
        errors["email"] = problem
    elif _find_by_email(s, email) is not None:
        errors["email"] = "Für diese E-Mail-Adresse gibt es bereits ein Konto."
    if problem := _name_problem(name):
        errors["name"] = problem
    if problem := password_problem(password, email=email):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work() as s:
        user = User(email=email, name=name, role=Role.ADMIN, password_hash=hash_password(password))
        s.add(user)
        s.flush()
        record_event(
            s,
            actor=None,
            entity_type=ENTITY,
            entity_id=user.id,
            from_state=None,
            to_state="active",
            comment="Administration über die Kommandozeile angelegt",
        )
    return user


def create_demo_accounts() -> SeedResult:
    """One account per role with the well-known demo password; only in demo mode."""
    if not current_app.config.get("DEMO_MODE"):
        raise PermissionDenied(
            "Demo-Konten mit bekanntem Passwort gibt es nur im Demo-Modus (CATALOGUE_DEMO_MODE)."
        )
    s = db.session
    if s.get(Municipality, DEMO_MUNICIPALITY_AGS) is None:
        raise NotFound(
            "Die Kommune Paderborn fehlt. Bitte zuerst `catalogue seed municipalities` ausführen."
        )
    created = existing = 0
    with unit_of_work() as s:
        for email, name, role, ags in DEMO_ACCOUNTS:
            if _find_by_email(s, email) is not None:
                existing += 1
                continue
            user = User(
                email=email,
                name=name,
                role=role,
                municipality_ags=ags,
                password_hash=hash_password(DEMO_PASSWORD),
            )
            s.add(user)
            s.flush()
            record_event(
                s,
                actor=None,
                entity_type=ENTITY,
                entity_id=user.id,
                from_state=None,
                to_state="active",
                comment="Demo-Konto angelegt",
            )
            created += 1
    return SeedResult(created=created, existing=existing)
