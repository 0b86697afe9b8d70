"""Accounts: sign-in, invitations, password reset, own profile, GDPR export/deletion, demo
accounts, session cookie flags and the login rate limit — through services and HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound, PermissionDenied, ValidationFailed
from catalogue.models import AccountToken, Notification, OutgoingMail, ReviewEvent, Role, User
from catalogue.services import accounts
from catalogue.web.accounts import safe_next
from tests.conftest import make_app, release_app
from tests.factories import PADERBORN

PASSWORD = "ein-sehr-sicheres-passwort"
GENERIC = "E-Mail-Adresse oder Passwort ist falsch."


PRODUCTION_HASHER = accounts._hasher


pytestmark = pytest.mark.usefixtures("fast_hashing")


# Helpers ------------------------------------------------------------------------------------


def make_admin(email: str = "admin@example.org") -> User:
    return accounts.create_admin(email=email, name="Ada Admin", password=PASSWORD)


def make_user(
    admin: User,
    email: str,
    role: Role = Role.MEMBER,
    ags: str | None = PADERBORN,
    password: str = PASSWORD,
) -> User:
    user, token = accounts.invite_user(
        actor=admin, email=email, name=f"Person {email}", role=role, municipality_ags=ags
    )
    return accounts.accept_invitation(token, password)


def login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/anmelden", data={"email": email, "password": password, **extra})


def last_mail(to: str) -> OutgoingMail:
    mail = db.session.scalar(
        sa.select(OutgoingMail).where(OutgoingMail.recipient == to).order_by(OutgoingMail.id.desc())
    )
    assert mail is not None, f"no mail to {to}"
    return mail


def link_path(mail: OutgoingMail, prefix: str) -> str:
    match = re.search(
        r"http://127\.0\.0\.1:5000(" + re.escape(prefix) + r"[A-Za-z0-9_-]+)", mail.body
    )
    assert match, mail.body
    return match.group(1)


def error_summary(html: str) -> str:
    match = re.search(
        r'<div class="kern-alert kern-alert--danger app-error-summary".*?</ul>', html, re.S
    )
    assert match, html
    return match.group(0)


@contextmanager
def separate_app(tmp_path: Path, **overrides) -> Iterator:
    """A second app with its own database (for config the shared fixture does not have)."""
    root = tmp_path / "separate"
    root.mkdir()
    app = make_app(root, **overrides)
    try:
        with app.app_context():
            yield app
    finally:
        release_app(app)


# Passwords and sign-in ----------------------------------------------------------------------


def test_production_hasher_is_argon2id_with_strong_parameters():
    from argon2 import Type

    assert PRODUCTION_HASHER.type == Type.ID
    assert PRODUCTION_HASHER.memory_cost >= 64 * 1024 and PRODUCTION_HASHER.time_cost >= 2


def test_hash_and_verify_password():
    hashed = accounts.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert accounts.verify_password(hashed, PASSWORD)
    assert not accounts.verify_password(hashed, PASSWORD + "x")
    assert not accounts.verify_password(None, PASSWORD)
    assert not accounts.verify_password("kein-hash", PASSWORD)


def test_login_rehashes_weak_hashes(app, municipalities):
    admin = make_admin()
    weak = PasswordHasher(time_cost=2, memory_cost=512, parallelism=1).hash(PASSWORD)
    with unit_of_work():
        admin.password_hash = weak
    user = accounts.authenticate(admin.email, PASSWORD)
    assert user.password_hash != weak and accounts.verify_password(user.password_hash, PASSWORD)


def test_login_success_starts_session_and_records_last_login(client, municipalities):
    admin = make_admin()
    assert admin.last_login_at is None
    response = login(client, "  ADMIN@example.org ")
    assert (
        response.status_code == 302 and response.headers["Location"] == "/digitalbuero/"
    )  # admins start there
    assert db.session.get(User, admin.id).last_login_at is not None
    assert "Willkommen, Ada Admin" in client.get("/").get_data(as_text=True)
    assert client.get("/konto").status_code == 200


def test_login_failures_share_one_generic_message(app, client, municipalities):
    admin = make_admin()
    inactive = make_user(admin, "inaktiv@example.org")
    accounts.deactivate_user(actor=admin, user_id=inactive.id)
    pending, _ = accounts.invite_user(
        actor=admin,
        email="offen@example.org",
        name="Offen",
        role=Role.MEMBER,
        municipality_ags=PADERBORN,
    )
    cases = {
        "unknown": ("niemand@example.org", PASSWORD),
        "wrong password": ("admin@example.org", "falsches-passwort-123"),
        "inactive": ("inaktiv@example.org", PASSWORD),
        "invitation not accepted": ("offen@example.org", ""),
    }
    bodies = {}
    for case, (email, password) in cases.items():
        with pytest.raises(ValidationFailed) as caught:
            accounts.authenticate(email, password)
        assert caught.value.errors == {"email": GENERIC}, case
        if not password:
            continue
        response = login(client, email, password)
        assert response.status_code == 400, case
        html = response.get_data(as_text=True)
        assert "<title>Fehler: Anmelden" in html
        assert html.count(GENERIC) == 2  # summary and field
        assert 'type="password"' in html and password not in html  # never echoed back
        assert f'value="{email}"' in html  # the address stays filled in
        bodies[case] = html.replace(email, "EMAIL")
    assert len(set(bodies.values())) == 1, "responses differ between failure causes"
    assert client.get("/konto").status_code == 302


def test_deactivated_user_loses_existing_session(app, client, municipalities):
    admin = make_admin()
    member = make_user(admin, "mitglied@example.org")
    assert login(client, member.email).status_code == 302
    assert client.get("/konto").status_code == 200
    accounts.deactivate_user(actor=admin, user_id=member.id)
    with app.app_context():  # a fresh context per request, as in production
        response = client.get("/konto")
    assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden")


def test_login_form_requires_both_fields_and_keeps_input(client, municipalities):
    response = client.post("/anmelden", data={"email": "a@example.org", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bitte geben Sie Ihr Passwort ein." in html and 'value="a@example.org"' in html
    assert 'href="#password"' in html and 'aria-invalid="true"' in html


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/konto", "/konto"),
        ("/loesungen?kategorie=bildung", "/loesungen?kategorie=bildung"),
        ("//evil.example", "/digitalbuero/"),
        ("https://evil.example", "/digitalbuero/"),
        ("https://evil.example/konto", "/digitalbuero/"),
        ("/\\evil.example", "/digitalbuero/"),
        ("\\\\evil.example", "/digitalbuero/"),
        ("/\t/evil.example", "/digitalbuero/"),
        ("javascript:alert(1)", "/digitalbuero/"),
        ("konto", "/digitalbuero/"),
    ],
)
def test_login_redirects_only_to_safe_next(client, municipalities, target, expected):
    """Unsafe targets fall back to the start page (for admins: the DigitalBüro page)."""
    make_admin()
    response = login(client, "admin@example.org", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_safe_next_unit():
    assert safe_next("/verwaltung/konten?rolle=admin") == "/verwaltung/konten?rolle=admin"
    for bad in (None, "", "//x", "///x", "https://x", "http:/x", "/\\x", "/a\nb", "x"):
        assert safe_next(bad) is None, bad


def test_login_page_carries_next_from_login_required(client, municipalities):
    response = client.get("/konto/benachrichtigungen")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/anmelden?next=")
    html = client.get(location).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/konto/benachrichtigungen"' in html
    make_admin()
    response = login(client, "admin@example.org", next="/konto/benachrichtigungen")
    assert response.headers["Location"] == "/konto/benachrichtigungen"


def test_login_clears_previous_session(client, municipalities):
    make_admin()
    with client.session_transaction() as session:
        session["planted"] = "by attacker"
    login(client, "admin@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_logout_is_post_only(client, municipalities):
    make_admin()
    login(client, "admin@example.org")
    assert client.get("/abmelden").status_code == 405
    assert client.get("/konto").status_code == 200
    response = client.post("/abmelden")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/konto").status_code == 302


def test_logout_requires_csrf_token_when_enabled(tmp_path):
    with separate_app(tmp_path, WTF_CSRF_ENABLED=True) as app:
        client = app.test_client()
        assert client.post("/abmelden").status_code == 400
        html = client.get("/anmelden").get_data(as_text=True)
        assert 'name="csrf_token"' in html


def test_login_is_rate_limited(tmp_path):
    with separate_app(tmp_path, RATELIMIT_ENABLED=True) as app:
        client = app.test_client()
        for _ in range(10):
            assert login(client, "niemand@example.org").status_code == 400
        response = login(client, "niemand@example.org")
        assert response.status_code == 429
        assert client.get("/anmelden").status_code == 200  # GET is not limited


def _sign_in_and_out(client, times: int) -> None:
    for _ in range(times):
        response = client.post(
            "/anmelden", data={"email": "admin@example.org", "password": PASSWORD}
        )
        assert response.status_code == 302
        client.post("/abmelden")


def test_successful_sign_ins_do_not_count_towards_the_limit(tmp_path):
    # the colleagues of a town hall share one address and sign in many times a day
    with separate_app(tmp_path, RATELIMIT_ENABLED=True) as app:
        make_admin()
        client = app.test_client()
        _sign_in_and_out(client, 12)
        for _ in range(10):
            assert login(client, "niemand@example.org").status_code == 400
        assert login(client, "niemand@example.org").status_code == 429


def test_every_sign_in_counts_towards_a_higher_limit_up_front(tmp_path):
    # Failed sign-ins are counted after their response: requests sent at the same moment would
    # all pass that check. A second limit counts every attempt before it runs.
    with separate_app(tmp_path, RATELIMIT_ENABLED=True) as app:
        make_admin()
        client = app.test_client()
        _sign_in_and_out(client, 30)
        response = client.post(
            "/anmelden", data={"email": "admin@example.org", "password": PASSWORD}
        )
        assert response.status_code == 429


def _sign_in_from(client, address: str, email: str, password: str = "geraten-geraten"):
    """A sign-in from the given client address."""
    return client.post(
        "/anmelden",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_one_account_cannot_be_guessed_from_many_addresses(tmp_path):
    # Each address stays under its own limit; the failures per account are counted as well
    with separate_app(tmp_path, RATELIMIT_ENABLED=True) as app:
        make_admin()
        client = app.test_client()

        attempt = partial(_sign_in_from, client)

        for i in range(20):
            assert attempt(f"10.0.0.{i}", " Admin@Example.org ").status_code == 400
        response = attempt("10.0.1.1", "admin@example.org", PASSWORD)
        assert response.status_code == 429
        assert "Für dieses Konto gab es in der letzten Stunde zu viele" in response.text
        # another account from the same address is not affected, even after the paused
        # account's owner retried: a refusal by a limit is no failed guess of that address
        for _ in range(10):
            assert attempt("10.0.1.1", "admin@example.org", PASSWORD).status_code == 429
        assert attempt("10.0.1.1", "niemand@example.org").status_code == 400


def test_a_password_reset_lifts_the_accounts_sign_in_pause(tmp_path):
    # Anyone who knows an address can pause its account; the owner who resets the password by
    # mail may sign in at once. Other accounts' counters stay as they are.
    with separate_app(tmp_path, RATELIMIT_ENABLED=True) as app:
        admin = make_admin()
        make_user(admin, "m@example.org", Role.CURATOR, ags=None)
        client = app.test_client()

        attempt = partial(_sign_in_from, client)

        for i in range(20):
            assert attempt(f"10.0.0.{i}", "admin@example.org").status_code == 400
            assert attempt(f"10.0.2.{i}", "m@example.org").status_code == 400
        assert attempt("10.0.1.1", "admin@example.org", PASSWORD).status_code == 429
        client.post("/konto/passwort-vergessen", data={"email": "Admin@Example.org"})
        path = link_path(last_mail("admin@example.org"), "/konto/passwort-neu/")
        new = "ganz-neues-passwort-456"
        done = client.post(path, data={"password": new, "password_confirm": new})
        assert done.status_code == 302
        assert attempt("10.0.1.2", "admin@example.org", new).status_code == 302
        assert attempt("10.0.1.3", "m@example.org", PASSWORD).status_code == 429


def test_the_current_password_cannot_be_guessed_through_the_change_form(tmp_path):
    with separate_app(tmp_path, RATELIMIT_ENABLED=True) as app:
        make_admin()
        client = app.test_client()
        login(client, "admin@example.org")

        def change(current: str, new: str):
            return client.post(
                "/konto/passwort",
                data={
                    "passwort-current_password": current,
                    "passwort-new_password": new,
                    "passwort-new_password_confirm": new,
                },
            )

        # an unusable new password says nothing about the current one
        short = change(PASSWORD, "kurz").get_data(as_text=True)
        assert "Das aktuelle Passwort ist falsch." not in short
        assert "Das aktuelle Passwort ist falsch." not in change("geraten", "kurz").get_data(
            as_text=True
        )
        for _ in range(8):
            assert change("geraten-geraten", "ein-ganz-neues-passwort").status_code == 400
        assert change("geraten-geraten", "ein-ganz-neues-passwort").status_code == 429


def test_session_cookie_flags_in_production(tmp_path):
    with separate_app(tmp_path, ENV="production", SECRET_KEY="s" * 40) as app:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        make_admin()
        client = app.test_client()
        response = client.post(
            "/anmelden",
            data={"email": "admin@example.org", "password": PASSWORD},
            base_url="https://localhost",
        )
        assert response.status_code == 302
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags


# Invitations --------------------------------------------------------------------------------


def test_one_invitation_submit_names_every_problem(app, client, municipalities):
    # an empty name used to hide the address and Kommune problems until the next round
    make_admin()
    login(client, "admin@example.org")
    response = client.post(
        "/verwaltung/konten/einladen",
        data={"email": "keine-mail", "name": "", "role": "member", "municipality_ags": ""},
    )
    assert response.status_code == 400
    for field_id in ("email", "name", "municipality_ags"):
        assert f'href="#{field_id}"' in response.text, field_id
    assert 'value="keine-mail"' in response.text
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_invitation_flow_end_to_end(app, client, municipalities):
    make_admin()
    login(client, "admin@example.org")
    response = client.post(
        "/verwaltung/konten/einladen",
        data={
            "email": "Neu@Paderborn.example",
            "name": "Nora Neu",
            "role": "contributor",
            "municipality_ags": PADERBORN,
        },
    )
    assert response.status_code == 302
    client.post("/abmelden")
    user = db.session.scalar(sa.select(User).where(User.email == "neu@paderborn.example"))
    assert user.password_hash is None and user.is_active and user.role == Role.CONTRIBUTOR
    mail = last_mail("neu@paderborn.example")
    assert "Einladung" in mail.subject and "Nora Neu" in mail.body
    path = link_path(mail, "/konto/einladung/")
    token = path.rsplit("/", 1)[1]
    # only a hash is stored
    stored = db.session.scalar(sa.select(AccountToken).where(AccountToken.user_id == user.id))
    assert stored.purpose == "invite" and token not in stored.token_hash
    assert stored.expires_at - utcnow() > timedelta(days=13)

    page = client.get(path)
    assert page.status_code == 200 and "neu@paderborn.example" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    short = client.post(
        path, data={"name": "Nora Neu", "password": "kurz", "password_confirm": "kurz"}
    )
    assert short.status_code == 400
    assert "mindestens 12 Zeichen" in short.get_data(as_text=True)
    mismatch = client.post(
        path, data={"name": "Nora N.", "password": PASSWORD, "password_confirm": PASSWORD + "!"}
    )
    html = mismatch.get_data(as_text=True)
    assert mismatch.status_code == 400 and "stimmen nicht überein" in html
    assert 'value="Nora N."' in html and PASSWORD not in html
    done = client.post(
        path, data={"name": "Nora Neumann", "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/anmelden"
    assert db.session.get(User, user.id).name == "Nora Neumann"

    # single use
    again = client.get(path)
    assert again.status_code == 404 and "bereits verwendet" in again.get_data(as_text=True)
    assert (
        client.post(path, data={"password": PASSWORD, "password_confirm": PASSWORD}).status_code
        == 404
    )
    with pytest.raises(NotFound):
        accounts.accept_invitation(token, PASSWORD)

    assert login(client, "neu@paderborn.example").status_code == 302
    states = [
        e.to_state
        for e in db.session.scalars(
            sa.select(ReviewEvent)
            .where(ReviewEvent.entity_type == "user", ReviewEvent.entity_id == user.id)
            .order_by(ReviewEvent.id)
        )
    ]
    assert states == ["invited", "active"]


def test_expired_invitation_is_rejected(client, municipalities):
    admin = make_admin()
    user, token = accounts.invite_user(
        actor=admin,
        email="spaet@example.org",
        name="Spät",
        role=Role.MEMBER,
        municipality_ags=PADERBORN,
    )
    with unit_of_work() as s:
        record = s.scalar(sa.select(AccountToken).where(AccountToken.user_id == user.id))
        record.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(NotFound, match="abgelaufen"):
        accounts.accept_invitation(token, PASSWORD)
    response = client.get(f"/konto/einladung/{token}")
    assert response.status_code == 404 and "abgelaufen" in response.get_data(as_text=True)
    assert client.get("/konto/einladung/erfunden").status_code == 404
    assert db.session.get(User, user.id).password_hash is None


def test_invitation_validation(app, municipalities):
    admin = make_admin()
    with pytest.raises(ValidationFailed) as caught:
        accounts.invite_user(
            actor=admin, email="kein-at", name="", role=Role.MEMBER, municipality_ags=None
        )
    assert set(caught.value.errors) == {"email", "name", "municipality_ags"}
    with pytest.raises(ValidationFailed) as caught:
        accounts.invite_user(
            actor=admin,
            email="k@example.org",
            name="K",
            role=Role.CURATOR,
            municipality_ags=PADERBORN,
        )
    assert "keine Kommune" in caught.value.errors["municipality_ags"]
    with pytest.raises(ValidationFailed) as caught:
        accounts.invite_user(
            actor=admin,
            email="ADMIN@example.org",
            name="Doppelt",
            role=Role.ADMIN,
            municipality_ags=None,
        )
    assert "bereits ein Konto" in caught.value.errors["email"]
    with pytest.raises(ValidationFailed):
        accounts.invite_user(
            actor=admin, email="x@example.org", name="X", role="kaiser", municipality_ags=None
        )


# Password reset -----------------------------------------------------------------------------


def test_password_reset_flow_without_enumeration(client, municipalities):
    make_admin()
    mails_before = db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)))
    unknown = client.post("/konto/passwort-vergessen", data={"email": "niemand@example.org"})
    known = client.post("/konto/passwort-vergessen", data={"email": "admin@example.org"})
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"] == "/konto/passwort-vergessen"
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == mails_before + 1
    mail = last_mail("admin@example.org")
    path = link_path(mail, "/konto/passwort-neu/")
    assert client.get(path).status_code == 200
    bad = client.post(path, data={"password": "zu-kurz", "password_confirm": "zu-kurz"})
    assert bad.status_code == 400 and "mindestens 12 Zeichen" in bad.get_data(as_text=True)
    new = "ganz-neues-passwort-456"
    done = client.post(path, data={"password": new, "password_confirm": new})
    assert done.status_code == 302 and done.headers["Location"] == "/anmelden"
    assert client.get(path).status_code == 404  # single use
    assert login(client, "admin@example.org").status_code == 400
    assert login(client, "admin@example.org", new).status_code == 302
    assert "geändert" in last_mail("admin@example.org").subject


def test_password_reset_service_is_silent_for_inactive_and_unknown(app, municipalities):
    admin = make_admin()
    member = make_user(admin, "m@example.org")
    accounts.deactivate_user(actor=admin, user_id=member.id)
    before = db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)))
    assert accounts.request_password_reset("m@example.org") is None
    assert accounts.request_password_reset("nobody@example.org") is None
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == before
    with pytest.raises(NotFound):
        accounts.reset_password("erfunden", PASSWORD)


def test_new_reset_request_invalidates_older_link(app, municipalities):
    make_admin()
    accounts.request_password_reset("admin@example.org")
    first = link_path(last_mail("admin@example.org"), "/konto/passwort-neu/").rsplit("/", 1)[1]
    accounts.request_password_reset("admin@example.org")
    with pytest.raises(NotFound):
        accounts.check_password_reset(first)


# Own account --------------------------------------------------------------------------------


def test_profile_update_keeps_input_on_error(client, municipalities):
    make_admin()
    login(client, "admin@example.org")
    page = client.get("/konto").get_data(as_text=True)
    assert (
        "Meine Kontaktdaten dürfen bei Vermittlungen an andere Kommunen weitergegeben werden"
        in page
    )
    bad = client.post(
        "/konto",
        data={"profil-name": "Ada Neu", "profil-phone": "ruf mich an", "profil-share_contact": "y"},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "<title>Fehler: Mein Konto" in html
    assert 'value="Ada Neu"' in html and 'value="ruf mich an"' in html
    assert re.search(
        r'id="profil-share_contact"[^>]*checked|checked[^>]*id="profil-share_contact"', html
    )
    good = client.post(
        "/konto",
        data={"profil-name": "Ada Neu", "profil-phone": "05251 88-0", "profil-share_contact": "y"},
    )
    assert good.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "admin@example.org"))
    db.session.refresh(user)
    assert (user.name, user.phone, user.share_contact) == ("Ada Neu", "05251 88-0", True)


def test_change_password(client, municipalities):
    make_admin()
    login(client, "admin@example.org")
    new = "noch-ein-neues-passwort"
    wrong = client.post(
        "/konto/passwort",
        data={
            "passwort-current_password": "falsch-falsch-falsch",
            "passwort-new_password": new,
            "passwort-new_password_confirm": new,
        },
    )
    assert wrong.status_code == 400
    assert "Das aktuelle Passwort ist falsch." in wrong.get_data(as_text=True)
    ok = client.post(
        "/konto/passwort",
        data={
            "passwort-current_password": PASSWORD,
            "passwort-new_password": new,
            "passwort-new_password_confirm": new,
        },
    )
    assert ok.status_code == 302
    client.post("/abmelden")
    assert login(client, "admin@example.org").status_code == 400
    assert login(client, "admin@example.org", new).status_code == 302


def test_notifications_list_and_mark_read(client, municipalities):
    admin = make_admin()
    with unit_of_work() as s:
        s.add(
            Notification(
                user_id=admin.id, text="Ihre Lösung wurde veröffentlicht.", link="/loesungen"
            )
        )
        s.add(Notification(user_id=admin.id, text="Fremder Link", link="https://evil.example"))
    login(client, "admin@example.org")
    html = client.get("/konto/benachrichtigungen").get_data(as_text=True)
    assert "Ihre Lösung wurde veröffentlicht." in html and "2 ungelesen" in html
    assert 'href="https://evil.example"' not in html
    # the message is text, not a wall of link text; the way to its page is a short link
    assert (
        '<a class="kern-link" href="/loesungen">Öffnen<span class="app-visually-hidden">: ' in html
    )
    assert ">Ihre Lösung wurde veröffentlicht.</a>" not in html
    assert client.post("/konto/benachrichtigungen/gelesen").status_code == 302
    assert "0 ungelesen" in client.get("/konto/benachrichtigungen").get_data(as_text=True)


def test_menu_toggle_tells_of_unread_notifications(client, municipalities):
    """With the navigation folded on a phone, the unread count must not hide in it."""
    admin = make_admin()
    with unit_of_work() as s:
        s.add(Notification(user_id=admin.id, text="Neu", link="/loesungen"))
    login(client, "admin@example.org")
    html = client.get("/loesungen").get_data(as_text=True)
    summary = re.search(r'<summary class="app-menu__toggle">(.*?)</summary>', html, re.S)
    assert summary, "no menu toggle"
    text = re.sub(r"<[^>]+>", "", summary.group(1))
    assert " ".join(text.split()) == "Menü 1 ungelesene Benachrichtigung"


def test_gdpr_export(client, municipalities):
    admin = make_admin()
    member = make_user(admin, "export@example.org")
    with unit_of_work() as s:
        s.add(Notification(user_id=member.id, text="Hallo"))
    login(client, "export@example.org")
    response = client.get("/konto/daten-export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "export@example.org"
    assert data["profile"]["municipality_ags"] == PADERBORN
    assert [n["text"] for n in data["notifications"]] == ["Hallo"]
    assert "password_hash" not in json.dumps(data)
    assert any(e["to_state"] == "active" for e in data["activity"])
    with pytest.raises(PermissionDenied):
        accounts.export_personal_data(actor=None)


def test_gdpr_delete_anonymises_and_keeps_audit(client, municipalities):
    admin = make_admin()
    member = make_user(admin, "weg@example.org")
    with unit_of_work() as s:
        s.add(Notification(user_id=member.id, text="Hallo"))
    login(client, "weg@example.org")
    assert client.get("/konto/loeschen").status_code == 200
    unconfirmed = client.post("/konto/loeschen", data={})
    assert unconfirmed.status_code == 400
    assert "Bitte bestätigen Sie" in unconfirmed.get_data(as_text=True)
    done = client.post("/konto/loeschen", data={"confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/konto").status_code == 302  # signed out
    user = db.session.get(User, member.id)
    db.session.refresh(user)
    assert user.name == "Gelöschtes Konto" and not user.is_active
    assert user.password_hash is None and "weg@example.org" not in user.email
    assert accounts.is_deleted(user)
    assert db.session.scalar(sa.select(Notification).where(Notification.user_id == user.id)) is None
    assert (
        db.session.scalar(
            sa.select(OutgoingMail).where(OutgoingMail.recipient == "weg@example.org")
        )
        is None
    )
    events = list(
        db.session.scalars(
            sa.select(ReviewEvent).where(
                ReviewEvent.entity_id == user.id, ReviewEvent.entity_type == "user"
            )
        )
    )
    assert [e.to_state for e in events] == ["invited", "active", "deleted"]
    assert login(client, "weg@example.org").status_code == 400
    # the address is free again, and a second deletion gets its own placeholder
    other = make_user(admin, "weg@example.org")
    accounts.delete_own_account(actor=other)
    assert db.session.get(User, other.id).email != user.email


def test_only_admin_cannot_delete_own_account(app, municipalities):
    admin = make_admin()
    with pytest.raises(ValidationFailed) as caught:
        accounts.delete_own_account(actor=admin)
    assert "einzige" in caught.value.errors["confirm"]


# Demo accounts and CLI ----------------------------------------------------------------------


def test_demo_accounts_refuse_outside_demo_mode(app, municipalities):
    assert not app.config["DEMO_MODE"]
    with pytest.raises(PermissionDenied):
        accounts.create_demo_accounts()
    result = app.test_cli_runner().invoke(args=["seed", "accounts"])
    assert result.exit_code != 0 and "Demo-Modus" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_demo_accounts_one_per_role_idempotent(app, client, municipalities):
    app.config["DEMO_MODE"] = True
    first = accounts.create_demo_accounts()
    assert (first.created, first.existing) == (4, 0)
    second = accounts.create_demo_accounts()
    assert (second.created, second.existing) == (0, 4)
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    assert users["mitglied@demo.example"].role == Role.MEMBER
    assert users["beitrag@demo.example"].municipality_ags == PADERBORN
    assert users["kuratierung@demo.example"].municipality_ags is None
    assert users["admin@demo.example"].role == Role.ADMIN
    assert login(client, "beitrag@demo.example", "demo-passwort-123").status_code == 302
    result = app.test_cli_runner().invoke(args=["seed", "accounts"])
    assert result.exit_code == 0 and "0 neu, 4 bereits vorhanden" in result.output


def test_cli_create_admin(app, client, municipalities):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create-admin", "chefin@example.org", "Chefin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert login(client, "chefin@example.org").status_code == 302
    short = runner.invoke(
        args=["users", "create-admin", "b@example.org", "B", "--password", "kurz"]
    )
    assert short.exit_code != 0 and "mindestens 12 Zeichen" in short.output
    duplicate = runner.invoke(
        args=["users", "create-admin", "chefin@example.org", "C", "--password", PASSWORD]
    )
    assert duplicate.exit_code != 0 and "bereits ein Konto" in duplicate.output


def test_changing_the_password_ends_other_sessions(app, municipalities):
    from catalogue.db import unit_of_work
    from catalogue.models import Role, User
    from catalogue.services import accounts

    with unit_of_work() as s:
        user = User(
            email="sitzung@example.org",
            name="Sitzung",
            role=Role.MEMBER,
            municipality_ags="05774032",
            password_hash=accounts.hash_password("altes-passwort-123"),
        )
        s.add(user)
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert other_device.get("/konto").status_code == 200
    accounts.change_password(actor=user, current="altes-passwort-123", new="neues-passwort-456")
    from flask import g

    g.pop("_login_user", None)  # the test app context outlives requests; Flask-Login caches here
    response = other_device.get("/konto")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]
