"""The problem codes the code raises, read from its source: every string passed where a code goes
(a domain error, `ApiProblem`, `problem_response`, the validators that raise with a given code, a
problem body written by hand), with the status it is answered with where the raise site says."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.paths import ROOT

ROOMS = ("domain", "api")
# The classes a code is raised with, and the status each is answered with (DESIGN §7).
CLASS_STATUS = {
    "InvalidInput": 422,
    "RuleBroken": 409,
    "NotFound": 404,
    "ConcurrentChange": 409,
    "VersionMismatch": 412,
    "IatiFileError": 422,  # the importer refuses the whole file with InvalidInput(<its code>)
}
# Helpers that take the code to raise: (position of the code, position of the status or its fixed value).
HELPERS = {
    "ApiProblem": (1, 0),
    "problem_response": (2, 1),
    "_problem": (4, 3),  # idempotency's ASGI answer
    "one_of": (0, 422),  # reference validators: InvalidInput(code, ...)
    "text": (0, 422),
}
HELPER_OWNERS = {"one_of": "reference", "text": "reference"}  # called as reference.one_of(...)


@dataclass(frozen=True)
class Raised:
    code: str  # a literal code, or a pattern when the code is an f-string
    status: int | None  # None: the raise site computes it
    where: str
    template: bool = False

    def matches(self, code: str) -> bool:
        return re.fullmatch(self.code, code) is not None if self.template else code == self.code


def _code(node: ast.expr) -> tuple[str, bool] | None:
    """A code literal, or an f-string as a pattern (each placeholder stands for a word)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.JoinedStr):
        parts = [re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z0-9]+" for v in node.values]
        return "".join(parts), True
    return None


def _status(call: ast.Call, where: int) -> int | None:
    if where >= 100:  # a fixed status, not a position
        return where
    if where < len(call.args) and isinstance(arg := call.args[where], ast.Constant) and isinstance(arg.value, int):
        return arg.value
    return None


def _callee(call: ast.Call) -> tuple[str, str | None]:
    """The called name, and the name it is an attribute of (`reference.text` -> text, reference)."""
    if isinstance(call.func, ast.Name):
        return call.func.id, None
    if isinstance(call.func, ast.Attribute):
        owner = call.func.value
        return call.func.attr, owner.id if isinstance(owner, ast.Name) else None
    return "", None


def _from_call(call: ast.Call, cls: str | None) -> tuple[ast.expr, int | None] | None:
    """(the code argument, its status) when `call` raises or answers a problem code."""
    name, owner = _callee(call)
    if name in CLASS_STATUS and call.args:
        return call.args[0], CLASS_STATUS[name]
    if name == "__init__" and cls in CLASS_STATUS and call.args:  # super().__init__("code", ...)
        return call.args[0], CLASS_STATUS[cls]
    if name in HELPERS and HELPER_OWNERS.get(name) == owner:
        position, status = HELPERS[name]
        if position < len(call.args):
            return call.args[position], _status(call, status)
    return None


def _from_dict(node: ast.Dict) -> tuple[ast.expr, int | None] | None:
    """A problem body written by hand: a dict literal with `code` and `status`."""
    fields = {k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)}
    if "code" in fields and "status" in fields:
        status = fields["status"]
        return fields["code"], status.value if isinstance(status, ast.Constant) else None
    return None


def _walk(tree: ast.AST, cls: str | None = None) -> Iterator[tuple[ast.AST, str | None]]:
    """Every node with the name of the class it is written in."""
    for child in ast.iter_child_nodes(tree):
        inner = child.name if isinstance(child, ast.ClassDef) else cls
        yield child, inner
        yield from _walk(child, inner)


def raised_in(path: Path) -> Iterator[Raised]:
    where = str(path.relative_to(ROOT))
    for node, cls in _walk(ast.parse(path.read_text(encoding="utf-8"))):
        found = _from_call(node, cls) if isinstance(node, ast.Call) else None
        found = found or (_from_dict(node) if isinstance(node, ast.Dict) else None)
        if found is None:
            continue
        code = _code(found[0])
        if code is not None:  # a variable: its literal is counted where the helper is called
            yield Raised(code[0], found[1], f"{where}:{node.lineno}", code[1])  # type: ignore[attr-defined]


def raised() -> list[Raised]:
    return [r for room in ROOMS for path in sorted((ROOT / room).rglob("*.py")) for r in raised_in(path)]
