"""Sessions that end on the server, the idle expiry, real client addresses behind a trusted
proxy, and no caching of pages that depend on who is signed in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from catalogue.models import Role, User
from catalogue.services import accounts
from tests.conftest import make_app, release_app
from tests.factories import PADERBORN

PASSWORD = "ein-sehr-sicheres-passwort"

pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def app(tmp_path: Path, fast_hashing):
    """Requests here run without an app context pushed by the test, as in production: each
    request loads its user afresh (a shared context would cache ``g._login_user``)."""
    app = make_app(tmp_path)
    with app.app_context():
        from catalogue.services import seed

        seed.load_municipalities()
    yield app
    release_app(app)


@pytest.fixture
def admin(app) -> User:
    with app.app_context():
        return accounts.create_admin(email="admin@example.org", name="Ada Admin", password=PASSWORD)


@pytest.fixture
def member(app, admin) -> User:
    with app.app_context():
        _user, token = accounts.invite_user(
            actor=admin,
            email="mitglied@paderborn.example",
            name="Mia Mitglied",
            role=Role.MEMBER,
            municipality_ags=PADERBORN,
        )
        return accounts.accept_invitation(token, PASSWORD)


def _signed_in_client(app: Flask, email: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/anmelden", data={"email": email, "password": password})
    assert response.status_code == 302
    return client


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app: Flask, cookie: str):
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get("/konto")


def test_a_copied_cookie_is_refused_after_logout(app, member):
    client = _signed_in_client(app, member.email)
    copied = _cookie(client)
    assert _replay(app, copied).status_code == 200
    client.post("/abmelden")
    response = _replay(app, copied)
    assert response.status_code == 302
    assert "/anmelden" in response.location


def test_password_change_keeps_this_session_and_ends_the_others(app, member):
    here = _signed_in_client(app, member.email)
    elsewhere = _signed_in_client(app, member.email)
    response = here.post(
        "/konto/passwort",
        data={
            "passwort-current_password": PASSWORD,
            "passwort-new_password": "ein-anderes-langes-passwort",
            "passwort-new_password_confirm": "ein-anderes-langes-passwort",
        },
    )
    assert response.status_code == 302
    assert here.get("/konto").status_code == 200
    assert elsewhere.get("/konto").status_code == 302


def test_end_other_sessions_from_the_profile(app, member):
    here = _signed_in_client(app, member.email)
    elsewhere = _signed_in_client(app, member.email)
    assert "Alle anderen Anmeldungen beenden" in here.get("/konto").text
    response = here.post("/konto/andere-sitzungen-beenden")
    assert response.status_code == 302
    assert here.get("/konto").status_code == 200
    assert elsewhere.get("/konto").status_code == 302


def test_deactivation_ends_sessions_and_reactivation_revives_none(app, admin, member):
    client = _signed_in_client(app, member.email)
    copied = _cookie(client)
    with app.app_context():
        accounts.deactivate_user(actor=admin, user_id=member.id)
    assert client.get("/konto").status_code == 302
    with app.app_context():
        accounts.reactivate_user(actor=admin, user_id=member.id)
    assert _replay(app, copied).status_code == 302


def test_deletion_ends_the_session(app, member):
    client = _signed_in_client(app, member.email)
    copied = _cookie(client)
    client.post("/konto/loeschen", data={"confirm": "y"})
    assert _replay(app, copied).status_code == 302


def test_sessions_expire_after_the_idle_time(tmp_path: Path, fast_hashing):
    app = make_app(tmp_path, SESSION_IDLE_MINUTES=30)
    try:
        assert app.permanent_session_lifetime == timedelta(minutes=30)
        with app.app_context():
            from catalogue.services import seed

            seed.load_municipalities()
            accounts.create_admin(email="a@example.org", name="Ada", password=PASSWORD)
        client = _signed_in_client(app, "a@example.org")
        cookie = client.get_cookie("session")
        assert cookie.expires is not None  # a permanent session: the browser drops it too
        # Flask checks the signed timestamp against the lifetime on the server: a cookie older
        # than the idle time is ignored even if a client keeps sending it.
        serializer = app.session_interface.get_signing_serializer(app)
        data = serializer.loads(cookie.value)
        import itsdangerous

        stale = itsdangerous.URLSafeTimedSerializer(
            app.secret_key,
            salt="cookie-session",
            serializer=serializer.serializer,
            signer_kwargs=serializer.signer_kwargs,
        )
        old = stale.dumps(data)
        with pytest.MonkeyPatch.context() as patch:
            import time

            real = time.time
            patch.setattr(time, "time", lambda: real() + 31 * 60)
            replay = app.test_client()
            replay.set_cookie("session", old)
            assert replay.get("/konto").status_code == 302
    finally:
        release_app(app)


# Client addresses ---------------------------------------------------------------------------


def _failed_logins(app: Flask, count: int, **environ) -> list[int]:
    client = app.test_client()
    return [
        client.post(
            "/anmelden",
            data={"email": "niemand@example.org", "password": "falsch-falsch-falsch"},
            environ_base={"REMOTE_ADDR": "10.0.0.1", **environ},
        ).status_code
        for _ in range(count)
    ]


def _rate_limited_app(tmp_path: Path, **overrides) -> Flask:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, **overrides)
    from catalogue.extensions import limiter

    limiter.reset()
    return app


def test_two_clients_behind_one_trusted_proxy_have_their_own_counters(tmp_path, fast_hashing):
    app = _rate_limited_app(tmp_path, TRUSTED_PROXIES=1)
    try:
        first = _failed_logins(app, 11, HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert first[-1] == 429
        second = _failed_logins(app, 1, HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert second == [400]
    finally:
        release_app(app)


def test_without_trusted_proxies_forwarded_headers_are_ignored(tmp_path, fast_hashing):
    app = _rate_limited_app(tmp_path)
    try:
        # An attacker rotating X-Forwarded-For does not escape the limit of its real address.
        codes = [_failed_logins(app, 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")[0] for n in range(11)]
        assert codes[-1] == 429
    finally:
        release_app(app)


def test_only_the_last_hop_is_trusted(tmp_path, fast_hashing):
    app = _rate_limited_app(tmp_path, TRUSTED_PROXIES=1)
    try:
        # A client-supplied X-Forwarded-For is prepended to by nginx; only the last entry counts.
        codes = [
            _failed_logins(app, 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7")[0]
            for n in range(11)
        ]
        assert codes[-1] == 429
    finally:
        release_app(app)


# Caching ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/mitwirken/", "/konto/benachrichtigungen", "/konto", "/loesungen"]
)
def test_signed_in_pages_are_not_stored(app, member, path):
    client = _signed_in_client(app, member.email)
    response = client.get(path)
    assert response.status_code == (403 if path == "/mitwirken/" else 200)  # members don't write
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers.get("Vary", "")


def test_anonymous_pages_and_static_files_stay_cacheable(app, member):
    client = app.test_client()
    assert "no-store" not in client.get("/loesungen").headers.get("Cache-Control", "")
    signed_in = _signed_in_client(app, member.email)
    static = signed_in.get("/static/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


# Password reset: same work for every address, throttled per address --------------------------


def _count(app: Flask, model) -> int:
    import sqlalchemy as sa

    from catalogue.db import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_reset_requests_are_recorded_for_unknown_addresses_without_the_address(app, member):
    from catalogue.models import AccountToken, OutgoingMail, ResetRequest

    tokens, mails = _count(app, AccountToken), _count(app, OutgoingMail)
    client = app.test_client()
    response = client.post("/konto/passwort-vergessen", data={"email": "niemand@example.org"})
    assert response.status_code == 302
    assert _count(app, ResetRequest) == 1
    assert (_count(app, AccountToken), _count(app, OutgoingMail)) == (tokens, mails)
    with app.app_context():
        import sqlalchemy as sa

        from catalogue.db import db

        stored = db.session.scalar(sa.select(ResetRequest.address_hash))
    assert "niemand" not in stored and len(stored) == 64


def test_reset_mails_are_throttled_per_address(app, member):
    from catalogue.models import OutgoingMail

    before = _count(app, OutgoingMail)
    for _ in range(accounts.RESETS_PER_ADDRESS_AND_HOUR + 2):
        client = app.test_client()  # every request from a "different client"
        response = client.post("/konto/passwort-vergessen", data={"email": member.email})
        assert response.status_code == 302
    assert _count(app, OutgoingMail) == before + accounts.RESETS_PER_ADDRESS_AND_HOUR
