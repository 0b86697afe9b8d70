"""Declarative field specifications per content type: one place for every rule of a plain field
(label, kind, required, length and range, help text, form section, and where it appears).

No Flask, no database, no WTForms: forms (``catalogue.web.contribute_forms``), services, the API,
templates and exports read these specifications; this package reads only ``catalogue.limits``.
See ``catalogue.fields.solutions`` for what stays explicit and why.
"""

from catalogue.fields.reports import REPORT_SPEC
from catalogue.fields.solutions import SOLUTION_FIELDS, SOLUTION_SPEC, SPECIAL_COLUMNS
from catalogue.fields.spec import Api, ContentSpec, Field, Kind

__all__ = [
    "REPORT_SPEC",
    "SOLUTION_FIELDS",
    "SOLUTION_SPEC",
    "SPECIAL_COLUMNS",
    "Api",
    "ContentSpec",
    "Field",
    "Kind",
]
