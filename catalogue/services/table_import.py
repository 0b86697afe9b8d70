"""Spreadsheet import (CSV / XLSX) for the DigitalBüro: dry run and import.

Every row goes through the normal contribution services (``create_solution``,
``update_solution``, ``start_revision``; for curators optionally the workflow to publish), so
permissions, validation, review events and search outbox rows are exactly those of the form.
The external id column makes the import idempotent: a row whose id is known updates that
solution, and only if something changed. A file with any problem imports nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.errors import NotFound
from catalogue.exchange import spreadsheet
from catalogue.fields import SOLUTION_SPEC
from catalogue.models import ContentState, ImportKey, Municipality, Solution, User
from catalogue.permissions import (
    Actor,
    can_create_solution,
    can_edit_solution,
    can_revise_solution,
    is_curator,
    require,
)
from catalogue.services import contributions, workflow

NAMESPACE = "tabelle"
BATCH_SIZE = 100
CREATE, UPDATE, REVISE, UNCHANGED, ERROR = "neu", "ändern", "überarbeiten", "unverändert", "fehler"
ACTION_LABELS = {
    CREATE: "wird angelegt",
    UPDATE: "wird geändert",
    REVISE: "Überarbeitung der veröffentlichten Fassung",
    UNCHANGED: "unverändert",
    ERROR: "Fehler",
}
# What decides "unchanged": every plain field but the review date, and the explicit ones a
# sheet carries (not partners, contacts or the lead municipality).
COMPARED = [
    *(name for name in SOLUTION_SPEC.names if name != "review_by"),
    *contributions.SOLUTION_ENUM_FIELDS,
    "category",
    "tags",
    "links",
]


@dataclass
class RowOutcome:
    number: int
    external_id: str
    title: str
    action: str
    solution_id: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class TableImport:
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def _input(values: dict[str, Any], lead: str | None) -> contributions.SolutionInput:
    data = {k: v for k, v in values.items() if k != "external_id"}
    data["links"] = [contributions.LinkInput(link["title"], link["url"]) for link in data["links"]]
    data["lead_municipality_ags"] = lead
    for f in SOLUTION_SPEC.in_table("spreadsheet"):
        if f.is_text:
            data[f.name] = data.get(f.name) or ""
    return contributions.SolutionInput(**data)


def _comparable(data: contributions.SolutionInput) -> dict[str, Any]:
    result = {}
    for name in COMPARED:
        value = getattr(data, name)
        if name == "links":
            value = [(link.title, link.url) for link in value]
        elif name == "tags":
            value = sorted(t.lower() for t in value)
        result[name] = value if value not in (None, "") else None
    return result


def _current(solution: Solution) -> Solution:
    """The open revision of a published solution if there is one, else the solution."""
    revision = db.session.scalar(
        sa.select(Solution).where(
            Solution.revision_of_id == solution.id,
            Solution.state.in_(
                [ContentState.DRAFT, ContentState.CHANGES_REQUESTED, ContentState.SUBMITTED]
            ),
        )
    )
    return revision or solution


def _plan_row(
    actor: Actor, row: spreadsheet.Row, keys: dict[str, int]
) -> tuple[RowOutcome, contributions.SolutionInput | None]:
    """What a row would do, with its input (None for a row with problems)."""
    values = row.values
    outcome = RowOutcome(row.number, values["external_id"], values["title"], CREATE)
    lead = values.get("lead_municipality_ags") or None
    if lead and not is_curator(actor) and lead != actor.municipality_ags:
        outcome.action = ERROR
        outcome.problems.append(
            f"Zeile {row.number}, Spalte »AGS federführende Kommune«: Sie können nur Lösungen "
            "Ihrer eigenen Kommune anlegen."
        )
        return outcome, None
    if lead and db.session.get(Municipality, lead) is None:
        outcome.action = ERROR
        outcome.problems.append(
            f"Zeile {row.number}, Spalte »AGS federführende Kommune«: »{lead}« ist nicht im Katalog."
        )
        return outcome, None
    if is_curator(actor) and not lead:
        outcome.action = ERROR
        outcome.problems.append(
            f"Zeile {row.number}, Spalte »AGS federführende Kommune«: Bitte geben Sie die "
            "federführende Kommune an."
        )
        return outcome, None
    data = _input(values, lead)
    errors = contributions.validate_solution(data)
    if errors:
        outcome.action = ERROR
        outcome.problems += [f"Zeile {row.number}: {message}" for message in errors.values()]
        return outcome, None
    solution_id = keys.get(outcome.external_id)
    if solution_id is not None:
        solution = db.session.get_one(Solution, solution_id)
        target = _current(solution)
        outcome.solution_id = solution.id
        current = _comparable(contributions.SolutionInput.from_solution(target))
        if current == _comparable(data):
            outcome.action = UNCHANGED
        elif target.state == ContentState.PUBLISHED:
            outcome.action = REVISE if can_revise_solution(actor, target) else ERROR
        else:
            outcome.action = UPDATE if can_edit_solution(actor, target) else ERROR
        if outcome.action == ERROR:
            outcome.problems.append(
                f"Zeile {row.number}, Spalte »ID«: Die Lösung zu »{outcome.external_id}« "
                f"({target.state.label}) können Sie jetzt nicht ändern – zum Beispiel, weil sie "
                "gerade geprüft wird. Bitte importieren Sie die Zeile später erneut."
            )
    return outcome, data


def importing_account(email: str) -> User:
    """The active account a command-line import acts as (its permissions apply)."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        raise NotFound(f"Kein aktives Konto mit der E-Mail-Adresse {email}.")
    return user


