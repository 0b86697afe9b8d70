"""Sign-in, sign-out, invitations, password reset and the own account (profile, password,
data export, deletion, notifications).

Thin views: parse a form, call one service, then flash + redirect or render (status 400 when the
input was invalid). This module owns the Flask-Login session; it makes no permission decisions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse as parse_limit

from catalogue.errors import NotFound, ValidationFailed
from catalogue.extensions import limiter
from catalogue.services import accounts as accounts_service
from catalogue.services import notifications as notification_service
from catalogue.web.account_forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    SetPasswordForm,
)
from catalogue.web.forms import add_service_errors

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a same-origin relative path, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):  # browsers drop tabs/newlines
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _no_store(body, status: int = 200):
    """Pages with account data or secret links must not be kept in shared caches."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# Sign-in and sign-out -----------------------------------------------------------------------


def _failed_sign_in(response) -> bool:
    """Only failed sign-ins count towards the limit: the colleagues of a town hall share one
    address and sign in many times a day; guessing passwords is what the limit is for. A refusal
    by a limit (429) is no failed guess: counting it would let one paused account's retries
    pause the whole address."""
    return response.status_code not in (302, 429)


def _account_key(address: str) -> str:
    """An account's key in the limiter's store, keyed with the app's secret, so the store holds
    nothing an address could be confirmed against."""
    typed = address.strip().casefold()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return "sign-in-account:" + hmac.new(secret, typed.encode(), hashlib.sha256).hexdigest()


def _typed_account_key() -> str:
    """The account a sign-in is for, as typed."""
    return _account_key(request.form.get("email") or "")


ACCOUNT_LIMIT = "20 per hour"


def _lift_account_pause(address: str) -> None:
    """A password reset proves that the owner reads the account's mail, and the password the
    failed guesses were aimed at is gone: the owner may sign in at once, however many guesses
    paused the account."""
    if not limiter.enabled:
        return
    try:
        limiter.limiter.clear(parse_limit(ACCOUNT_LIMIT), _account_key(address), "accounts.login")
    except Exception:  # the store is down: the pause ends by itself within the hour
        log.warning("could not lift the sign-in pause after a password reset", exc_info=True)


ACCOUNT_LIMIT_MESSAGE = (
    "Für dieses Konto gab es in der letzten Stunde zu viele fehlgeschlagene Anmeldungen. Zum "
    "Schutz des Kontos ist die Anmeldung für bis zu eine Stunde angehalten. Bitte versuchen Sie "
    "es danach erneut."
)


