"""Stopping the reverse-match e-mails without signing in.

Every staff account of a municipality gets an e-mail when a newly published solution fits one of
its open needs well. The setting is on the account page (``update_profile``); the mail carries a
signed link (also its ``List-Unsubscribe`` header) that turns it off for the one account, so
nobody has to remember a password to stop a mail. The notification in the app stays.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound
from catalogue.models import User

_SALT = "match-alerts-off"
MATCH_ALERTS_OFF_PATH = "/konto/passende-loesungen/abbestellen/"
MATCH_ALERTS_FOOTER = (
    "Sie erhalten diese E-Mail, weil Ihre Kommune diesen Bedarf im Lösungskatalog eingetragen "
    "hat. Keine E-Mails mehr zu passenden neuen Lösungen (ohne Anmeldung): {url}\n"
    "Die Einstellung finden Sie auch unter „Mein Konto“: {base_url}/konto"
)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def match_alerts_off_path(user_id: int) -> str:
    """The page (site-relative) that stops the reverse-match e-mails of one account."""
    return MATCH_ALERTS_OFF_PATH + str(_serializer().dumps(user_id))


def match_alerts_footer(user_id: int, base_url: str) -> str:
    return MATCH_ALERTS_FOOTER.format(
        url=f"{base_url}{match_alerts_off_path(user_id)}", base_url=base_url
    )


def _user_id(token: str) -> int:
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        user_id = None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise NotFound(
            "Dieser Abmelde-Link ist ungültig. Bitte kopieren Sie ihn vollständig aus der E-Mail "
            "oder ändern Sie die Einstellung nach der Anmeldung unter „Mein Konto“."
        )
    return user_id


def match_alerts_account(token: str) -> User:
    """The active account a valid link names (NotFound for a broken link or a closed account)."""
    user = db.session.get(User, _user_id(token))
    if user is None or not user.is_active:
        raise NotFound("Zu diesem Abmelde-Link gibt es kein aktives Konto mehr.")
    return user


def stop_match_alerts(token: str) -> bool:
    """Turn off the reverse-match e-mails of the account the signed link names; False if they
    were already off. Idempotent."""
    user_id = match_alerts_account(token).id
    with unit_of_work() as s:
        user = s.get(User, user_id)
        if user is None or not user.mail_match_alerts:
            return False
        user.mail_match_alerts = False
    return True
