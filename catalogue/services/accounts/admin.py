"""Account administration: invitations, roles, deactivation, the command-line bootstrap
administrator and the demo accounts."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from catalogue.db import db, unit_of_work
from catalogue.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from catalogue.models import Municipality, Role, User
from catalogue.permissions import (
    Actor,
    can_access_admin,
    can_invite_user,
    can_manage_users,
    require,
)
from catalogue.services.accounts.common import (
    ENTITY,
    assignment_problem,
    assignment_text,
    base_url,
    email_problem,
    find_by_email,
    is_deleted,
    load_user,
    mail_body,
    name_problem,
    normalise_email,
    operator,
    parse_role,
)
from catalogue.services.accounts.passwords import hash_password, password_problem
from catalogue.services.accounts.tokens import (
    INVITATION_PATH,
    PURPOSE_INVITE,
    issue_token,
    revoke_tokens,
)
from catalogue.services.audit import record_event
from catalogue.services.mail import queue_mail
from catalogue.services.seed import SeedResult

DEMO_PASSWORD = "demo-passwort-123"
DEMO_MUNICIPALITY_AGS = "05774032"  # Paderborn
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str | None], ...] = (
    ("mitglied@demo.example", "Demo Mitglied", Role.MEMBER, DEMO_MUNICIPALITY_AGS),
    (
        "beitrag@demo.example",
        "Demo Beitragende",
        Role.CONTRIBUTOR,
        DEMO_MUNICIPALITY_AGS,
    ),
    ("kuratierung@demo.example", "Demo Kuratierung", Role.CURATOR, None),
    ("admin@demo.example", "Demo Administration", Role.ADMIN, None),
)


def invitation_problems(
    *, email: str, name: str, role: Role | str, municipality_ags: str | None
) -> dict[str, str]:
    """What is wrong with an invitation, per field (reads only): all of it at once, so that a
    form can name every problem in one round."""
    s = db.session
    errors: dict[str, str] = {}
    email = normalise_email(email)
    if problem := email_problem(email):
        errors["email"] = problem
    elif find_by_email(s, email) is not None:
        errors["email"] = "Für diese E-Mail-Adresse gibt es bereits ein Konto."
    if problem := name_problem((name or "").strip()):
        errors["name"] = problem
    parsed_role = parse_role(role)
    if parsed_role is None:
        errors["role"] = "Bitte wählen Sie eine Rolle."
    elif problem := assignment_problem(s, parsed_role, (municipality_ags or "").strip() or None):
        errors["municipality_ags"] = problem
    return errors


def invite_user(
    *, actor: Actor, email: str, name: str, role: Role | str, municipality_ags: str | None
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
    if errors := invitation_problems(
        email=email, name=name, role=parsed_role, municipality_ags=municipality_ags
    ):
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
            token = issue_token(s, user, PURPOSE_INVITE, timedelta(days=days))
            assignment = assignment_text(s, parsed_role, municipality_ags)
            queue_mail(
                s,
                to=email,
                subject=f"Einladung zum Lösungskatalog des {operator()}",
                body=mail_body(
                    "invitation",
                    name=name,
                    inviter=actor.name,
                    assignment=assignment,
                    days=days,
                    link=f"{base_url()}{INVITATION_PATH}{token}",
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


def _refuse_deleted(user: User) -> None:
    if is_deleted(user):
        raise InvalidTransition("Gelöschte Konten können nicht mehr geändert werden.")


def set_role(*, actor: Actor, user_id: int, role: Role | str, municipality_ags: str | None) -> User:
    """An administrator changes another account's role and municipality (recorded in the audit
    log); never their own."""
    require(can_manage_users(actor))
    s = db.session
    user = load_user(s, user_id)
    _refuse_deleted(user)
    parsed_role = parse_role(role)
    municipality_ags = (municipality_ags or "").strip() or None
    errors: dict[str, str] = {}
    if user.id == actor.id:
        errors["role"] = "Ihre eigene Rolle kann nur eine andere Administration ändern."
    elif parsed_role is None:
        errors["role"] = "Bitte wählen Sie eine Rolle."
    elif problem := assignment_problem(s, parsed_role, municipality_ags):
        errors["municipality_ags"] = problem
    if errors:
        raise ValidationFailed(errors)
    assert parsed_role is not None
    if user.role == parsed_role and user.municipality_ags == municipality_ags:
        return user
    with unit_of_work() as s:
        before = assignment_text(s, user.role, user.municipality_ags)
        after = assignment_text(s, parsed_role, municipality_ags)
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


def deactivate_user(*, actor: Actor, user_id: int) -> User:
    """An administrator locks another account: it can no longer sign in and its sessions end."""
    require(can_manage_users(actor))
    s = db.session
    user = load_user(s, user_id)
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
        revoke_tokens(s, user)
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


def reactivate_user(*, actor: Actor, user_id: int) -> User:
    """An administrator unlocks a deactivated account (old sessions stay ended)."""
    require(can_manage_users(actor))
    s = db.session
    user = load_user(s, user_id)
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
    if problem := email_problem(email):
        errors["email"] = problem
    elif find_by_email(s, email) is not None:
        errors["email"] = "Für diese E-Mail-Adresse gibt es bereits ein Konto."
    if problem := name_problem(name):
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
            if find_by_email(s, email) is not None:
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