# `deduct_when` counts a sign-in after its response, so requests sent at the same moment all
# pass the check before any of them is counted; the second limit counts every attempt up front
# and bounds such bursts (generous enough for a town hall's colleagues behind one address).
# The third counts failures per account in an hour, whatever the address: guessing one account's
# password from many addresses (NIST SP 800-63B 5.2.2 limits failed attempts per account; here a
# window of an hour, not a lock, since anyone who knows an address can fill it).
@bp.route("/anmelden", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"], deduct_when=_failed_sign_in)
@limiter.limit("30 per minute", methods=["POST"])
@limiter.limit(
    ACCOUNT_LIMIT,
    methods=["POST"],
    key_func=_typed_account_key,
    deduct_when=_failed_sign_in,
    error_message=ACCOUNT_LIMIT_MESSAGE,
)
def login():
    from catalogue.web.my_area import start_page_for

    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        if current_user.is_authenticated:
            return redirect(form.next.data or start_page_for(current_user))
    if form.validate_on_submit():
        try:
            user = accounts_service.authenticate(form.email.data or "", form.password.data or "")
        except ValidationFailed as error:
            # The client address (after ProxyFix) for fail2ban-style monitoring; never the
            # address typed in, which may be someone else's.
            log.warning("failed sign-in from %s", request.remote_addr)
            add_service_errors(form, error)
        else:
            target = safe_next(form.next.data) or start_page_for(user)
            # A fresh session on sign-in: nothing from before (e.g. a planted session) survives.
            session.clear()
            login_user(user)
            flash(f"Willkommen, {user.name}! Sie sind angemeldet.", "success")
            return redirect(target)
    status = 400 if form.errors else 200
    return _no_store(render_template("accounts/login.html", form=form), status)


@bp.post("/abmelden")
def logout():
    if current_user.is_authenticated:
        # Ends the session on the server too: a copied cookie is refused from now on.
        accounts_service.end_sessions(actor=current_user)
    logout_user()
    session.clear()
    flash("Sie sind abgemeldet.", "success")
    return redirect(url_for("public.index"))


@bp.post("/konto/andere-sitzungen-beenden")
@login_required
def end_other_sessions():
    user = accounts_service.end_sessions(actor=current_user)
    login_user(user)  # this browser continues with the new identity
    flash(
        "Alle anderen Anmeldungen Ihres Kontos sind beendet (andere Browser und Geräte).",
        "success",
    )
    return redirect(url_for("accounts.profile"))


# Invitations and password reset -------------------------------------------------------------


def _invalid_link(error: NotFound):
    return _no_store(render_template("accounts/token_invalid.html", message=error.message), 404)


@bp.route("/konto/einladung/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def accept_invitation(token: str):
    try:
        invited = accounts_service.check_invitation(token)
    except NotFound as error:
        return _invalid_link(error)
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.name.data = invited.name
    if form.validate_on_submit():
        try:
            accounts_service.accept_invitation(
                token, form.password.data or "", name=form.name.data or ""
            )
        except NotFound as error:
            return _invalid_link(error)
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash("Ihr Passwort ist gespeichert. Bitte melden Sie sich jetzt an.", "success")
            return redirect(url_for("accounts.login"))
    status = 400 if form.errors else 200
    return _no_store(
        render_template("accounts/accept_invitation.html", form=form, invited=invited, token=token),
        status,
    )


@bp.route("/konto/passwort-vergessen", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts_service.request_password_reset(form.email.data or "")
        flash(
            "Wenn es zu dieser E-Mail-Adresse ein aktives Konto gibt, haben wir Ihnen einen Link "
            "zum Festlegen eines neuen Passworts geschickt. Bitte sehen Sie auch im Spam-Ordner "
            "nach.",
            "success",
        )
        return redirect(url_for("accounts.forgot_password"))
    status = 400 if form.errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/konto/passwort-neu/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):
    try:
        accounts_service.check_password_reset(token)
    except NotFound as error:
        return _invalid_link(error)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts_service.reset_password(token, form.password.data or "")
        except NotFound as error:
            return _invalid_link(error)
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            _lift_account_pause(user.email)
            flash("Ihr neues Passwort ist gespeichert. Bitte melden Sie sich an.", "success")
            return redirect(url_for("accounts.login"))
    status = 400 if form.errors else 200
    return _no_store(
        render_template("accounts/reset_password.html", form=form, token=token), status
    )


# Own account --------------------------------------------------------------------------------


def _render_profile(profile_form: ProfileForm, password_form: ChangePasswordForm):
    invalid = bool(profile_form.errors or password_form.errors)
    return _no_store(
        render_template(
            "accounts/profile.html",
            profile_form=profile_form,
            password_form=password_form,
            invalid=invalid,
        ),
        400 if invalid else 200,
    )


@bp.route("/konto", methods=["GET", "POST"])
@login_required
def profile():
    profile_form = ProfileForm(prefix="profil", obj=current_user)
    password_form = ChangePasswordForm(prefix="passwort", formdata=None)
    if profile_form.validate_on_submit():
        try:
            accounts_service.update_profile(
                actor=current_user,
                name=profile_form.name.data or "",
                phone=profile_form.phone.data or "",
                share_contact=bool(profile_form.share_contact.data),
                # only staff of a municipality see the setting (needs belong to municipalities)
                mail_match_alerts=(
                    bool(profile_form.mail_match_alerts.data)
                    if current_user.municipality_ags
                    else None
                ),
            )
        except ValidationFailed as error:
            add_service_errors(profile_form, error)
        else:
            flash("Ihre Angaben sind gespeichert.", "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(profile_form, password_form)


def _signed_in_key() -> str:
    return f"user:{current_user.get_id()}"


# The current password is a secret a borrowed session could guess: the same limits as the
# sign-in, per account.
@bp.post("/konto/passwort")
@login_required
@limiter.limit("10 per minute; 50 per hour", key_func=_signed_in_key, deduct_when=_failed_sign_in)
@limiter.limit("30 per minute", key_func=_signed_in_key)
def change_password():
    password_form = ChangePasswordForm(prefix="passwort")
    profile_form = ProfileForm(prefix="profil", formdata=None, obj=current_user)
    if password_form.validate_on_submit():
        try:
            accounts_service.change_password(
                actor=current_user,
                current=password_form.current_password.data or "",
                new=password_form.new_password.data or "",
            )
        except ValidationFailed as error:
            add_service_errors(password_form, error)
        else:
            login_user(current_user._get_current_object())  # keep this session, end the others
            flash(
                "Ihr Passwort ist geändert. Andere Anmeldungen Ihres Kontos sind beendet.",
                "success",
            )
            return redirect(url_for("accounts.profile"))
    return _render_profile(profile_form, password_form)


@bp.get("/konto/daten-export")
@login_required
def export_data():
    data = accounts_service.export_personal_data(actor=current_user)
    response = Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="meine-daten-loesungskatalog.json"'},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/konto/loeschen", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            accounts_service.delete_own_account(actor=current_user)
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            logout_user()
            session.clear()
            flash("Ihr Konto ist gelöscht. Ihre persönlichen Daten wurden entfernt.", "success")
            return redirect(url_for("public.index"))
    status = 400 if form.errors else 200
    return render_template("accounts/delete.html", form=form), status


@bp.get("/konto/benachrichtigungen")
@login_required
def notifications():
    items = notification_service.list_notifications(actor=current_user)
    return render_template("accounts/notifications.html", items=items)


@bp.post("/konto/benachrichtigungen/gelesen")
@login_required
def mark_notifications_read():
    count = notification_service.mark_all_read(actor=current_user)
    flash(
        "Alle Benachrichtigungen sind als gelesen markiert."
        if count
        else "Es gab keine ungelesenen Benachrichtigungen.",
        "success",
    )
    return redirect(url_for("accounts.notifications"))
