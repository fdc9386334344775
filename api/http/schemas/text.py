"""Text that arrives outside a JSON body: query and path parameters, and the `X-Reason` header.

One rule each, for every route and page: a parameter holds no control character (a NUL reached
PostgreSQL and answered 500); `X-Reason` is UTF-8, raw or percent-encoded, at most
`MAX_REASON` characters once decoded, without control or bidirectional-override characters
(a reason is stored in the audit log and shown to people: it must read as it was written).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from api.http.problems import ApiProblem

MAX_REASON = 500
# C0 (NUL, CR, LF, TAB, ...), DEL and C1 controls, and the Unicode line and paragraph separators.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): they reorder what follows.
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def refuse_control(name: str, value: str) -> None:
    """A query or path parameter (its name too) free of control characters, or 422."""
    if CONTROL.search(name) or CONTROL.search(value):
        raise ApiProblem(
            422, "control-character", f"the parameter {name[:40]!r} holds a control character (NUL, CR, LF, ...)"
        )


def reason(raw: str | None) -> str | None:
    """The `X-Reason` header's text, decoded, checked; None when absent or blank.

    Starlette hands header bytes over decoded as latin-1; the bytes are read again as UTF-8, so a
    raw `Évaluation` is stored as sent, then percent-escapes are decoded (UTF-8, strictly).
    """
    if raw is None:
        return None
    try:
        text = unquote(raw.encode("latin-1").decode("utf-8"), errors="strict")
    except UnicodeError:
        raise ApiProblem(422, "invalid-reason", "X-Reason is not UTF-8 (send it raw or percent-encoded)") from None
    text = text.strip()
    if len(text) > MAX_REASON:
        raise ApiProblem(422, "invalid-reason", f"X-Reason has {len(text)} characters; at most {MAX_REASON}")
    if CONTROL.search(text) or BIDI.search(text):
        raise ApiProblem(
            422, "invalid-reason", "X-Reason may not hold control characters (CR, LF, NUL, ...) or bidi overrides"
        )
    return text or None
