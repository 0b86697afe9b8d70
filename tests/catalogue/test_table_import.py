"""Spreadsheet import: 500 rows dry run and for real, idempotent second run, updates and
revisions, and broken files reported completely with row and column."""

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from catalogue.db import db
from catalogue.errors import PermissionDenied
from catalogue.exchange import spreadsheet, tables
from catalogue.models import ContentState, ImportKey, ReviewEvent, Role, Solution
from catalogue.services import table_import
from tests.factories import PADERBORN, make_user, sign_in

HEADERS = [c.header for c in spreadsheet.COLUMNS]


def _row(n: int, **overrides) -> dict[str, str]:
    row = {
        "ID": f"DB-{n:04d}",
        "Titel": f"Digitale Lösung Nummer {n} – Straßenschäden melden",
        "Kurzbeschreibung": f"Bürger melden Schäden; Zeile {n}.",
        "Beschreibung": f"Erste Zeile\nzweite Zeile mit Ä Ö Ü ß ({n})",
        "Ausgangslage": "",
        "Kategorie": "Bürgerservice & Verwaltungsleistungen",
        "Art": "software",
        "Projektstand": "im Betrieb",
        "Nachnutzbarkeit": "on_request",
        "AGS federführende Kommune": PADERBORN,
        "Federführende Organisation": "",
        "Schlagworte": "Mängelmelder, App",
        "Technik": "",
        "Lizenz": "EUPL-1.2",
        "Quellcode": "",
        "Kosten (EUR)": "12000",
        "Dauer (Monate)": "6",
        "Förderung": "",
        "Links": "Projektseite | https://example.org/p",
    }
    row.update(overrides)
    return row


