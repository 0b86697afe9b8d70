"""search_index is an import DAG of small modules (issue: no circle, no module over ~400 lines)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "search_index"
MAX_LINES = 400
# Owned by the matching work stream, which splits them along its own seams.
OVERSIZE_PENDING = {"analysis.py", "matching.py"}


def _imports() -> dict[str, set[str]]:
    """module → search_index modules it imports anywhere (also lazily or for type checking)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        name = path.stem
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "search_index":
                    deps.update(a.name for a in node.names if (PACKAGE / f"{a.name}.py").exists())
                elif node.module.startswith("search_index."):
                    deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                deps.update(
                    a.name.split(".")[1] for a in node.names if a.name.startswith("search_index.")
                )
        graph[name] = deps - {name}
    return graph


def test_modules_import_each_other_without_a_circle():
    graph = _imports()
    graph["__init__"] = set()  # the package facade re-exports; nothing inside imports it
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                raise AssertionError(
                    "import circle "
                    + " → ".join([*path, node, dep])
                    + ": move the shared piece into a lower module (see index.py docstring)"
                )
            if dep not in state:
                visit(dep, [*path, node])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_the_facade_sits_on_top():
    graph = _imports()
    for module, deps in graph.items():
        assert "index" not in deps or module in ("__init__", "evaluate"), module
    assert {"context", "query", "matching", "schema"} <= graph["index"]


def test_no_module_is_over_the_size_limit():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.glob("*.py")}
    over = {n: s for n, s in sizes.items() if s > MAX_LINES and n not in OVERSIZE_PENDING}
    assert over == {}, f"split these along their seams: {over}"
