"""`pybabel extract`'s method for the project's Python (babel.cfg): gettext calls, and the labels declared as data.

Babel's own Python extractor finds `_()`, `gettext()`, `ngettext()` and `N_()`. Forms, fields, views and problem
codes are declared as data (`Field("need_id", "Need", hint=...)`, `Code(404, "No such resource")`), and
templates translate them when they show them; this method also takes the literal strings of those
declarations, so their modules need no marking: the call's name says which arguments people read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

# A call's name → the positions of its arguments people read; keywords by the same names anywhere in them.
POSITIONS = {
    "Field": (1,),
    "Form": (1, 2),
    "_form": (1, 2),
    "action_form": (1, 2),
    "View": (1, 2),
    "Code": (1,),
    "Wrong": (),
    "replace": (),  # dataclasses.replace(FIELD, label=...)
}
KEYWORDS = {"label", "title", "button", "intro", "hint", "about", "everything"}
DICTS = {"STATUS_TITLES"}  # module-level dicts whose values are words people read
Found = tuple[Any, ...]  # (line, function, message, comments): what Babel expects of a method


def extract(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: list[str], options: dict[str, Any]
) -> Iterator[Found]:
    yield from extract_python(fileobj, keywords, comment_tags, options)  # type: ignore[arg-type]  # options as Babel passes them
    if getattr(fileobj, "name", "").endswith("i18n_words.py"):  # names read from the domain's classes, not written out
        from api.web.i18n_words import column_names, column_words, event_words

        yield from ((1, None, words, []) for words in event_words())
        yield from ((1, None, column_words(name), []) for name in column_names())
    if getattr(fileobj, "name", "").endswith("report_words.py"):  # the IRG spreadsheet's column definitions
        from api.web.report_words import definitions

        yield from ((1, None, text, []) for text in definitions())
    fileobj.seek(0)
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in POSITIONS:
                for i in POSITIONS[name]:
                    if i < len(node.args):
                        yield from _strings(node.args[i])
                for kw in node.keywords:
                    if kw.arg in KEYWORDS:
                        yield from _strings(kw.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if names & KEYWORDS and node.value is not None:
                yield from _strings(node.value)
            if names & DICTS and isinstance(node.value, ast.Dict):
                for value in node.value.values:
                    yield from _strings(value)


def _strings(node: ast.AST) -> Iterator[Found]:
    """The plain string literals of an expression (both sides of `a if c else b`); an f-string has none."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
        yield node.lineno, None, node.value, []
    elif isinstance(node, ast.IfExp | ast.BoolOp | ast.Tuple | ast.List):
        for inner in ast.iter_child_nodes(node):
            yield from _strings(inner)
