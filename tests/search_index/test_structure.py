"""search_index layering: ``index`` is the facade on top (import circles and module size are
checked for every package in tests/test_conventions.py)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "search_index"


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


def test_the_facade_sits_on_top():
    graph = _imports()
    for module, deps in graph.items():
        assert "index" not in deps or module in ("__init__", "evaluate"), module
    assert {"context", "query", "matching", "schema"} <= graph["index"]
