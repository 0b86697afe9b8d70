"""Accounts: password hashing and sign-in (``passwords``), invitations and password resets
(``tokens``), the own account (``self_service``) and account administration (``admin``);
shared checks in ``common``, mail bodies in ``templates/accounts/mail/``.

Owns every write to ``User`` and ``AccountToken``. It must not read ``flask.request`` or touch
the Flask-Login session (signing in and out is the web layer's job); it only decides who may do
what and records it. Sign-in and password reset never reveal whether an e-mail address has an
account. Callers import this package (``from catalogue.services import accounts``); the names
below are its public interface.
"""

from __future__ import annotations

from catalogue.services.accounts.admin import (
    DEMO_ACCOUNTS,
    DEMO_MUNICIPALITY_AGS,
    DEMO_PASSWORD,
    create_admin,
    create_demo_accounts,
    deactivate_user,
    invitation_problems,
    invite_user,
    reactivate_user,
    set_role,
)
from catalogue.services.accounts.common import (
    DELETED_EMAIL_DOMAIN,
    DELETED_NAME,
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    is_deleted,
    is_pending,
    normalise_email,
    parse_role,
)
from catalogue.services.accounts.mail_settings import (
    match_alerts_account,
    match_alerts_footer,
    match_alerts_off_path,
    stop_match_alerts,
)
from catalogue.services.accounts.passwords import (
    LOGIN_FAILED,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    _dummy_hash,
    _hasher,
    authenticate,
    hash_password,
    password_problem,
    verify_password,
)
from catalogue.services.accounts.self_service import (
    change_password,
    delete_own_account,
    end_sessions,
    export_personal_data,
    update_profile,
)
from catalogue.services.accounts.tokens import (
    INVITATION_PATH,
    PURPOSE_INVITE,
    PURPOSE_RESET,
    RESET_PATH,
    RESETS_PER_ADDRESS_AND_HOUR,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    accept_invitation,
    check_invitation,
    check_password_reset,
    request_password_reset,
    reset_password,
)

__all__ = [
    "DELETED_EMAIL_DOMAIN",
    "DELETED_NAME",
    "DEMO_ACCOUNTS",
    "DEMO_MUNICIPALITY_AGS",
    "DEMO_PASSWORD",
    "INVITATION_PATH",
    "LOGIN_FAILED",
    "NAME_MAX_LENGTH",
    "PASSWORD_MAX_LENGTH",
    "PASSWORD_MIN_LENGTH",
    "PHONE_MAX_LENGTH",
    "PURPOSE_INVITE",
    "PURPOSE_RESET",
    "RESETS_PER_ADDRESS_AND_HOUR",
    "RESET_PATH",
    "TOKEN_EXPIRED",
    "TOKEN_INVALID",
    "_dummy_hash",
    "_hasher",
    "accept_invitation",
    "authenticate",
    "change_password",
    "check_invitation",
    "check_password_reset",
    "create_admin",
    "create_demo_accounts",
    "deactivate_user",
    "delete_own_account",
    "end_sessions",
    "export_personal_data",
    "hash_password",
    "invitation_problems",
    "invite_user",
    "is_deleted",
    "is_pending",
    "match_alerts_account",
    "match_alerts_footer",
    "match_alerts_off_path",
    "normalise_email",
    "parse_role",
    "password_problem",
    "reactivate_user",
    "request_password_reset",
    "reset_password",
    "set_role",
    "stop_match_alerts",
    "update_profile",
    "verify_password",
]
