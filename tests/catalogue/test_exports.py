"""CSV/XLSX exports: round trip through parsers with umlauts, line breaks and formula-like text;
filters and visibility as on the pages."""

import csv
import io

import openpyxl
import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.exchange import tables
from catalogue.models import Need, NeedVisibility, Role, Solution
from catalogue.services import contributions, workflow
from tests.factories import LAGE, make_user, solution_input

TRICKY = 'Straßenschäden „melden“;\nzweite Zeile mit Ä, ö, ü und "Anführungszeichen"'


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def _xlsx_rows(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_tables_round_trip_umlauts_line_breaks_and_formulas():
    table = tables.Table(
        "Test",
        [tables.Column("a", "Spalte Ä"), tables.Column("b", "Zahl"), tables.Column("c", "Formel")],
        [{"a": TRICKY, "b": 1234, "c": '=HYPERLINK("http://x")'}, {"a": "", "b": None, "c": "-5"}],
    )
    rows = _csv_rows(tables.to_csv(table))
    assert rows == [
        ["Spalte Ä", "Zahl", "Formel"],
        [TRICKY, "1234", '\'=HYPERLINK("http://x")'],
        ["", "", "'-5"],
    ]
    assert b"\r\n" in tables.to_csv(table)
    sheet = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(table))).active
    assert sheet["A2"].value == TRICKY and sheet["B2"].value == 1234
    assert sheet["C2"].value == '=HYPERLINK("http://x")' and sheet["C2"].data_type == "s"


def test_solution_export_follows_the_list_filters(client, demo):
    all_rows = _csv_rows(client.get("/export/loesungen.csv").data)
    assert all_rows[0][:3] == ["ID", "Kennung", "Titel"]
    assert len(all_rows) == 1 + 122
    filtered = client.get("/export/loesungen.xlsx?kategorie=bildung")
    assert filtered.mimetype == tables.XLSX_MIMETYPE
    assert "attachment" in filtered.headers["Content-Disposition"]
    rows = _xlsx_rows(filtered.data)
    header = rows[0]
    assert 1 < len(rows) < 123
    assert {r[header.index("Kategorie")] for r in rows[1:]} == {"Bildung & Schule"}
    html = client.get("/loesungen?kategorie=bildung").get_data(as_text=True)
    assert 'href="/export/loesungen.csv?kategorie=bildung"' in html
    assert client.get("/export/loesungen.pdf").status_code == 404
    assert client.get("/export/loesungen.csv?kategorie=gibt-es-nicht").status_code == 400


def test_exports_contain_only_published_solutions(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")
    curator = make_user(Role.CURATOR, None, "c@example.org")
    published = contributions.create_solution(
        actor=author, data=solution_input(title="Öffentliche Lösung", summary=TRICKY)
    )
    contributions.create_solution(actor=author, data=solution_input(title="Geheimer Entwurf"))
    for actor, action in ((author, "submit"), (curator, "approve")):
        workflow.apply_action(
            actor=actor, entity_type="solution", entry_id=published.id, action=action
        )
    rows = _csv_rows(client.get("/export/loesungen.csv").data)
    assert [r[2] for r in rows[1:]] == ["Öffentliche Lösung"]
    assert rows[1][3] == TRICKY
    xlsx = _xlsx_rows(client.get("/export/loesungen.xlsx").data)
    assert xlsx[1][3] == TRICKY


def test_municipality_reuse_and_need_exports(client, demo):
    municipalities = _csv_rows(client.get("/export/kommunen.csv").data)
    header = municipalities[0]
    assert header[:3] == ["AGS", "Name", "Art"] and len(municipalities) == 1 + 76
    offers = sum(int(r[header.index("Eigene Lösungen")]) for r in municipalities[1:])
    assert offers == db.session.scalar(
        sa.select(sa.func.count(Solution.id)).where(Solution.revision_of_id.is_(None))
    )
    reuses = _xlsx_rows(client.get("/export/nachnutzungen.xlsx").data)
    assert reuses[0][1] == "Lösung (Kennung)" and len(reuses) > 1
    with unit_of_work() as s:
        for visibility in (NeedVisibility.PUBLIC, NeedVisibility.CURATORS):
            s.add(
                Need(
                    municipality_ags=LAGE,
                    title=f"Bedarf {visibility.value}",
                    text="Wir suchen …",
                    visibility=visibility,
                )
            )
    needs = _csv_rows(client.get("/export/bedarfe.csv").data)
    assert [r[1] for r in needs[1:]] == ["Bedarf public"]
