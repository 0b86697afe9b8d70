"""The field specification (catalogue/fields): its rules, and that every place that shows or takes
a solution field iterates it — a field added to the specification reaches the form, the service,
the revision merge, the review page, the public page, the API, the exports, the spreadsheet
import, the seed and the search document without another list to keep in sync."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from catalogue.api.openapi_parts import SCHEMAS
from catalogue.db import db
from catalogue.exchange import spreadsheet
from catalogue.fields import (
    REPORT_SPEC,
    SOLUTION_SPEC,
    SPECIAL_COLUMNS,
    Api,
    ContentSpec,
    Field,
    Kind,
)
from catalogue.fields.solutions import CONTENT, TECHNICAL
from catalogue.limits import FIGURES
from catalogue.models import ExperienceReport, Role, Solution
from catalogue.services import contributions, exports, review, seed, workflow
from catalogue.services.search_documents import report_document, solution_document
from catalogue.web.contribute_forms import ReportForm, SolutionForm
from tests.factories import LAGE, make_user, solution_input

FIELD_IDS = [f.name for f in SOLUTION_SPEC]


# --- the specification itself -------------------------------------------------------------


def test_field_problems_follow_required_length_url_and_range():
    title = SOLUTION_SPEC["title"]
    assert title.problem("  ") == "Bitte geben Sie einen Titel an."
    assert title.problem("x" * 201) == "Der Titel darf höchstens 200 Zeichen lang sein."
    assert title.problem("x" * 200) is None
    licence = SOLUTION_SPEC["licence"]
    assert licence.problem("") is None
    assert licence.problem("x" * 121) == "„Lizenz“ darf höchstens 120 Zeichen lang sein."
    url = SOLUTION_SPEC["repository_url"]
    assert url.problem("ftp://x") == "Bitte geben Sie eine Adresse an, die mit https:// beginnt."
    assert url.problem("https://example.org/code") is None and url.problem("") is None
    cost = SOLUTION_SPEC["cost_eur"]
    assert cost.figure is FIGURES["cost_eur"]
    assert cost.problem(-1) == "Bitte geben Sie keine negative Zahl an."
    assert cost.problem(None) is None and cost.problem(0) is None


def test_spec_problems_collect_every_field():
    values = {**SOLUTION_SPEC.empty_values(), "duration_months": 5000, "repository_url": "x"}
    assert set(SOLUTION_SPEC.problems(values)) == {
        "title",
        "summary",
        "description",
        "duration_months",
        "repository_url",
    }


@pytest.mark.parametrize(
    ("kind", "stored", "shown", "schema_type"),
    [
        (Kind.LINES, "a\n\n b \n", ["a", "b"], "array"),
        (Kind.URL, "", None, ["string", "null"]),
        (Kind.INT, 7, 7, ["integer", "null"]),
        (Kind.DATE, date(2027, 1, 31), "2027-01-31", ["string", "null"]),
        (Kind.TEXT, "Text", "Text", "string"),
    ],
)
def test_api_values_and_schemas_by_kind(kind, stored, shown, schema_type):
    f = Field("effort_person_days", "Feld", kind, TECHNICAL)
    assert f.api_value(stored) == shown
    assert f.api_schema()["type"] == schema_type


def test_empty_values_clean_and_has_value():
    lines = SOLUTION_SPEC["ozg_references"]
    assert lines.empty_value() == "" and not lines.has_value(" \n ")
    assert lines.clean("  a\nb  ") == "a\nb"
    effort = SOLUTION_SPEC["effort_person_days"]
    assert effort.empty_value() is None and effort.has_value(0) and not effort.has_value(None)


def test_a_spec_refuses_duplicates_and_fields_that_are_also_special():
    f = Field("funding", "Förderung", Kind.TEXT, TECHNICAL)
    with pytest.raises(ValueError, match="duplicate"):
        ContentSpec((f, f), {})
    with pytest.raises(ValueError, match="special"):
        ContentSpec((f,), {"funding": "why"})


def test_an_extended_spec_validates_and_empties_the_new_field():
    extra = Field("award_code", "Förderkennzeichen", Kind.LINE, TECHNICAL, max_length=5)
    spec = ContentSpec((*SOLUTION_SPEC.fields, extra), SPECIAL_COLUMNS)
    assert spec.empty_values()["award_code"] == ""
    assert spec.in_section(TECHNICAL)[-1] is extra
    assert "award_code" in spec.problems({"award_code": "123456"})


@pytest.mark.parametrize("f", SOLUTION_SPEC.fields, ids=FIELD_IDS)
def test_every_field_is_consistent(f: Field):
    assert f.section in SOLUTION_SPEC.sections()
    if f.is_number:
        assert f.name in FIGURES, "numbers take their range from catalogue.limits.FIGURES"
    if f.export or f.spreadsheet:
        assert f.table, "a column needs a header"
    if f.spreadsheet:
        assert f.table_hint, "the import page explains every column"
    if f.note:
        assert f.note in SOLUTION_SPEC.by_name
    assert f.search in ("", "title", "summary", "body")
    assert not (f.required and f.is_number), "numbers are optional (None = not known)"


# --- every place iterates the specification ------------------------------------------------


@pytest.mark.parametrize("f", SOLUTION_SPEC.fields, ids=FIELD_IDS)
def test_every_field_reaches_every_place(f: Field):
    column = Solution.__table__.columns.get(f.name)
    assert column is not None, f"add the column Solution.{f.name} and a migration"
    length = getattr(column.type, "length", None)
    if length is not None:
        assert f.max_length is not None and f.max_length <= length, "the form allows more"
    assert hasattr(SolutionForm, f.name), "the form"
    assert (
        contributions.SolutionInput(**{f.name: f.empty_value()}).values[f.name] == f.empty_value()
    )
    assert f.name in contributions.SOLUTION_PLAIN_FIELDS, "service copy"
    assert f.name in workflow.SOLUTION_CONTENT_FIELDS, "revision merge"
    assert (f.name, f.change_label) in review.SOLUTION_FIELDS, "revision diff"
    summary = SCHEMAS["SolutionSummary"]["properties"]
    detail = SCHEMAS["SolutionDetail"]["properties"]
    assert (f.json_key in summary) == (f.api is Api.SUMMARY), "OpenAPI summary"
    assert (f.json_key in detail) == (f.api is not Api.NONE), "OpenAPI detail"
    assert (f.name in {c.key for c in exports.SOLUTION_COLUMNS}) == f.export, "export"
    assert (f.name in {c.field for c in spreadsheet.COLUMNS}) == f.spreadsheet, "spreadsheet"
    seeded = seed._scalar_fields({"category": "bildung", "kind": "software", **_SEED_ENUMS})
    assert (f.name in seeded) == f.seed, "seed"


_SEED_ENUMS = {"status": "in_operation", "readiness": "documented"}


def test_unknown_input_fields_are_refused():
    with pytest.raises(TypeError, match="no fields"):
        contributions.SolutionInput(award_code="1")


# --- a solution with a value in every field, end to end -----------------------------------

VALUES = {
    Kind.LINE: "Zeile {name}",
    Kind.TEXT: "Text {name}",
    Kind.MARKDOWN: "Markdown {name}",
    Kind.LINES: "Eins {name}\nZwei {name}",
    Kind.URL: "https://example.org/{name}",
}


def _value(f: Field, n: int) -> object:
    if f.is_number:
        return 1000 + n
    if f.is_date:
        return date(2031, 1, 1 + n)
    return VALUES[f.kind].format(name=f.name.replace("_", "-"))


def _login(client, user) -> None:
    from flask import g

    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def test_every_field_arrives_everywhere(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lage.example")
    curator = make_user(Role.CURATOR, None, "c@example.org")
    values = {f.name: _value(f, i) for i, f in enumerate(SOLUTION_SPEC)}
    solution = contributions.create_solution(
        actor=author, data=solution_input(**{**values, "title": "Alle Felder"})
    )
    values["title"] = "Alle Felder"
    stored = db.session.get(Solution, solution.id)
    assert {name: getattr(stored, name) for name in SOLUTION_SPEC.names} == values

    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=solution.id, action="submit"
    )
    _login(client, curator)
    page = client.get(f"/pruefung/loesungen/{solution.id}").get_data(as_text=True)
    for f in SOLUTION_SPEC.where(review=True):
        assert f.display_label in page, f"review page: {f.name}"
    workflow.apply_action(
        actor=curator, entity_type="solution", entry_id=solution.id, action="approve"
    )

    # A revision changes every field; approving it copies every field onto the published entry.
    revision = contributions.start_revision(actor=author, solution_id=solution.id)
    changed = {
        name: (f"{v} neu" if isinstance(v, str) and not name.endswith("url") else v)
        for name, v in values.items()
    }
    changed["repository_url"] = "https://example.org/neu"
    changed = {**changed, **{f.name: 7 for f in SOLUTION_SPEC if f.is_number}}
    contributions.update_solution(
        actor=author, solution_id=revision.id, data=solution_input(**changed)
    )
    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=revision.id, action="submit"
    )
    diff = {c.label for c in review.revision_changes(db.session.get(Solution, revision.id))}
    assert {f.change_label for f in SOLUTION_SPEC if f.name != "review_by"} <= diff
    workflow.apply_action(
        actor=curator, entity_type="solution", entry_id=revision.id, action="approve"
    )
    published = db.session.get(Solution, solution.id)
    db.session.refresh(published)
    assert {name: getattr(published, name) for name in SOLUTION_SPEC.names} == changed

    html = client.get(f"/loesungen/{published.slug}").get_data(as_text=True)
    for f in SOLUTION_SPEC.where(public=True):
        assert f">{f.display_label}</dt>" in html, f"public page: {f.name}"
    assert "Eins partner-organisations, Zwei partner-organisations neu" in html

    detail = client.get(f"/api/v1/solutions/{published.slug}").get_json()
    for f in SOLUTION_SPEC:
        if f.api is not Api.NONE:
            assert detail[f.json_key] == f.api_value(changed[f.name]), f"API: {f.name}"

    rows = list(
        csv.reader(
            io.StringIO(client.get("/export/loesungen.csv").data.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    row = dict(zip(rows[0], rows[1], strict=True))
    for f in SOLUTION_SPEC.in_table("export"):
        assert row[f.table] == str(changed[f.name]), f"export: {f.name}"

    body = solution_document(published, [], 0).body
    for f in SOLUTION_SPEC.where(search="body"):
        assert changed[f.name] in body, f"search document: {f.name}"


def test_form_fields_follow_the_page_order():
    """WTForms orders by creation: the error summary lists problems in the order of the page."""
    unbound = sorted(
        (getattr(SolutionForm, name).creation_counter, name)
        for name in dir(SolutionForm)
        if hasattr(getattr(SolutionForm, name, None), "creation_counter")
    )
    names = [name for _, name in unbound]
    content = [f.name for f in SOLUTION_SPEC.in_section(CONTENT)]
    assert names[: len(content)] == content
    assert names.index("category") < names.index("lead_organisation")
    assert names[-3:] == ["links", "contacts", "attachment"]
    technical = [
        n for n in names if n in SOLUTION_SPEC.by_name and SOLUTION_SPEC[n].section == TECHNICAL
    ]
    assert technical == [f.name for f in SOLUTION_SPEC.in_section(TECHNICAL)]


# --- experience reports -------------------------------------------------------------------

REPORT_IDS = [f.name for f in REPORT_SPEC]


@pytest.mark.parametrize("f", REPORT_SPEC.fields, ids=REPORT_IDS)
def test_every_report_field_reaches_every_place(f: Field):
    column = ExperienceReport.__table__.columns.get(f.name)
    assert column is not None, f"add the column ExperienceReport.{f.name} and a migration"
    length = getattr(column.type, "length", None)
    if length is not None:
        assert f.max_length is not None and f.max_length <= length, "the form allows more"
    assert hasattr(ReportForm, f.name), "the form"
    assert contributions.ReportInput(**{f.name: "x"}).values[f.name] == "x", "service input"
    assert f.name in contributions.REPORT_CONTENT_FIELDS, "service copy and revision merge"
    assert (f.name, f.change_label) in review.REPORT_FIELDS, "revision diff"
    assert (f.json_key in SCHEMAS["Report"]["properties"]) == (f.api is not Api.NONE), "OpenAPI"
    assert f.is_text, "reports have text fields only; numbers need a figure limit first"


def test_a_report_with_every_field_arrives_everywhere(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lage.example")
    curator = make_user(Role.CURATOR, None, "c@example.org")
    solution = contributions.create_solution(actor=author, data=solution_input())
    for actor in (author, curator):
        action = "submit" if actor is author else "approve"
        workflow.apply_action(
            actor=actor, entity_type="solution", entry_id=solution.id, action=action
        )
    values = {f.name: f"Bericht {f.name.replace('_', '-')}" for f in REPORT_SPEC}
    report = contributions.create_report(
        actor=author,
        solution_id=solution.id,
        data=contributions.ReportInput(role="originator", **values),
    )
    assert {n: getattr(report, n) for n in REPORT_SPEC.names} == values
    assert contributions.ReportInput.from_report(report).values == values
    for actor in (author, curator):
        action = "submit" if actor is author else "approve"
        workflow.apply_action(actor=actor, entity_type="report", entry_id=report.id, action=action)

    html = client.get(f"/loesungen/{solution.slug}").get_data(as_text=True)
    for f in REPORT_SPEC.where(public=True):
        assert f"<dt>{f.display_label}</dt><dd>{values[f.name]}</dd>" in html, f.name
    detail = client.get(f"/api/v1/solutions/{solution.slug}").get_json()
    (shown,) = detail["reports"]
    for f in REPORT_SPEC.where(api=Api.DETAIL):
        assert shown[f.json_key] == values[f.name], f"API: {f.name}"
    published = db.session.get(ExperienceReport, report.id)
    body = report_document(published, published.solution, 0).body
    for f in REPORT_SPEC.where(search="body"):
        assert values[f.name] in body, f"search document: {f.name}"

    too_long = {f.name: "x" * (f.max_length + 1) for f in REPORT_SPEC if f.max_length}
    problems = contributions.validate_report(contributions.ReportInput(role="reuser", **too_long))
    assert set(problems) == set(too_long)
