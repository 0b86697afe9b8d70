"""Tables as CSV or XLSX files for spreadsheets (exports) — pure, no database, no Flask.

CSV follows what German Excel and LibreOffice open without an import dialog: UTF-8 with a byte
order mark, ``;`` as separator, CRLF line ends, fields quoted when they contain ``;``, quotes or
line breaks (line breaks inside a field stay line breaks). Text that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading ``'``
in the CSV (the usual CSV-injection guard); in XLSX such text is stored as a text cell instead,
so it stays unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

CSV_DELIMITER = ";"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    header: str


@dataclass
class Table:
    title: str  # sheet name (max. 31 characters in XLSX)
    columns: list[Column]
    rows: list[dict[str, Any]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _csv_cell(value: Any) -> str:
    text = _text(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def csv_row(values: Sequence[Any]) -> list[str]:
    """One row for a CSV download: text that a spreadsheet would run as a formula (a name or
    comment starting with "=") is kept as text."""
    return [_csv_cell(v) for v in values]


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.header for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(row.get(c.key)) for c in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return _text(value)


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if not isinstance(sheet, Worksheet):  # a new workbook always starts with one worksheet
        raise TypeError("openpyxl returned no worksheet for a new workbook")
    sheet.title = table.title[:31]
    sheet.append([c.header for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_xlsx_value(row.get(c.key)) for c in table.columns])
    # openpyxl treats strings starting with "=" as formulas; keep them as text.
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(len(column.header) + 2, 12), 60
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(table: Table, fmt: str) -> tuple[bytes, str]:
    """(file content, MIME type) for ``fmt`` "csv" or "xlsx"."""
    if fmt == "csv":
        return to_csv(table), CSV_MIMETYPE
    if fmt == "xlsx":
        return to_xlsx(table), XLSX_MIMETYPE
    raise ValueError(f"unknown table format {fmt!r}")
