"""The field specification of experience reports (Erfahrungsberichte).

Adding a plain report field means: one ``Field`` here, the model column and a migration; the
form, the service input and validation, the revision merge and diff, the review page, the public
solution page, the API and its OpenAPI schema and the search document iterate ``REPORT_SPEC``.

Special (explicit): the role (an enum with labels, chosen between title and text), the solution
and the municipality (relations), the workflow and bookkeeping columns, and the rule that a
report says at least what worked, what did not or what it advises (a rule across fields).
"""

from __future__ import annotations

from catalogue.fields.spec import Api, ContentSpec, Field, Kind

HEAD = "Titel"  # before the role in the form
LESSONS = "Erfahrungen"

_SHORT = "Bitte höchstens 200 Zeichen."

REPORT_FIELDS: tuple[Field, ...] = (
    Field(
        "title",
        "Titel",
        Kind.LINE,
        HEAD,
        required="Bitte geben Sie einen Titel an.",
        max_length=200,
        too_long="Der Titel darf höchstens 200 Zeichen lang sein.",
        hint="Zum Beispiel „Einführung in drei Monaten – unsere Erfahrungen“.",
        public=False,  # the heading of the report
        review=False,
        search="title",
    ),
    Field(
        "what_worked",
        "Was hat gut funktioniert?",
        Kind.TEXT,
        LESSONS,
        max_length=10000,
        hint="Jedes der drei Textfelder ist freiwillig, aber eines braucht einen Text: dieses, "
        "„Was hat nicht funktioniert?“ oder „Ihr Rat an andere Kommunen“.",
        rows=5,
        short_label="Was gut funktioniert hat",
        search="body",
    ),
    Field(
        "what_did_not",
        "Was hat nicht funktioniert?",
        Kind.TEXT,
        LESSONS,
        max_length=10000,
        hint="Gerade das hilft anderen am meisten.",
        rows=5,
        short_label="Was nicht funktioniert hat",
        search="body",
    ),
    Field(
        "effort",
        "Aufwand",
        Kind.LINE,
        LESSONS,
        max_length=200,
        too_long=_SHORT,
        hint="Zum Beispiel „ca. 30 Personentage“.",
        api=Api.NONE,
    ),
    Field(
        "cost",
        "Kosten",
        Kind.LINE,
        LESSONS,
        max_length=200,
        too_long=_SHORT,
        hint="Zum Beispiel „4.000 € einmalig, 1.200 € pro Jahr“.",
        api=Api.NONE,
    ),
    Field(
        "duration",
        "Dauer",
        Kind.LINE,
        LESSONS,
        max_length=200,
        too_long=_SHORT,
        hint="Zum Beispiel „4 Monate“.",
        api=Api.NONE,
    ),
    Field(
        "advice",
        "Ihr Rat an andere Kommunen",
        Kind.TEXT,
        LESSONS,
        max_length=10000,
        rows=5,
        short_label="Rat an andere Kommunen",
        diff_label="Rat an andere",
        api=Api.NONE,
        search="body",
    ),
)

SPECIAL_COLUMNS: dict[str, str] = {
    "id": "identity",
    "solution_id": "relation: the solution the report is about",
    "municipality_ags": "relation: the author's municipality",
    "role": "enum with German labels (ReportRole)",
    "state": "workflow (catalogue.workflow)",
    "revision_of_id": "workflow: a revision points at the published report",
    "version": "bumped on every change; the search index compares it",
    "is_demo": "marks fictional demo content, set by the seed",
    "author_id": "bookkeeping",
    "created_at": "bookkeeping",
    "updated_at": "bookkeeping",
    "published_at": "workflow: set on publication",
}

REPORT_SPEC = ContentSpec(REPORT_FIELDS, SPECIAL_COLUMNS)
SPEC = REPORT_SPEC  # the name the conventions test reads in every spec module
