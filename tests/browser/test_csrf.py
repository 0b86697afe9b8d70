"""CSRF protection of the forms. The live server runs with ``WTF_CSRF_ENABLED=False`` (like all
test apps), so this builds a second small app with CSRF on and drives it with Flask's test
client: a POST without a token is rejected with 400 and changes nothing; the same POST with the
token from the rendered form is accepted.

It runs in a worker thread: Playwright's sync API may already keep an asyncio loop running in
the main thread (see ``LiveServer.query``)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

import tests.conftest as base
from tests.browser.conftest import PASSWORD

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _token(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    match = TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token in the form on {path}"
    return match.group(1)


SOLUTION = {
    "title": "Digitale Schadensmeldung",
    "summary": "Schäden an Straßen online melden.",
    "description": "Ein Formular mit Karte.",
    "category": "buergerservice",
    "kind": "software",
    "project_status": "in_operation",
    "readiness": "documented",
    "save": "1",
}


def _scenario(tmp_path) -> None:
    app = base.make_app(tmp_path, WTF_CSRF_ENABLED=True)
    assert app.config["WTF_CSRF_ENABLED"] is True
    from catalogue.extensions import db
    from catalogue.models import BarrierReport, Solution
    from catalogue.services import accounts, seed

    def count(model) -> int:
        with app.app_context():
            try:
                return db.session.scalar(sa.select(sa.func.count()).select_from(model))
            finally:
                db.session.close()

    try:
        with app.app_context():
            seed.load_municipalities()
            admin = accounts.create_admin(
                email="admin@csrf.example", name="Admin", password=PASSWORD
            )
            _, token = accounts.invite_user(
                actor=admin,
                email="beitrag@csrf.example",
                name="Beitragende",
                role="contributor",
                municipality_ags="05774032",
            )
            accounts.accept_invitation(token, PASSWORD)
            db.session.close()
        client = app.test_client()
        credentials = {"email": "beitrag@csrf.example", "password": PASSWORD}

        # Sign-in: without a token 400 and not signed in; with the form's token accepted.
        rejected = client.post("/anmelden", data=credentials)
        assert rejected.status_code == 400
        assert "Fehler 400" in rejected.get_data(as_text=True)  # the error page, not the form
        assert client.get("/mitwirken/").status_code == 302, "must not be signed in"
        response = client.post(
            "/anmelden", data={**credentials, "csrf_token": _token(client, "/anmelden")}
        )
        assert response.status_code == 302
        assert client.get("/mitwirken/").status_code == 200

        # "Barriere melden": anyone may post it, so the token matters all the more.
        report = {"description": "Der Kontrast der Fußzeile ist zu schwach."}
        assert client.post("/barrierefreiheit", data=report).status_code == 400
        assert count(BarrierReport) == 0
        response = client.post(
            "/barrierefreiheit",
            data={**report, "csrf_token": _token(client, "/barrierefreiheit")},
        )
        assert response.status_code == 302
        assert count(BarrierReport) == 1

        # A new solution (multipart form), signed in as a contributor.
        assert client.post("/mitwirken/loesungen/neu", data=SOLUTION).status_code == 400
        assert (
            client.post(
                "/mitwirken/loesungen/neu", data={**SOLUTION, "csrf_token": "forged"}
            ).status_code
            == 400
        )
        assert count(Solution) == 0
        response = client.post(
            "/mitwirken/loesungen/neu",
            data={**SOLUTION, "csrf_token": _token(client, "/mitwirken/loesungen/neu")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        assert re.search(r"/mitwirken/loesungen/\d+$", response.headers["Location"])
        assert count(Solution) == 1

        # A token belongs to its session: another visitor cannot reuse it.
        stolen = _token(client, "/barrierefreiheit")
        other = app.test_client()
        assert (
            other.post("/barrierefreiheit", data={**report, "csrf_token": stolen}).status_code
            == 400
        )
    finally:
        base.release_app(app)


def test_forms_reject_posts_without_csrf_token(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "PG_URL", None)  # a private SQLite app; leave PostgreSQL alone
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_scenario, tmp_path).result(timeout=120)
