"""The design rules of ``DESIGN.md`` as tests that read the code.

Each rule reads the source (AST, imports, templates) rather than running it, and its failure
message says what to do instead. A rule may carry a short list of known exceptions, each with the
reason it is allowed; a new violation never lands silently.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "catalogue"
SEARCH_INDEX = ROOT / "search_index"
TEMPLATES = ROOT / "templates"

MAX_MODULE_LINES = 400

# Modules still over MAX_MODULE_LINES, with their size when the rule was set. The list may only
# shrink: a listed module that has been split below the limit fails the test until it is removed.
KNOWN_OVERSIZE: dict[str, int] = {}


def _python_files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes inside ``if TYPE_CHECKING:`` blocks (imports there never run)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imported_modules(path: Path, *, type_checking: bool = False) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import that runs, also inside functions; with
    ``type_checking``, also the imports only type checkers see."""
    tree = _tree(path)
    skipped = set() if type_checking else _type_checking_nodes(tree)
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from pkg import module` imports a module too
                yield node.lineno, f"{module}.{alias.name}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


# --- 1. only db.py commits ------------------------------------------------------------------


# Known offenders being removed this round (the list may only shrink).
KNOWN_COMMITS: set[str] = set()


def test_only_unit_of_work_commits() -> None:
    offenders = []
    for path in _python_files(CATALOGUE):
        if _rel(path) == "catalogue/db.py" or _rel(path) in KNOWN_COMMITS:
            continue
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
            ):
                offenders.append(f"{_rel(path)}:{node.lineno}")
    assert not offenders, (
        "Only catalogue/db.py commits. Wrap the change in `with unit_of_work():` inside a service "
        f"instead of calling .commit(): {offenders}"
    )


# --- 2. layers ------------------------------------------------------------------------------

THIN_LAYERS = [CATALOGUE / "web", CATALOGUE / "api", CATALOGUE / "cli.py"]
DB_MODULES = ("sqlalchemy", "catalogue.db", "catalogue.extensions.db", "flask_sqlalchemy_lite")


def _thin_layer_files() -> Iterator[Path]:
    for entry in THIN_LAYERS:
        if entry.is_file():
            yield entry
        else:
            yield from _python_files(entry)


def test_web_api_and_cli_do_not_touch_the_database() -> None:
    offenders = [
        f"{_rel(path)}:{line} imports {module}"
        for path in _thin_layer_files()
        for line, module in _imported_modules(path)
        if any(module == m or module.startswith(m + ".") for m in DB_MODULES)
    ]
    assert not offenders, (
        "web/, api/ and cli.py stay thin: parse input, call ONE service, render. Move the query "
        f"into a function in catalogue/services/ and call that: {offenders}"
    )


def test_services_do_not_read_the_request_or_abort() -> None:
    offenders = []
    for path in _python_files(CATALOGUE / "services"):
        tree = _tree(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                bad = {a.name for a in node.names} & {"request", "abort", "session", "g"}
                if bad:
                    offenders.append(f"{_rel(path)}:{node.lineno} imports {sorted(bad)}")
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "flask"
                and node.attr in {"request", "abort", "session", "g"}
            ):
                offenders.append(f"{_rel(path)}:{node.lineno} uses flask.{node.attr}")
    assert not offenders, (
        "Services get everything as arguments and raise NotFound / PermissionDenied / "
        "ValidationFailed / InvalidTransition; web and api translate them to HTTP once. Pass the "
        f"value in from the view instead: {offenders}"
    )


def test_search_index_is_free_of_the_web_stack() -> None:
    forbidden = ("flask", "sqlalchemy", "catalogue", "werkzeug", "jinja2")
    offenders = [
        f"{_rel(path)}:{line} imports {module}"
        for path in _python_files(SEARCH_INDEX)
        for line, module in _imported_modules(path)
        if module.split(".")[0] in forbidden or module.split(".")[0].startswith("flask_")
    ]
    assert not offenders, (
        "search_index takes plain documents and returns ids and explanations; it must not import "
        f"Flask, SQLAlchemy or the app. Pass what it needs as arguments: {offenders}"
    )


# --- 3. service signatures -------------------------------------------------------------------

# Mutating service functions that act for the system, not for a person (no `actor`).
SYSTEM_ACTIONS: dict[str, str] = {
    "catalogue.services.accounts.passwords.authenticate": "the visitor signing in is nobody yet",
    "catalogue.services.accounts.tokens.accept_invitation": "the invitation token is the authority",
    "catalogue.services.accounts.tokens.request_password_reset": "anonymous; answers alike for all",
    "catalogue.services.accounts.tokens.reset_password": "the reset token is the authority",
    "catalogue.services.accounts.admin.create_admin": "bootstrap from the server's command line",
    "catalogue.services.accounts.admin.create_demo_accounts": "demo seed from the command line",
    "catalogue.services.demo_loop.load_demo_loop": "demo seed; acts as the demo accounts",
    "catalogue.services.search_signals.record_zero_result": "anonymous demand signal",
    "catalogue.services.backup.restore_backup": "restore from the server's command line",
    "catalogue.services.matching.refresh_stale_matches": "worker job: stored need matches",
    "catalogue.services.outbox.prune": "timer job: prune applied outbox rows",
    "catalogue.services.worker.write_heartbeat": "worker liveness row",
    "catalogue.services.periodic.started": "timer command bookkeeping, acts for nobody",
    "catalogue.services.periodic.finished": "timer command bookkeeping, acts for nobody",
    "catalogue.services.worker.forget_host": "operator command on the server (decommissioned host)",
    "catalogue.services.alerts.unsubscribe": "the signed unsubscribe token is the authority",
    "catalogue.services.accounts.mail_settings.stop_match_alerts": "the signed link is the authority",
    "catalogue.services.digests.send_digests": "periodic command (timer), acts for nobody",
    "catalogue.services.seed.load_municipalities": "seed data from the command line",
    "catalogue.services.seed.load_content": "seed data from the command line",
    "catalogue.services.freshness.send_freshness_reminders": "daily reminder job",
    "catalogue.services.import_runs.run_import_step": "worker step; acts as the run's account",
}


# Known offenders being documented this round (the list may only shrink).
KNOWN_UNDOCUMENTED: set[str] = set()


def _calls_unit_of_work(func: ast.FunctionDef) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.withitem):
            call = node.context_expr
            if isinstance(call, ast.Call):
                name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                if name == "unit_of_work":
                    return True
    return False


def test_public_mutating_services_take_a_keyword_only_actor_and_explain_themselves() -> None:
    missing_actor, missing_doc = [], []
    for path in _python_files(CATALOGUE / "services"):
        for node in _tree(path).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            if not _calls_unit_of_work(node):
                continue
            qualified = f"{_module_name(path)}.{node.name}"
            if ast.get_docstring(node) is None and qualified not in KNOWN_UNDOCUMENTED:
                missing_doc.append(qualified)
            if qualified in SYSTEM_ACTIONS:
                continue
            if "actor" not in {a.arg for a in node.args.kwonlyargs}:
                missing_actor.append(qualified)
    assert not missing_actor, (
        "A public service that writes takes the acting user as keyword-only `actor` and checks "
        "a can_* predicate with it. Add `*, actor: Actor`, or, for a system job that acts for "
        f"nobody, list it in SYSTEM_ACTIONS with the reason: {missing_actor}"
    )
    assert not missing_doc, (
        "A public service that writes says in a docstring what it changes and who may do it: "
        f"{missing_doc}"
    )


def test_exception_lists_are_current() -> None:
    names = {
        f"{_module_name(path)}.{node.name}"
        for path in _python_files(CATALOGUE / "services")
        for node in _tree(path).body
        if isinstance(node, ast.FunctionDef)
    }
    stale = sorted((set(SYSTEM_ACTIONS) | KNOWN_UNDOCUMENTED) - names)
    assert not stale, f"SYSTEM_ACTIONS / KNOWN_UNDOCUMENTED name functions that are gone: {stale}"


# --- 4. templates do not encode business rules as strings -------------------------------------

STATE_STRING = re.compile(
    r"\.(?:state|status|visibility|role|stage)(?:\.value)?\s*(?:==|!=|\bin\b|\bnot in\b)\s*[\(\['\"]"
)


# Known offenders being removed (the list may only shrink; it is empty now).
KNOWN_STATE_STRINGS: set[str] = set()


def test_templates_do_not_compare_states_with_strings() -> None:
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if _rel(path) in KNOWN_STATE_STRINGS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if STATE_STRING.search(line):
                offenders.append(f"{_rel(path)}:{number}")
    assert not offenders, (
        "Templates ask predicates (can_…(current_user, obj), obj.is_…) or compare with enum "
        "members passed in; a state written as a string in a template is a business rule "
        f"nobody finds when the workflow changes: {offenders}"
    )


# Reuse figures count reuses under way; "not ended" would count an interest as a reuse.
REUSE_NOT_ENDED = re.compile(r"Reuse\.status\s*!=\s*ReuseStatus\.ENDED")


def test_reuse_figures_count_reuses_under_way() -> None:
    offenders = [
        f"{_rel(path)}:{number}"
        for path in _python_files(CATALOGUE)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if REUSE_NOT_ENDED.search(line)
    ]
    assert not offenders, (
        "Queries that count or list reuses select `Reuse.status.in_(ReuseStatus.started())`: an "
        f"interest is no reuse yet, and 'not ended' counts it as one: {offenders}"
    )


# A stored moment's calendar day is its Berlin day: `.date()` of a UTC moment, `date.today()`
# and `datetime.combine(day, time.min)` are UTC days (a reminder at 00:30 would count yesterday).
UTC_DAY = re.compile(r"utcnow\(\)\.date\(\)|\bdate\.today\(\)|combine\([^)]*time\.min")
# Dates that are only written out (ISO dates of sitemaps and structured data) may stay UTC days.
KNOWN_UTC_DAYS = {"catalogue/clock.py"}  # the clock itself


def test_calendar_days_are_berlin_days() -> None:
    offenders = [
        f"{_rel(path)}:{number}"
        for path in _python_files(CATALOGUE)
        if _rel(path) not in KNOWN_UTC_DAYS
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if UTC_DAY.search(line)
    ]
    assert not offenders, (
        "A calendar day comes from `catalogue.clock.local_date(moment)` and the start of a day for a "
        f"query from `catalogue.clock.day_start(day)` (Europe/Berlin): {offenders}"
    )


POST_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
TYPED_INPUT = re.compile(r"field\(|<textarea|<input[^>]*type=\"(?:text|email|url|number)\"")


def test_forms_with_typed_input_give_the_apps_german_errors() -> None:
    """A form people type into carries ``novalidate``: the browser's own bubbles ("Please fill
    out this field", in the browser's language) would stand in for the app's German error
    beside the field, and say nothing of lengths or formats."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for form in POST_FORM.finditer(text):
            tag = form.group()[: form.group().index(">") + 1]
            if 'method="post"' in tag and TYPED_INPUT.search(form.group()):
                if "novalidate" not in tag:
                    line = text[: form.start()].count("\n") + 1
                    offenders.append(f"{_rel(path)}:{line}")
    assert not offenders, f"POST forms with typed input need novalidate: {offenders}"


# --- 5. no import circles inside a package ---------------------------------------------------


def _packages() -> Iterator[Path]:
    for root in (CATALOGUE, SEARCH_INDEX):
        for init in sorted(root.rglob("__init__.py")):
            if "migrations" not in init.parts:
                yield init.parent


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


# Known circles being removed this round (the list may only shrink).
KNOWN_CIRCLES: set[str] = set()


@pytest.mark.parametrize("package", list(_packages()), ids=lambda p: _rel(p))
def test_no_import_circle_inside_a_package(package: Path) -> None:
    if _rel(package) in KNOWN_CIRCLES:
        pytest.xfail("known import circle, being removed")
    modules = {
        _module_name(path): path for path in sorted(package.glob("*.py")) if path.stem != "__init__"
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {
            module
            for _, module in _imported_modules(path, type_checking=True)
            if module in modules and module != name
        }
    cycle = _cycle(graph)
    assert cycle is None, (
        "Modules of one package import each other in a circle (also through imports inside "
        "functions or under TYPE_CHECKING): "
        + " -> ".join(cycle or [])
        + ". Move what both need into a lower module "
        "(a context or types module) so imports form a tree."
    )


# --- 6. module size --------------------------------------------------------------------------


def test_modules_stay_small() -> None:
    sizes = {
        _rel(path): len(path.read_text(encoding="utf-8").splitlines())
        for path in _python_files(CATALOGUE, SEARCH_INDEX)
    }
    too_big = {
        path: n for path, n in sizes.items() if n > MAX_MODULE_LINES and path not in KNOWN_OVERSIZE
    }
    assert not too_big, (
        f"Modules over {MAX_MODULE_LINES} lines mix concerns; split them along their seams "
        f"(one domain noun per module): {too_big}"
    )
    fixed = sorted(p for p in KNOWN_OVERSIZE if sizes.get(p, 0) <= MAX_MODULE_LINES)
    assert not fixed, f"Remove from KNOWN_OVERSIZE, now small enough or gone: {fixed}"


# --- 7. the search vocabulary is defined once ------------------------------------------------

DOC_ID_PREFIXES = ("solution:", "report:")


def _search_sorts() -> Iterator[str]:
    """SORTS as written in search_index/schema.py (read, not imported: no Whoosh needed)."""
    for node in _tree(SEARCH_INDEX / "schema.py").body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id.startswith("SORT_") for t in node.targets
        ):
            assert isinstance(node.value, ast.Constant)
            yield node.value.value


def test_sort_names_and_document_ids_come_from_search_index() -> None:
    sorts = set(_search_sorts())
    assert sorts, "search_index/schema.py lost its SORT_* constants"
    offenders = []
    for path in _python_files(CATALOGUE):
        in_fstrings: set[int] = set()
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.JoinedStr) and node.values:
                in_fstrings.update(id(part) for part in node.values)
                first = node.values[0]
                text = first.value if isinstance(first, ast.Constant) else None
                if isinstance(text, str) and text.startswith(DOC_ID_PREFIXES):
                    offenders.append(f"{_rel(path)}:{node.lineno} builds a document id")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in in_fstrings
            ):
                if node.value in sorts:
                    offenders.append(f"{_rel(path)}:{node.lineno} spells the sort {node.value!r}")
                elif node.value.startswith(DOC_ID_PREFIXES):
                    offenders.append(f"{_rel(path)}:{node.lineno} spells {node.value!r}")
    assert not offenders, (
        "Sort names and document ids are defined once, in search_index: use SORTS / SORT_RELEVANCE "
        "/ SORT_NEWEST / SORT_MOST_REUSED from search_index.schema and solution_doc_id / "
        f"report_doc_id / parse_doc_id from search_index.documents: {offenders}"
    )


# --- 8. one field specification per content type ---------------------------------------------


def _model_columns(module: Path, class_name: str) -> list[str]:
    """Mapped attributes of a model class that are columns (not relationships)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    columns = []
    for node in cls.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        if "Mapped" not in ast.unparse(node.annotation) or node.target.id.startswith("__"):
            continue
        value = node.value
        if isinstance(value, ast.Call) and ast.unparse(value.func).endswith("relationship"):
            continue
        columns.append(node.target.id)
    return columns


@pytest.mark.parametrize(
    ("model", "class_name", "spec_module"),
    [
        ("solution.py", "Solution", "solutions"),
        ("report.py", "ExperienceReport", "reports"),
    ],
)
def test_every_content_column_is_specified_or_explicitly_special(
    model: str, class_name: str, spec_module: str
) -> None:
    import importlib

    module = importlib.import_module(f"catalogue.fields.{spec_module}")
    spec, special = module.SPEC, module.SPECIAL_COLUMNS
    where = f"catalogue/fields/{spec_module}.py"
    columns = _model_columns(CATALOGUE / "models" / model, class_name)
    unknown = [c for c in columns if c not in spec.by_name and c not in special]
    assert not unknown, (
        f"{class_name} columns {unknown} are in neither the field specification nor the special "
        f"columns. A plain field gets one Field(...) in {where} (label, kind, form section, where "
        "it shows) and nothing else; a column with behaviour of its own goes into "
        "SPECIAL_COLUMNS there, with the reason."
    )
    gone = [c for c in [*spec.names, *special] if c not in columns]
    assert not gone, f"Remove {gone} from {where}: no such {class_name} column."


# --------------------------------------------------------------------------------------------
# Matching benchmark sets (benchmarks/matching/): every set is complete, consistent and listed
# --------------------------------------------------------------------------------------------

MATCHING_SETS = ROOT / "benchmarks" / "matching"
_SET_DIRS = sorted(p for p in MATCHING_SETS.iterdir() if p.is_dir())


@pytest.mark.parametrize("set_dir", _SET_DIRS, ids=lambda p: p.name)
def test_every_matching_set_is_complete_and_listed(set_dir: Path) -> None:
    from search_index.evaluate import load_jsonl  # the harness's reader; qrels and styles are
    # read raw here, since the harness skips a malformed line or an unknown need silently

    solutions = load_jsonl(set_dir / "solutions.jsonl")
    needs = load_jsonl(set_dir / "needs.jsonl")
    solution_ids = [s["id"] for s in solutions]
    need_ids = [n["id"] for n in needs]
    assert len(set(solution_ids)) == len(solution_ids), f"{set_dir.name}: duplicate solution ids"
    assert len(set(need_ids)) == len(need_ids), f"{set_dir.name}: duplicate need ids"
    for line in (set_dir / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        need_id, solution_id, grade = line.split("\t")
        assert need_id in need_ids and solution_id in solution_ids and grade in {"1", "2"}, (
            f"{set_dir.name}: qrels line {line!r} names an unknown id or grade"
        )
    styles = set_dir / "styles.tsv"
    if styles.exists():
        for line in styles.read_text(encoding="utf-8").splitlines():
            if line.strip():
                assert line.split("\t")[0] in need_ids, f"{set_dir.name}: styles.tsv {line!r}"
    listing = (MATCHING_SETS / "README.md").read_text(encoding="utf-8")
    assert f"| `{set_dir.name}` |" in listing, (
        f"{set_dir.name}: add a row saying who wrote it and how it was first scored to "
        "benchmarks/matching/README.md"
    )
    if set_dir.name != "dev":  # the benchmark's public set is described in the shared README
        assert (set_dir / "README.md").exists(), f"{set_dir.name}: the writer's README is missing"
