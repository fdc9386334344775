"""The layout shows the design: read from the imports, each room depends only on the rooms below it
(domain ← projections ← api), no module imports itself back through others, and no file outgrows a
reader's screen-full of screens."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.paths import ROOT

PACKAGES = ("domain", "projections", "api")
LAYER = {"domain": 0, "projections": 1, "api": 2}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(path: Path, name: str, known: dict[str, Path]) -> Iterator[str]:
    """Every project module `path` imports, at module level or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        yield from (t for t in targets if t.split(".")[0] in PACKAGES and t in known)


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imported(path, name, known)) - {name} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_room_imports_a_room_above_it():
    # Given every import of every module, inside functions too
    upward = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        for target in targets
        if LAYER[target.split(".")[0]] > LAYER[name.split(".")[0]]
    ]
    # Then the domain imports neither projections nor api, and projections does not import api
    assert upward == []


def test_no_module_imports_itself_back_through_others():
    # Given the import graph, when its strongly connected components are found
    # Then there is none: no import circle, at module level or inside a function
    assert cycles(graph()) == []


def test_api_holds_only_its_rooms():
    # Given the top of api/, then it holds packages (entrypoints and adapters), no loose module
    loose = sorted(p.name for p in (ROOT / "api").glob("*.py") if p.name != "__init__.py")
    assert loose == []


def test_no_file_outgrows_four_hundred_lines():
    # Given every Python file outside the tests
    files = [p for package in (*PACKAGES, "bench") for p in (ROOT / package).rglob("*.py")]
    long = {
        str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    # Then none is over 400 lines
    assert long == {}


def test_routers_and_commands_are_listed_not_discovered():
    # Given the HTTP app and the CLI, then neither finds its parts by walking packages
    for path in [*(ROOT / "api").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "pkgutil" not in text and "iter_modules" not in text, path
