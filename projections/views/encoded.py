"""Answers as bytes, with kept items spliced in as stored: the JSON a view's answer dict would
encode to (Starlette's JSONResponse: compact, UTF-8, not escaped to ASCII), without decoding and
re-encoding items that were encoded once when they were kept."""

from __future__ import annotations

import json
from typing import Any


def encode(value: Any) -> str:
    """JSON as answers are encoded: compact, not escaped to ASCII, no NaN."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def spliced(head: dict[str, Any], items: list[str], tail: dict[str, Any]) -> bytes:
    """The bytes of `{**head, "items": [...], **tail}` where each item is given encoded already;
    `head` must not be empty."""
    after = encode(tail)
    return (encode(head)[:-1] + ',"items":[' + ",".join(items) + "]" + ("," + after[1:] if tail else "}")).encode()
