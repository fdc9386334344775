"""irg-report (resolution para 13): a State party's current and anticipated needs, met or not.

An open need is addressed when at least one active programme is linked to it (with its providers,
programmes and the commitment allocated to it), and unmet otherwise. A figure that cannot be known
is null (JSON), an empty cell (CSV) or "unknown" (Markdown), always with why (`gap_unknown_reason`:
no estimate, or no exchange rate for its currency), never 0.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from domain import reference
from projections.views.columns import Column, Table, blank, derived, joined, leftovers, names, shared, titles
from projections.views.common import PRIORITY_ORDER, ZERO, Unconverted, money, open_needs, text

TABLE = Table(
    shared("state"),
    shared("horizon"),
    Column("status"),
    Column("need_id"),
    Column("article"),
    Column("paragraph", blank),
    Column("chapter"),
    derived("ta_types", lambda i: joined(i["ta_types_v2"])),
    Column("priority"),
    shared("currency"),
    Column("estimated", blank),
    Column("committed"),
    Column("gap", blank),
    Column("coverage", blank),
    Column("gap_unknown_reason", blank),
    Column("providers", names),
    Column("programmes", titles),
    Column("source", lambda source: f"{source['kind']}: {source['reference']}"),
    Column("description"),
    Column("stakeholders", lambda found: joined(f"{s['kind']}: {s['name']}" for s in found)),
    Column("assistance_provided", lambda given: assistance_words(given) or ""),
    leftovers("estimated"),
    leftovers("committed"),
)
COLUMNS = TABLE.headers


def _item(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "need_id": r["need_id"],
        "status": "addressed" if r["addressed"] else "unmet",
        "article": r["article"],
        "paragraph": r["paragraph"],
        "chapter": r["chapter"],
        "article_title": r["article_title"],
        "ta_types": r["ta_types"],
        "ta_types_v2": r["ta_types_v2"],
        "priority": r["priority"],
        "description": r["description"],
        "source": r["source"],
        "stakeholders": r["stakeholders"],
        "assistance_provided": r["assistance_provided"],
        "published": r["published"],
        "estimated": r["estimated"],
        "committed": r["allocated_commitment"],
        "gap": r["gap"],
        "coverage": r["coverage"],
        "gap_unknown_reason": unknown_reason(r),
        "unconverted": r["unconverted"],
        "providers": r["providers"],
        "programmes": [
            {
                "programme_id": p["programme_id"],
                "title": p["title"],
                "status": p["status"],
                "start": p["start"],
                "end": p["end"],
            }
            for p in sorted(r["programmes"], key=lambda p: p["programme_id"])
            if p["active"]
        ],
    }


NO_ESTIMATE = "no estimate"


def assistance_words(given: dict[str, Any] | None) -> str | None:
    """The assistance already provided (para 7) in words, with the programme it names."""
    if given is None:
        return None
    title = given.get("programme_title")
    return f"{given['text']} (programme: {title})" if title else given["text"]


def stakeholder_words(found: list[dict[str, str]]) -> str:
    return ", ".join(f"{s['name']} ({s['kind']})" for s in found)


def unknown_reason(row: dict[str, Any]) -> str | None:
    """Why a need's gap is unknown, in words; None when it is known."""
    if row["gap"] is not None:
        return None
    pending = sorted(row["unconverted"]["estimated"])
    return f"no exchange rate for {', '.join(pending)}" if pending else NO_ESTIMATE


def _horizon(rows: list[dict[str, Any]]) -> dict[str, Any]:
    items = sorted(
        (_item(r) for r in rows),
        key=lambda i: (
            i["status"] != "unmet",
            PRIORITY_ORDER[i["priority"]],
            i["article"],
            i["need_id"],
        ),
    )
    unconverted = Unconverted()
    for r in rows:
        unconverted.add(r["unconverted"])
    total = {
        k: sum((Decimal(r[f]) for r in rows if r[f] is not None), ZERO)
        for k, f in (
            ("estimated", "estimated"),
            ("committed", "allocated_commitment"),
            ("gap", "gap"),
        )
    }
    known = sum(1 for r in rows if r["gap"] is not None)
    reasons = [i["gap_unknown_reason"] for i in items if i["gap_unknown_reason"]]
    return {
        "needs": len(items),
        "addressed": sum(1 for i in items if i["status"] == "addressed"),
        "unmet": sum(1 for i in items if i["status"] == "unmet"),
        # over the needs with a converted estimate; null when there are needs and none has one
        **{k: money(v) if known or not rows or k == "committed" else None for k, v in total.items()},
        "needs_with_estimate": known,
        "needs_gap_unknown": len(rows) - known,
        "needs_without_estimate": reasons.count(NO_ESTIMATE),
        "needs_estimate_unconverted": len(reasons) - reasons.count(NO_ESTIMATE),
        "unconverted": unconverted.out(),
        "items": items,
    }


def view(need_rows: list[dict[str, Any]], state: str, currency: str) -> dict[str, Any]:
    s = reference.states()[state]
    mine = [r for r in open_needs(need_rows) if r["state"] == state]
    return {
        "state": state,
        "state_name": s.name,
        "region": s.region,
        "currency": currency,
        **{h: _horizon([r for r in mine if r["horizon"] == h]) for h in reference.HORIZONS},
    }


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Both horizons' needs, current first, each row naming its horizon."""
    rows = [row for h in reference.HORIZONS for row in TABLE.rows(answer[h]["items"], {**answer, "horizon": h})]
    return TABLE.headers, rows


# ---- Markdown: what a delegation pastes into its submission ----


