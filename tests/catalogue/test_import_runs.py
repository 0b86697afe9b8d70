"""Spreadsheet imports started on the web page run in the background: progress visible batch by
batch, a failing batch retried visibly and rolled back whole, the run stopped after
MAX_ATTEMPTS, the file dropped at the end, the page only for its account and the DigitalBüro."""

import io

import pytest
import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.exchange import spreadsheet
from catalogue.models import ImportRun, ImportRunStatus, Role, Solution
from catalogue.services import import_runs, table_import, worker
from tests.catalogue.test_table_import import _csv, _row
from tests.factories import LAGE, PADERBORN, make_user, sign_in


@pytest.fixture
def people(municipalities):
    return {
        "contributor": make_user(Role.CONTRIBUTOR, PADERBORN, "b@paderborn.example"),
        "other": make_user(Role.CONTRIBUTOR, LAGE, "b@lage.example"),
        "curator": make_user(Role.CURATOR, None, "k@example.org"),
    }


@pytest.fixture
def worker_mode(app, monkeypatch):
    """Side effects wait for the worker (as in production), so each step can be watched."""
    monkeypatch.setitem(app.config, "SEARCH_SYNC", "worker")


def _upload(client, rows: int):
    return client.post(
        "/mitwirken/import/tabelle",
        data={
            "file": (io.BytesIO(_csv([_row(n) for n in range(1, rows + 1)])), "liste.csv"),
            "run": "Importieren",
        },
        content_type="multipart/form-data",
    )


def _solutions() -> int:
    return db.session.scalar(sa.select(sa.func.count(Solution.id))) or 0


def _run() -> ImportRun:
    run = db.session.scalars(sa.select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert run is not None
    db.session.refresh(run)
    return run


def _due_now(run_id: int) -> None:
    """Skip the backoff pause (the clock is not what these tests are about)."""
    with unit_of_work() as s:
        s.execute(
            sa.update(ImportRun).where(ImportRun.id == run_id).values(run_after=sa.func.now())
        )
    with unit_of_work() as s:
        run = s.get_one(ImportRun, run_id)
        run.run_after = run.created_at


def test_web_import_runs_in_the_background_with_progress(client, people, worker_mode, monkeypatch):
    sign_in(client, people["contributor"])
    response = _upload(client, 250)
    assert response.status_code == 302
    page = response.location
    html = client.get(page).get_data(as_text=True)
    assert "Import wartet auf den Start" in html and '<meta http-equiv="refresh"' in html
    assert "0 von 250 Zeilen" in html and _solutions() == 0

    assert worker.process_once().imported_rows == 100
    html = client.get(page).get_data(as_text=True)
    assert "Import läuft" in html and "100 von 250 Zeilen" in html and "wird angelegt: 100" in html
    assert _solutions() == 100

    reads = []
    real_read = spreadsheet.read_sheet
    monkeypatch.setattr(
        spreadsheet, "read_sheet", lambda *args: reads.append(args[0]) or real_read(*args)
    )
    assert worker.process_once().imported_rows == 100
    assert worker.process_once().imported_rows == 50
    assert reads == []  # the file was parsed once for this run, not once per batch
    assert worker.process_once().imported_rows == 0
    html = client.get(page).get_data(as_text=True)
    assert "Import abgeschlossen" in html and '<meta http-equiv="refresh"' not in html
    assert "250 von 250 Zeilen" in html and _solutions() == 250
    run = _run()
    assert run.status == ImportRunStatus.DONE and run.content == b"" and run.finished_at
    # Imported as the account that started it: drafts of its municipality.
    owners = set(db.session.scalars(sa.select(Solution.lead_municipality_ags)))
    assert owners == {PADERBORN}
    assert "liste.csv" in client.get("/mitwirken/import/tabelle").get_data(as_text=True)

    sign_in(client, people["other"])
    assert client.get(page).status_code == 403
    sign_in(client, people["curator"])
    assert client.get(page).status_code == 200


def test_a_failing_batch_is_rolled_back_whole_retried_visibly_and_finally_stops(
    client, people, worker_mode, monkeypatch
):
    sign_in(client, people["contributor"])
    page = _upload(client, 120).location
    real_apply = table_import.apply_rows

    def half_then_fail(actor, planned, publish):
        real_apply(actor, planned[: len(planned) // 2], publish)
        raise RuntimeError("Verbindung zur Datenbank verloren")

    monkeypatch.setattr(table_import, "apply_rows", half_then_fail)
    assert import_runs.run_import_step() == 0
    run = _run()
    assert _solutions() == 0  # the half-written batch was rolled back
    assert run.status == ImportRunStatus.RUNNING and run.done_rows == 0 and run.attempts == 1
    assert "Verbindung zur Datenbank verloren" in run.last_error
    html = client.get(page).get_data(as_text=True)
    assert "neuer Versuch (1 von 5)" in html and "Verbindung zur Datenbank verloren" in html
    assert import_runs.run_import_step() == 0  # backoff: not due yet
    assert _run().attempts == 1

    monkeypatch.setattr(table_import, "apply_rows", real_apply)  # the database is back
    _due_now(run.id)
    assert import_runs.run_import_step() == 100
    _due_now(run.id)
    assert import_runs.run_import_step() == 20
    assert _solutions() == 120 and _run().status == ImportRunStatus.DONE  # none twice
    worker.process_once()  # the index catches up

    sign_in(client, people["contributor"])
    page = _upload(client, 3).location
    monkeypatch.setattr(table_import, "apply_rows", half_then_fail)
    for attempt in range(1, import_runs.MAX_ATTEMPTS + 1):
        _due_now(_run().id)
        assert import_runs.run_import_step() == 0
        assert _run().attempts == attempt
    run = _run()
    assert run.status == ImportRunStatus.FAILED and run.content == b""
    html = client.get(page).get_data(as_text=True)
    assert "Import abgebrochen nach 0 von 3 Zeilen" in html
    assert '<meta http-equiv="refresh"' not in html
    assert import_runs.run_import_step() == 0  # a stopped run is left alone


def test_a_file_with_problems_is_not_queued(client, people, worker_mode):
    sign_in(client, people["contributor"])
    response = client.post(
        "/mitwirken/import/tabelle",
        data={"file": (io.BytesIO(_csv([_row(1, Titel="")])), "liste.csv"), "run": "Importieren"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Zeile 2, Spalte »Titel«" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ImportRun.id))) == 0


def test_operators_see_a_retrying_import(app, client, people, worker_mode, monkeypatch):
    sign_in(client, people["contributor"])
    _upload(client, 2)

    def fail(actor, planned, publish):
        raise RuntimeError("Platte voll")

    monkeypatch.setattr(table_import, "apply_rows", fail)
    import_runs.run_import_step()
    status = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert status.exit_code == 1
    assert "laufende Tabellenimporte: 1" in status.output and "Platte voll" in status.output
    admin = make_user(Role.ADMIN, None, "admin@example.org")
    sign_in(client, admin)
    html = client.get("/verwaltung/betrieb").get_data(as_text=True)
    assert "Tabellenimporte (1 laufen oder warten)" in html and "Platte voll" in html
