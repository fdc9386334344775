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
from projections.views.words import ENGLISH, HORIZON_TITLES, N_, Words

# What the report is, as a workbook's About sheet says it (the docstring's first paragraph, held equal by a test).
WHAT = N_("irg-report (resolution para 13): a State party's current and anticipated needs, met or not.")
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


def assistance_words(given: dict[str, Any] | None, words: Words = ENGLISH) -> str | None:
    """The assistance already provided (para 7) in words, with the programme it names."""
    if given is None:
        return None
    title = given.get("programme_title")
    return words.gettext("%(text)s (programme: %(title)s)", text=given["text"], title=title) if title else given["text"]


def stakeholder_words(found: list[dict[str, str]], words: Words = ENGLISH) -> str:
    return ", ".join(f"{s['name']} ({words.term(s['kind'])})" for s in found)


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


def unknown_words(h: dict[str, Any], words: Words = ENGLISH) -> str:
    """Why the gap of some needs is unknown: "2 without an estimate, 1 without an exchange rate"."""
    parts = [words.gettext("%(n)s without an estimate", n=n) for n in [h["needs_without_estimate"]] if n]
    parts += [words.gettext("%(n)s without an exchange rate", n=n) for n in [h["needs_estimate_unconverted"]] if n]
    return ", ".join(parts)


def _summary(h: dict[str, Any], currency: str, words: Words) -> str:
    _, money = words.gettext, words.money
    counts = _("Open needs: %(needs)s (%(addressed)s addressed, %(unmet)s unmet).", **h)
    committed = _("Committed %(amount)s %(currency)s.", amount=money(h["committed"]), currency=currency)
    if not h["needs_with_estimate"]:
        unknown = _("Estimated cost and gap: unknown (%(why)s).", why=unknown_words(h, words))
        return f"{counts} {unknown} {committed}"
    figures = {"estimated": money(h["estimated"]), "gap": money(h["gap"]), "currency": currency}
    if h["needs_gap_unknown"]:
        known = _(
            "Estimated %(estimated)s %(currency)s and gap %(gap)s %(currency)s, over %(known)s of %(needs)s needs.",
            known=h["needs_with_estimate"],
            needs=h["needs"],
            **figures,
        )
        unknown = _("Gap unknown for %(n)s (%(why)s).", n=h["needs_gap_unknown"], why=unknown_words(h, words))
        return f"{counts} {known} {unknown} {committed}"
    known = _("Estimated %(estimated)s %(currency)s and gap %(gap)s %(currency)s, over all needs.", **figures)
    return f"{counts} {known} {committed}"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]


def _para_15_7(i: dict[str, Any], words: Words) -> list[str | None]:
    """Resolution paras 15 and 7; None reads "—" (`_cell`): nobody named, nothing said."""
    return [stakeholder_words(i["stakeholders"], words) or None, assistance_words(i["assistance_provided"], words)]


def _article(i: dict[str, Any]) -> str:
    return i["paragraph"] or str(i["article"])


def _figure(i: dict[str, Any], key: str, words: Words) -> str:
    """A need's estimate or gap, or "unknown (why)": never a blank that reads as nothing owed."""
    if i[key] is not None:
        return words.money(i[key])
    return words.gettext("unknown (%(why)s)", why=words.why(i["gap_unknown_reason"]))


def _first(i: dict[str, Any], words: Words) -> list[Any]:
    return [_article(i), ", ".join(words.ta_type(t) for t in i["ta_types_v2"]), words.term(i["priority"])]


def _unmet(items: list[dict[str, Any]], currency: str, words: Words) -> list[str]:
    _ = words.gettext
    header = [_("Article"), _("TA types"), _("Priority"), _("Estimated (%(currency)s)", currency=currency)]
    header += [_("Stakeholders"), _("Assistance already provided"), _("Need")]
    rows = [[*_first(i, words), _figure(i, "estimated", words), *_para_15_7(i, words), i["description"]] for i in items]
    return ["### " + _("Unmet"), "", *_table(header, rows), ""]


def _addressed(items: list[dict[str, Any]], currency: str, words: Words) -> list[str]:
    _ = words.gettext
    header = [_("Article"), _("TA types"), _("Priority"), _("Estimated (%(currency)s)", currency=currency)]
    header += [_("Committed (%(currency)s)", currency=currency), _("Gap (%(currency)s)", currency=currency)]
    header += [_("Providers"), _("Programmes"), _("Stakeholders"), _("Assistance already provided"), _("Need")]
    rows = [
        [
            *_first(i, words),
            _figure(i, "estimated", words),
            words.money(i["committed"]),
            _figure(i, "gap", words),
            ", ".join(p["name"] for p in i["providers"]),
            ", ".join(p["title"] for p in i["programmes"]),
            *_para_15_7(i, words),
            i["description"],
        ]
        for i in items
    ]
    return ["### " + _("Addressed"), "", *_table(header, rows), ""]


BOOKS = {"estimated": N_("estimated"), "committed": N_("committed")}  # the books leftovers are kept in


def _section(title: str, h: dict[str, Any], currency: str, words: Words) -> list[str]:
    lines = [f"## {title}", ""]
    if not h["needs"]:
        return lines + [words.gettext("None recorded."), ""]
    lines += [_summary(h, currency, words), ""]
    leftovers = [f"{words.gettext(BOOKS[b])} {text(amounts)}" for b, amounts in h["unconverted"].items() if amounts]
    if leftovers:
        left = words.gettext("Without an exchange rate, not included above: %(amounts)s.", amounts="; ".join(leftovers))
        lines += [left, ""]
    unmet = [i for i in h["items"] if i["status"] == "unmet"]
    addressed = [i for i in h["items"] if i["status"] == "addressed"]
    return (
        lines
        + (_unmet(unmet, currency, words) if unmet else [])
        + (_addressed(addressed, currency, words) if addressed else [])
    )


def markdown(answer: dict[str, Any], words: Words = ENGLISH) -> str:
    """The report as Markdown in `words`' language (English: as the ledger stores its codes and amounts)."""
    currency, state, _ = answer["currency"], answer["state"], words.gettext
    lines = [
        "# " + _("Technical assistance needs of %(name)s (%(state)s)", name=words.state(state), state=state),
        "",
        _(
            "Report to the Implementation Review Group: current, anticipated and unmet needs. Amounts in %(currency)s.",
            currency=currency,
        ),
        "",
    ]
    if answer.get("position") is not None:
        lines[-1:-1] = [_("As of ledger position %(position)s.", position=answer["position"])]
    for h in reference.HORIZONS:
        lines += _section(_(HORIZON_TITLES[h]), answer[h], currency, words)
    return "\n".join(lines).rstrip() + "\n"