MARKDOWN = re.compile(r"([\\\[\]|])")  # backslash first, then link and image brackets, table cell breaks
ENTITY = re.compile(r"&(?=#?\w+;)")  # `&` that would start an entity: `R&D` stays as it reads
SCHEME = re.compile(r"\b(javascript|vbscript|data(?=\s*:\s*(?:[\w.+-]+/|[,;])))(\s*):", re.IGNORECASE)


def escaped(text: str) -> str:
    """Ledger text as inert Markdown: no HTML, no link or image, no `javascript:`/`data:` scheme.

    `<` and `>` become entities (no tag, no autolink), as does an `&` opening an entity; `\\`, `[`,
    `]` and `|` are backslash-escaped (no `[..](..)` link or image, no table cell break); line
    breaks become spaces; the colon of a `javascript:`, `vbscript:` or `data:` URL becomes `&#58;`,
    which still reads as a colon.
    """
    text = re.sub(r"[\r\n]+", " ", text)
    text = ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = MARKDOWN.sub(r"\\\1", text)
    return SCHEME.sub(r"\1\2&#58;", text)


def _cell(value: Any) -> str:
    return escaped(str(value if value is not None else "—"))


def _figure(i: dict[str, Any], key: str) -> str:
    """A need's estimate or gap, or "unknown (why)": never a blank that reads as nothing owed."""
    return i[key] if i[key] is not None else f"unknown ({i['gap_unknown_reason']})"


def unknown_words(h: dict[str, Any]) -> str:
    """Why the gap of some needs is unknown: "2 without an estimate, 1 without an exchange rate"."""
    parts = [
        f"{n} without an estimate" if key == "needs_without_estimate" else f"{n} without an exchange rate"
        for key in ("needs_without_estimate", "needs_estimate_unconverted")
        if (n := h[key])
    ]
    return ", ".join(parts)


def _summary(h: dict[str, Any], currency: str) -> str:
    counts = f"Open needs: {h['needs']} ({h['addressed']} addressed, {h['unmet']} unmet)."
    committed = f"Committed {h['committed']} {currency}."
    if not h["needs_with_estimate"]:
        return f"{counts} Estimated cost and gap: unknown ({unknown_words(h)}). {committed}"
    known = f"{h['needs_with_estimate']} of {h['needs']}" if h["needs_gap_unknown"] else "all"
    text = f"{counts} Estimated {h['estimated']} {currency} and gap {h['gap']} {currency}, over {known} needs. "
    if h["needs_gap_unknown"]:
        text += f"Gap unknown for {h['needs_gap_unknown']} ({unknown_words(h)}). "
    return text + committed


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]


PARA_15_7 = ["Stakeholders", "Assistance already provided"]  # resolution paras 15 and 7


def _para_15_7(i: dict[str, Any]) -> list[str | None]:
    """None reads "—" (`_cell`): nobody named, nothing said."""
    return [stakeholder_words(i["stakeholders"]) or None, assistance_words(i["assistance_provided"])]


def _article(i: dict[str, Any]) -> str:
    return i["paragraph"] or str(i["article"])


def _section(title: str, h: dict[str, Any], currency: str) -> list[str]:
    lines = [f"## {title}", ""]
    if not h["needs"]:
        return lines + ["None recorded.", ""]
    lines += [_summary(h, currency), ""]
    leftovers = [f"{book} {text(amounts)}" for book, amounts in h["unconverted"].items() if amounts]
    if leftovers:
        lines += [f"Without an exchange rate, not included above: {'; '.join(leftovers)}.", ""]
    unmet = [i for i in h["items"] if i["status"] == "unmet"]
    addressed = [i for i in h["items"] if i["status"] == "addressed"]
    if unmet:
        lines += (
            ["### Unmet", ""]
            + _table(
                ["Article", "TA types", "Priority", f"Estimated ({currency})", *PARA_15_7, "Need"],
                [
                    [
                        _article(i),
                        ", ".join(i["ta_types_v2"]),
                        i["priority"],
                        _figure(i, "estimated"),
                        *_para_15_7(i),
                        i["description"],
                    ]
                    for i in unmet
                ],
            )
            + [""]
        )
    if addressed:
        lines += (
            ["### Addressed", ""]
            + _table(
                [
                    "Article",
                    "TA types",
                    "Priority",
                    f"Estimated ({currency})",
                    f"Committed ({currency})",
                    f"Gap ({currency})",
                    "Providers",
                    "Programmes",
                    *PARA_15_7,
                    "Need",
                ],
                [
                    [
                        _article(i),
                        ", ".join(i["ta_types_v2"]),
                        i["priority"],
                        _figure(i, "estimated"),
                        i["committed"],
                        _figure(i, "gap"),
                        ", ".join(p["name"] for p in i["providers"]),
                        ", ".join(p["title"] for p in i["programmes"]),
                        *_para_15_7(i),
                        i["description"],
                    ]
                    for i in addressed
                ],
            )
            + [""]
        )
    return lines


def markdown(answer: dict[str, Any]) -> str:
    currency = answer["currency"]
    lines = [
        f"# Technical assistance needs of {answer['state_name']} ({answer['state']})",
        "",
        f"Report to the Implementation Review Group: current, anticipated and unmet needs. Amounts in {currency}.",
        "",
    ]
    if answer.get("position") is not None:
        lines[-1:-1] = [f"As of ledger position {answer['position']}."]
    for h in reference.HORIZONS:
        lines += _section(f"{h.capitalize()} needs", answer[h], currency)
    return "\n".join(lines).rstrip() + "\n"
