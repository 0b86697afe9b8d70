"""Spreadsheet import for the DigitalBüro: the column template and reading CSV / XLSX files into
checked rows — pure, no database (the service decides create / update / unchanged).

Every problem carries the spreadsheet's row number (header = row 1) and column name, so that a
broken file is reported completely in one pass. A file with problems imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from catalogue.categories import CATEGORIES
from catalogue.exchange.tables import Column, Table
from catalogue.fields import SOLUTION_SPEC
from catalogue.fields.solutions import CLASSIFICATION, CONTENT, TECHNICAL
from catalogue.models.enums import ProjectStatus, Readiness, SolutionKind

MAX_ROWS = 5_000
MAX_BYTES = 10 * 1024 * 1024
URL_RE = re.compile(r"^https?://\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class Spec:
    header: str
    field: str
    required: bool
    hint: str


def _spec_columns(section: str) -> list[Spec]:
    """Template columns of the plain fields of one form section (``SOLUTION_SPEC``)."""
    return [
        Spec(f.table, f.name, bool(f.required), f.table_hint)
        for f in SOLUTION_SPEC.in_table("spreadsheet", section)
    ]


COLUMNS: tuple[Spec, ...] = (
    Spec(
        "ID",
        "external_id",
        True,
        "Ihre eindeutige Kennung der Zeile, z. B. DB-2024-017. "
        "Beim erneuten Import wird die Lösung mit dieser ID aktualisiert statt neu angelegt.",
    ),
    *_spec_columns(CONTENT),
    Spec(
        "Kategorie",
        "category",
        True,
        "Eine der Kategorien des Katalogs, z. B. »Bildung & Schule« oder die Kennung »bildung«.",
    ),
    Spec(
        "Art",
        "kind",
        True,
        "Software, Dienstleistung, Organisationsmodell, Vorlage oder "
        "Daten/Infrastruktur (wie im Formular).",
    ),
    Spec(
        "Projektstand",
        "project_status",
        True,
        "geplant, in Umsetzung, im Betrieb oder abgeschlossen (wie im Formular).",
    ),
    Spec("Nachnutzbarkeit", "readiness", True, "Wie im Formular, z. B. »auf Anfrage«."),
    Spec(
        "AGS federführende Kommune",
        "lead_municipality_ags",
        False,
        "8-stelliger "
        "Gemeindeschlüssel; nur das DigitalBüro darf andere Kommunen als die eigene angeben.",
    ),
    *_spec_columns(CLASSIFICATION),
    Spec("Schlagworte", "tags", False, "Durch Kommas getrennt, höchstens 15."),
    *_spec_columns(TECHNICAL),
    Spec(
        "Links",
        "links",
        False,
        "Eine Adresse pro Zeile, optional mit Titel: »Projektseite | https://…«.",
    ),
)
REQUIRED = [c.header for c in COLUMNS if c.required]
NUMBERS = {f.name for f in SOLUTION_SPEC if f.is_number}
URLS = {f.name for f in SOLUTION_SPEC if f.is_url}
LENGTHS = {f.name: f.max_length for f in SOLUTION_SPEC if f.max_length is not None}


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row (header = 1); None: the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column:
            where.append(f"Spalte »{self.column}«")
        return (", ".join(where) + ": " if where else "") + self.message


@dataclass
class Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)  # SolutionInput field -> value
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Sheet:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # file-level and every row's

    @property
    def ok(self) -> bool:
        return not self.problems


def template_table() -> Table:
    """The downloadable template: header row and one example row."""
    example = {
        "external_id": "DB-2026-001",
        "title": "Online-Terminvergabe im Bürgerbüro",
        "summary": "Bürgerinnen und Bürger buchen Termine im Bürgerbüro online.",
        "description": "Seit 2025 im Betrieb; Anbindung an das Fachverfahren.",
        "problem": "Lange Wartezeiten am Schalter.",
        "category": CATEGORIES["buergerservice"],
        "kind": SolutionKind.SOFTWARE.label,
        "project_status": ProjectStatus.IN_OPERATION.label,
        "readiness": Readiness.ON_REQUEST.label,
        "lead_municipality_ags": "05774032",
        "tags": "Termin, Bürgerbüro",
        "links": "Projektseite | https://example.org/termine",
    }
    return Table("Lösungen", [Column(c.field, c.header) for c in COLUMNS], [example])


def _choices(enum) -> dict[str, str]:
    result = {}
    for member in enum:
        result[member.value.lower()] = member.value
        result[member.label.lower()] = member.value
    return result


CHOICES = {
    "category": {**{k: k for k in CATEGORIES}, **{v.lower(): k for k, v in CATEGORIES.items()}},
    "kind": _choices(SolutionKind),
    "project_status": _choices(ProjectStatus),
    "readiness": _choices(Readiness),
}


def _decode(content: bytes) -> str | Problem:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Problem(
            None,
            None,
            "Die Datei ist nicht UTF-8-kodiert (vermutlich Windows-1252 aus älterem Excel). "
            "Bitte speichern Sie sie als »CSV UTF-8 (durch Trennzeichen getrennt)« oder als XLSX.",
        )


def _read_csv(content: bytes) -> tuple[list[list[str]], list[Problem]]:
    text = _decode(content)
    if isinstance(text, Problem):
        return [], [text]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    problems = []
    header = rows[0] if rows else []
    for number, cells in enumerate(rows[1:], start=2):
        for index, value in enumerate(cells):
            if value.startswith("="):
                column = header[index] if index < len(header) else f"Nr. {index + 1}"
                problems.append(
                    Problem(
                        number,
                        column,
                        "beginnt mit »=« wie eine Formel. Bitte tragen Sie nur Werte ein.",
                    )
                )
                cells[index] = ""
    return rows, problems


def _read_xlsx(content: bytes) -> tuple[list[list[str]], list[Problem]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        return [], [Problem(None, None, "Die Datei ist keine lesbare Excel-Datei (XLSX).")]
    sheet = workbook.worksheets[0]
    rows, problems = [], []
    header: list[str] = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        values = []
        for index, cell in enumerate(cells):
            value = cell.value
            if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
                column = header[index] if index < len(header) else f"Nr. {index + 1}"
                problems.append(
                    Problem(
                        number,
                        column,
                        "enthält eine Formel. Bitte fügen Sie nur Werte ein "
                        "(Kopieren → Inhalte einfügen → Werte).",
                    )
                )
                value = ""
            values.append("" if value is None else str(value))
        if number == 1:
            header = values
        rows.append(values)
        if number > MAX_ROWS + 1:
            break
    workbook.close()
    return rows, problems


def _int(value: str) -> int | None:
    value = value.strip().replace(" ", "")
    if not value:
        return None
    if not re.fullmatch(r"\d+", value):
        raise ValueError
    return int(value)


def _links(value: str) -> list[dict[str, str]]:
    links = []
    for line in value.splitlines():
        if not line.strip():
            continue
        title, _, url = line.rpartition("|")
        links.append({"title": title.strip() or url.strip(), "url": url.strip()})
    return links


def _check_row(number: int, raw: dict[str, str]) -> Row:
    row = Row(number)
    for spec in COLUMNS:
        text = (raw.get(spec.header) or "").strip()
        # What the field takes: the text, a choice, a number, a list or None.
        value: str | int | list[str] | list[dict[str, str]] | None = text
        problem = None
        if spec.required and not text:
            problem = "ist leer, ist aber Pflicht."
        elif spec.field in CHOICES and text:
            mapped = CHOICES[spec.field].get(text.lower())
            if mapped is None:
                problem = f"»{text}« ist kein erlaubter Wert."
            value = mapped or ""
        elif spec.field in NUMBERS:
            try:
                value = _int(text)
            except ValueError:
                problem = f"»{text}« ist keine ganze Zahl."
                value = None
        elif spec.field == "tags":
            tags = [t.strip() for t in text.split(",") if t.strip()]
            value = tags
            if len(tags) > 15:
                problem = "höchstens 15 Schlagworte."
        elif spec.field == "links":
            links = _links(text)
            value = links
            bad = [link["url"] for link in links if not URL_RE.match(link["url"])]
            if bad:
                problem = f"»{bad[0]}« ist keine Web-Adresse (https://…)."
        elif spec.field in URLS and text and not URL_RE.match(text):
            problem = f"»{text}« ist keine Web-Adresse (https://…)."
        elif spec.field == "lead_municipality_ags" and text and not re.fullmatch(r"\d{8}", text):
            problem = f"»{text}« ist kein 8-stelliger Gemeindeschlüssel."
        elif spec.field in LENGTHS and len(text) > LENGTHS[spec.field]:
            problem = f"höchstens {LENGTHS[spec.field]} Zeichen."
        elif spec.field == "external_id" and len(text) > 100:
            problem = "höchstens 100 Zeichen."
        if problem:
            row.problems.append(Problem(number, spec.header, problem))
        row.values[spec.field] = value
    return row


def read_sheet(filename: str, content: bytes) -> Sheet:
    """Read and check a CSV or XLSX file completely; every problem with row and column."""
    sheet = Sheet()
    name = filename.lower()
    if len(content) > MAX_BYTES:
        sheet.problems.append(Problem(None, None, "Die Datei ist größer als 10 MB."))
        return sheet
    if name.endswith(".xlsx"):
        rows, problems = _read_xlsx(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        rows, problems = _read_csv(content)
    else:
        sheet.problems.append(
            Problem(None, None, "Bitte laden Sie eine CSV- oder XLSX-Datei hoch (.csv, .xlsx).")
        )
        return sheet
    sheet.problems.extend(problems)
    if not rows:
        if not sheet.problems:
            sheet.problems.append(Problem(None, None, "Die Datei ist leer."))
        return sheet
    header = [h.strip() for h in rows[0]]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        sheet.problems.append(
            Problem(
                1,
                None,
                "Es fehlen Pflichtspalten: "
                + ", ".join(f"»{m}«" for m in missing)
                + ". Bitte nutzen Sie die Vorlage.",
            )
        )
        return sheet
    known = {c.header for c in COLUMNS}
    for extra in [h for h in header if h and h not in known]:
        sheet.problems.append(Problem(1, extra, "ist keine Spalte der Vorlage."))
    body = [r for r in rows[1:] if any((c or "").strip() for c in r)]
    if len(body) > MAX_ROWS:
        sheet.problems.append(
            Problem(
                None,
                None,
                f"Die Datei hat mehr als {MAX_ROWS:,} Zeilen".replace(",", ".")
                + ". Bitte teilen Sie sie auf mehrere Dateien auf.",
            )
        )
        return sheet
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any((c or "").strip() for c in cells):
            continue
        raw = {header[i]: (cells[i] if i < len(cells) else "") for i in range(len(header))}
        row = _check_row(number, raw)
        external_id = row.values.get("external_id")
        if external_id:
            if external_id in seen:
                row.problems.append(
                    Problem(
                        number, "ID", f"»{external_id}« steht schon in Zeile {seen[external_id]}."
                    )
                )
            else:
                seen[external_id] = number
        sheet.rows.append(row)
        sheet.problems.extend(row.problems)
    if not sheet.rows and not sheet.problems:
        sheet.problems.append(Problem(None, None, "Die Datei enthält keine Datenzeilen."))
    return sheet