def import_table(
    *,
    actor: Actor,
    filename: str,
    content: bytes,
    dry_run: bool = True,
    publish: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> TableImport:
    """Check a spreadsheet (dry run) or import it; nothing is written if any row has a problem."""
    require(can_create_solution(actor), "Sie dürfen keine Lösungen anlegen.")
    if publish:
        require(is_curator(actor), "Nur das DigitalBüro kann direkt veröffentlichen.")
    result = TableImport(dry_run=dry_run)
    sheet = spreadsheet.read_sheet(filename, content)
    result.problems = [str(p) for p in sheet.problems]
    planned = plan_rows(actor, sheet.rows)
    for row, (outcome, _data) in zip(sheet.rows, planned, strict=True):
        if outcome.action == ERROR and not row.problems:
            result.problems += outcome.problems
        result.rows.append(outcome)
    if dry_run or not result.ok:
        return result
    total = len(planned)
    # One transaction (and one search sync) per batch instead of per row; a failure rolls back
    # only the current batch, and running the file again continues idempotently.
    for start in range(0, total, BATCH_SIZE):
        with unit_of_work():
            apply_rows(actor, planned[start : start + BATCH_SIZE], publish)
        if on_progress:
            on_progress(min(start + BATCH_SIZE, total), total)
    return result


def plan_rows(
    actor: Actor, rows: list[spreadsheet.Row]
) -> list[tuple[RowOutcome, contributions.SolutionInput | None]]:
    """What each row would do, against the import keys as they are now."""
    keys = dict(
        db.session.execute(
            sa.select(ImportKey.external_id, ImportKey.solution_id).where(
                ImportKey.namespace == NAMESPACE
            )
        )
        .tuples()
        .all()
    )
    planned: list[tuple[RowOutcome, contributions.SolutionInput | None]] = []
    for row in rows:
        if row.problems:
            outcome = RowOutcome(
                row.number,
                str(row.values.get("external_id") or ""),
                str(row.values.get("title") or ""),
                ERROR,
                problems=[str(p) for p in row.problems],
            )
            planned.append((outcome, None))
        else:
            planned.append(_plan_row(actor, row, keys))
    return planned


def apply_rows(
    actor: Actor,
    planned: list[tuple[RowOutcome, contributions.SolutionInput | None]],
    publish: bool,
) -> None:
    """Write planned rows (the caller holds the unit of work of the batch)."""
    for outcome, data in planned:
        _apply(actor, outcome, data, publish)


def _apply(
    actor: Actor, outcome: RowOutcome, data: contributions.SolutionInput | None, publish: bool
) -> None:
    if outcome.action == UNCHANGED:
        return
    if data is None:  # only rows with problems lack their input, and they stop the import
        raise ValueError(f"row {outcome.external_id!r} was planned without its input")
    if outcome.action == CREATE:
        solution = contributions.create_solution(actor=actor, data=data)
        with unit_of_work() as s:
            s.add(
                ImportKey(
                    namespace=NAMESPACE, external_id=outcome.external_id, solution_id=solution.id
                )
            )
        outcome.solution_id = solution.id
        target_id = solution.id
    elif outcome.solution_id is None:  # rows that change a solution were planned with its id
        raise ValueError(f"row {outcome.external_id!r} was planned without its solution")
    elif outcome.action == UPDATE:
        target_id = _current(db.session.get_one(Solution, outcome.solution_id)).id
        contributions.update_solution(actor=actor, solution_id=target_id, data=data)
    else:  # REVISE
        revision = contributions.start_revision(actor=actor, solution_id=outcome.solution_id)
        contributions.update_solution(actor=actor, solution_id=revision.id, data=data)
        target_id = revision.id
    if publish and db.session.get_one(Solution, target_id).state != ContentState.PUBLISHED:
        for action in ("submit", "approve"):
            workflow.apply_action(
                actor=actor, entity_type="solution", entry_id=target_id, action=action
            )
