"""The request boundary: what any input must look like before a view or service sees it.

Owns the bounded integer URL converter (replacing Flask's ``int`` for every route, so an id that
no database column can hold is a 404, not an overflow), the control-character gate for path,
query string, form fields and JSON bodies (a clear 400 with a German message instead of a
database error), and the limits of numeric form fields. It must not make permission decisions
or touch the database.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from catalogue.limits import MAX_ID

# Tab, line feed and carriage return are ordinary text; every other C0 control, DEL and the
# C1 block have no place in anything a person types, and PostgreSQL refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional overrides, embeddings and isolates (and the marks) let "txt.exe" look like
# "exe.txt"; single-line fields lose them (see ``catalogue.security``).
BIDI_CONTROLS = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

CONTROL_MESSAGE = (
    "Ihre Eingabe enthält unzulässige Steuerzeichen (zum Beispiel ein Null-Byte). Bitte geben "
    "Sie den Text erneut ein oder kopieren Sie ihn aus einer anderen Quelle."
)


class UnsafeInput(BadRequest):
    """A 400 whose German description is shown on the error page and in the API envelope."""

    description = CONTROL_MESSAGE


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` for ids: 1 … MAX_ID unless a route says otherwise; larger is no match."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


def strip_bidi(value: str) -> str:
    return BIDI_CONTROLS.sub("", value)


def _strings(value: Any):
    """Every string inside a decoded JSON value (keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _reject_control_characters() -> None:
    texts: list[str] = [request.path]
    for key, values in request.args.lists():
        texts.append(key)
        texts.extend(values)
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            for key, values in request.form.lists():
                texts.append(key)
                texts.extend(values)
            for storage in request.files.values():
                texts.append(storage.filename or "")
        elif request.is_json:
            texts.extend(_strings(request.get_json(silent=True)))
    if any(has_control_characters(text) for text in texts):
        raise UnsafeInput()


def init_app(app: Flask) -> None:
    """Register the converter (before any route is added) and the gate."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_reject_control_characters)
