"""The building blocks of a field specification: what one plain field of a content type is and
where it shows up. Pure data and small helpers; no Flask, no database, no WTForms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from catalogue.limits import FIGURES, FigureLimit


class Kind(StrEnum):
    """How a value is entered, stored, checked and shown."""

    LINE = "line"  # one line of text
    TEXT = "text"  # several lines of plain text
    MARKDOWN = "markdown"  # several lines, rendered as Markdown where the page says so
    LINES = "lines"  # one entry per line; shown joined with ", ", a list in the API
    URL = "url"  # an http(s) address, shown as a link
    INT = "int"  # a whole number with a range from catalogue.limits.FIGURES
    MONEY = "money"  # whole euros, range from catalogue.limits.FIGURES
    DATE = "date"


URL_RE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
URL_PROBLEM = "Bitte geben Sie eine Adresse an, die mit https:// beginnt."

TEXT_KINDS = frozenset({Kind.LINE, Kind.TEXT, Kind.MARKDOWN, Kind.LINES, Kind.URL})
NUMBER_KINDS = frozenset({Kind.INT, Kind.MONEY})


class Api(StrEnum):
    """Which object of the public API carries the field."""

    NONE = ""
    SUMMARY = "summary"  # list items and detail
    DETAIL = "detail"  # detail only


@dataclass(frozen=True)
class Field:
    """One plain field: a column copied as entered (strings stripped)."""

    name: str  # model column and service input attribute
    label: str  # form label
    kind: Kind
    section: str  # form fieldset legend
    required: str = ""  # German message when empty; "" = optional
    max_length: int | None = None  # characters (forms, services and the spreadsheet check it)
    too_long: str = ""  # German message of the service when longer; default from the label
    hint: str = ""  # form hint
    rows: int | None = None  # text area height in the form
    width: int | None = None  # input width in the form (characters)
    short_label: str = ""  # public detail page and review page; default: label
    diff_label: str = ""  # revision diff on the review page; default: short_label
    unit: str = ""  # numbers: shown after the value ("Personentage")
    grouped: bool = True  # numbers: thousands separator on the pages
    note: str = ""  # another field shown in brackets after this one ("cost_note")
    empty: str = "keine Angabe"  # review page text when the field is empty
    public: bool = True  # a row of the public "Steckbrief"
    review: bool = True  # a row of the review page's field list
    api: Api = Api.DETAIL
    api_key: str = ""  # JSON key; default: name
    table: str = ""  # column header in exports and the spreadsheet template ("" = neither)
    export: bool = False  # a column of /export/loesungen.csv|xlsx
    spreadsheet: bool = False  # a column of the spreadsheet import template
    table_hint: str = ""  # what the spreadsheet template says about the column
    seed: bool = True  # taken from seed entries (catalogue/data/*.json) under the same key
    search: str = ""  # part of the search document: "title", "summary" or "body"

    @property
    def display_label(self) -> str:
        return self.short_label or self.label

    @property
    def change_label(self) -> str:
        return self.diff_label or self.display_label

    @property
    def json_key(self) -> str:
        return self.api_key or self.name

    @property
    def is_number(self) -> bool:
        return self.kind in NUMBER_KINDS

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def is_lines(self) -> bool:
        return self.kind is Kind.LINES

    @property
    def is_url(self) -> bool:
        return self.kind is Kind.URL

    @property
    def is_money(self) -> bool:
        return self.kind is Kind.MONEY

    @property
    def is_date(self) -> bool:
        return self.kind is Kind.DATE

    @property
    def figure(self) -> FigureLimit | None:
        """The range of a number field (``catalogue.limits.FIGURES``)."""
        return FIGURES[self.name] if self.is_number else None

    @property
    def python_type(self) -> type:
        if self.is_number:
            return int
        if self.is_date:
            return date
        return str

    def empty_value(self) -> str | None:
        """The value of an empty field: "" for text, None for numbers and dates."""
        return "" if self.is_text else None

    def clean(self, value: Any) -> Any:
        """The value as stored: strings stripped, empty text as ""."""
        if self.is_text:
            return (value or "").strip()
        return value

    def lines(self, value: str | None) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def has_value(self, value: Any) -> bool:
        if self.is_lines:
            return bool(self.lines(value))
        if self.is_text:
            return bool(value)
        return value is not None

    def problem(self, value: Any) -> str | None:
        """The German reason why ``value`` cannot be stored (service validation), or None."""
        if self.required and not (value.strip() if isinstance(value, str) else value):
            return self.required
        if self.max_length is not None and isinstance(value, str) and len(value) > self.max_length:
            return self.too_long or (
                f"„{self.display_label}“ darf höchstens {self.max_length} Zeichen lang sein."
            )
        if self.is_url and value and not URL_RE.match(value):
            return URL_PROBLEM
        if self.figure is not None:
            return self.figure.problem(value)
        return None

    def api_value(self, value: Any) -> Any:
        """The JSON value: lists for LINES, null for an empty address, ISO dates."""
        if self.is_lines:
            return self.lines(value)
        if self.is_url:
            return value or None
        if self.is_date:
            return value.isoformat() if value else None
        return value

    def api_schema(self) -> dict[str, Any]:
        """The OpenAPI 3.1 schema of ``api_value``."""
        if self.is_lines:
            return {"type": "array", "items": {"type": "string"}}
        if self.is_url:
            return {"type": ["string", "null"]}
        if self.is_number:
            return {"type": ["integer", "null"]}
        if self.is_date:
            return {"type": ["string", "null"], "format": "date"}
        return {"type": "string"}


class ContentSpec:
    """The ordered plain fields of one content type, with the views every place iterates."""

    def __init__(self, fields: tuple[Field, ...], special: dict[str, str]) -> None:
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate field names in {names}")
        overlap = set(names) & set(special)
        if overlap:
            raise ValueError(f"{sorted(overlap)} are both plain fields and special columns")
        self.fields = fields
        self.special = special  # column → why it is handled explicitly
        self.by_name = {f.name: f for f in fields}
        self.names = tuple(names)

    def __iter__(self) -> Any:
        return iter(self.fields)

    def __getitem__(self, name: str) -> Field:
        return self.by_name[name]

    def in_section(self, section: str) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.section == section)

    def sections(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.section for f in self.fields))

    def where(self, **flags: Any) -> tuple[Field, ...]:
        """The fields whose attributes equal ``flags``, e.g. ``where(public=True)``."""
        return tuple(f for f in self.fields if all(getattr(f, k) == v for k, v in flags.items()))

    def in_table(self, which: str, section: str | None = None) -> tuple[Field, ...]:
        """Fields of the export (``which="export"``) or the spreadsheet template."""
        return tuple(
            f
            for f in self.fields
            if getattr(f, which) and (section is None or f.section == section)
        )

    def empty_values(self) -> dict[str, Any]:
        return {f.name: f.empty_value() for f in self.fields}

    def problems(self, values: dict[str, Any]) -> dict[str, str]:
        """Service validation of every field: name → German message."""
        return {f.name: p for f in self.fields if (p := f.problem(values.get(f.name)))}