def _csv(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=headers, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({h: row.get(h, "") for h in headers})
    return buffer.getvalue().encode(encoding)


def _count(model=Solution):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


@pytest.fixture
def curator(municipalities):
    return make_user(Role.CURATOR, None, "k@example.org")


def test_500_rows_dry_run_import_and_idempotent_second_run(curator):
    content = _csv([_row(n) for n in range(1, 501)])
    dry = table_import.import_table(actor=curator, filename="liste.csv", content=content)
    assert dry.ok and dry.count("neu") == 500 and _count() == 0
    seen = []
    real = table_import.import_table(
        actor=curator,
        filename="liste.csv",
        content=content,
        dry_run=False,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert real.ok and real.count("neu") == 500
    assert _count() == 500 and _count(ImportKey) == 500
    assert seen == [(100, 500), (200, 500), (300, 500), (400, 500), (500, 500)]
    events = _count(ReviewEvent)
    assert events >= 500
    solution = db.session.scalar(
        sa.select(Solution).where(Solution.title.endswith("Nummer 7 – Straßenschäden melden"))
    )
    assert solution.state == ContentState.DRAFT and solution.lead_municipality_ags == PADERBORN
    assert solution.description == "Erste Zeile\nzweite Zeile mit Ä Ö Ü ß (7)"
    assert solution.category == "buergerservice" and solution.cost_eur == 12000
    again = table_import.import_table(
        actor=curator, filename="liste.csv", content=content, dry_run=False
    )
    assert again.count("unverändert") == 500 and _count() == 500
    assert _count(ReviewEvent) == events


def test_changed_rows_update_drafts_and_revise_published_solutions(curator):
    rows = [_row(1), _row(2)]
    table_import.import_table(
        actor=curator, filename="a.csv", content=_csv(rows), dry_run=False, publish=True
    )
    published = db.session.scalar(sa.select(Solution).where(Solution.title.contains("Nummer 1 ")))
    assert published.state == ContentState.PUBLISHED
    rows[0]["Kurzbeschreibung"] = "Neue Kurzbeschreibung."
    result = table_import.import_table(
        actor=curator, filename="a.csv", content=_csv(rows), dry_run=False
    )
    assert [r.action for r in result.rows] == ["überarbeiten", "unverändert"]
    revision = db.session.scalar(sa.select(Solution).where(Solution.revision_of_id == published.id))
    assert revision.summary == "Neue Kurzbeschreibung." and published.summary != revision.summary
    third = table_import.import_table(
        actor=curator, filename="a.csv", content=_csv(rows), dry_run=False
    )
    assert [r.action for r in third.rows] == ["unverändert", "unverändert"]


def test_broken_file_reports_every_problem_with_row_and_column(curator):
    rows = [
        _row(1, Titel=""),
        _row(2, Kategorie="Raumfahrt", **{"Kosten (EUR)": "12.000,50"}),
        _row(3, ID="DB-0001", Quellcode="ftp://x"),
        _row(4, **{"AGS federführende Kommune": "123"}, Links="kein Link"),
    ]
    result = table_import.import_table(
        actor=curator, filename="b.csv", content=_csv(rows), dry_run=False
    )
    assert not result.ok and _count() == 0
    assert result.problems == [
        "Zeile 2, Spalte »Titel«: ist leer, ist aber Pflicht.",
        "Zeile 3, Spalte »Kategorie«: »Raumfahrt« ist kein erlaubter Wert.",
        "Zeile 3, Spalte »Kosten (EUR)«: »12.000,50« ist keine ganze Zahl.",
        "Zeile 4, Spalte »Quellcode«: »ftp://x« ist keine Web-Adresse (https://…).",
        "Zeile 4, Spalte »ID«: »DB-0001« steht schon in Zeile 2.",
        "Zeile 5, Spalte »AGS federführende Kommune«: »123« ist kein 8-stelliger Gemeindeschlüssel.",
        "Zeile 5, Spalte »Links«: »kein Link« ist keine Web-Adresse (https://…).",
    ]


def test_bad_files_get_clear_messages(curator):
    def problems(filename, content):
        result = table_import.import_table(
            actor=curator, filename=filename, content=content, dry_run=False
        )
        assert _count() == 0
        return result.problems

    latin1 = _csv([_row(1)], encoding="cp1252")
    assert "nicht UTF-8-kodiert" in problems("a.csv", latin1)[0]
    missing = _csv([_row(1)], headers=[h for h in HEADERS if h not in ("Titel", "Art")])
    assert problems("a.csv", missing) == [
        "Zeile 1: Es fehlen Pflichtspalten: »Titel«, »Art«. Bitte nutzen Sie die Vorlage."
    ]
    big = _csv([_row(n) for n in range(1, 10_001)])
    assert problems("a.csv", big) == [
        "Die Datei hat mehr als 5.000 Zeilen. Bitte teilen Sie sie auf mehrere Dateien auf."
    ]
    assert "CSV- oder XLSX-Datei" in problems("a.pdf", b"%PDF")[0]
    assert problems("a.xlsx", b"kein zip") == ["Die Datei ist keine lesbare Excel-Datei (XLSX)."]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append([_row(1)[h] for h in HEADERS])
    sheet["C2"] = "=A2&B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert problems("a.xlsx", buffer.getvalue()) == [
        "Zeile 2, Spalte »Kurzbeschreibung«: enthält eine Formel. Bitte fügen Sie nur Werte ein "
        "(Kopieren → Inhalte einfügen → Werte).",
        "Zeile 2, Spalte »Kurzbeschreibung«: ist leer, ist aber Pflicht.",
    ]


def test_contributors_import_only_for_their_municipality(municipalities):
    author = make_user(Role.CONTRIBUTOR, PADERBORN, "b@paderborn.example")
    other = _csv([_row(1, **{"AGS federführende Kommune": "05766040"})])
    result = table_import.import_table(actor=author, filename="a.csv", content=other, dry_run=False)
    assert not result.ok and "eigenen Kommune" in result.problems[0] and _count() == 0
    own = _csv([_row(1, **{"AGS federführende Kommune": ""})])
    assert table_import.import_table(actor=author, filename="a.csv", content=own, dry_run=False).ok
    with pytest.raises(PermissionDenied):
        table_import.import_table(actor=author, filename="a.csv", content=own, publish=True)
    member = make_user(Role.MEMBER, PADERBORN, "m@paderborn.example")
    with pytest.raises(PermissionDenied):
        table_import.import_table(actor=member, filename="a.csv", content=own)


def test_template_downloads_and_imports_as_is(client, curator):
    xlsx = client.get("/mitwirken/import/vorlage.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[1]] == HEADERS
    csv_template = client.get("/mitwirken/import/vorlage.csv")
    assert csv_template.mimetype == tables.CSV_MIMETYPE
    for name, content in (("vorlage.xlsx", xlsx.data), ("vorlage.csv", csv_template.data)):
        assert table_import.import_table(actor=curator, filename=name, content=content).ok, name


def test_import_page_dry_run_and_import(client, curator):
    sign_in(client, curator)
    assert client.get("/mitwirken/import/tabelle").status_code == 200
    content = _csv([_row(1), _row(2)])
    dry = client.post(
        "/mitwirken/import/tabelle",
        data={"file": (io.BytesIO(content), "liste.csv"), "check": "Probelauf"},
        content_type="multipart/form-data",
    )
    html = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "Probelauf ohne Fehler" in html and "wird angelegt" in html
    assert _count() == 0
    real = client.post(
        "/mitwirken/import/tabelle",
        data={"file": (io.BytesIO(content), "liste.csv"), "run": "Importieren"},
        content_type="multipart/form-data",
    )
    # Queued and (tests run side effects synchronously after commit) carried out at once.
    assert real.status_code == 302 and "/mitwirken/import/laeufe/" in real.location
    assert "Import abgeschlossen" in client.get(real.location).get_data(as_text=True)
    assert _count() == 2
    broken = client.post(
        "/mitwirken/import/tabelle",
        data={"file": (io.BytesIO(_csv([_row(1, Titel="")])), "liste.csv"), "run": "Importieren"},
        content_type="multipart/form-data",
    )
    assert broken.status_code == 400
    assert "Zeile 2, Spalte »Titel«: ist leer, ist aber Pflicht." in broken.get_data(as_text=True)


def test_command_line_dry_run_and_import_with_progress(app, curator, tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(_csv([_row(n) for n in range(1, 151)]))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-table", str(path), "--email", "k@example.org"])
    assert dry.exit_code == 0 and "Probelauf: 150 wird angelegt" in dry.output and _count() == 0
    real = runner.invoke(args=["import-table", str(path), "--email", "k@example.org", "--run"])
    assert real.exit_code == 0, real.output
    assert "100/150 Zeilen importiert" in real.output and "150/150" in real.output
    assert _count() == 150
    broken = tmp_path / "kaputt.csv"
    broken.write_bytes(_csv([_row(1, Titel="")]))
    failed = runner.invoke(args=["import-table", str(broken), "--email", "k@example.org", "--run"])
    assert failed.exit_code != 0 and "Zeile 2, Spalte »Titel«" in failed.output
    unknown = runner.invoke(args=["import-table", str(path), "--email", "niemand@example.org"])
    assert unknown.exit_code != 0 and "Kein aktives Konto" in unknown.output


def test_rows_of_solutions_under_review_are_reported_not_changed(curator):
    from catalogue.services import workflow

    rows = [_row(1)]
    table_import.import_table(actor=curator, filename="a.csv", content=_csv(rows), dry_run=False)
    solution = db.session.scalar(sa.select(Solution))
    workflow.apply_action(
        actor=curator, entity_type="solution", entry_id=solution.id, action="submit"
    )
    rows[0]["Kurzbeschreibung"] = "Geändert während der Prüfung."
    result = table_import.import_table(
        actor=curator, filename="a.csv", content=_csv(rows), dry_run=False
    )
    assert not result.ok and "Spalte »ID«" in result.problems[0]
    assert db.session.get(Solution, solution.id).summary != "Geändert während der Prüfung."
