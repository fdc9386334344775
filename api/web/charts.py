"""Chart geometry for the dashboard: the colour scale, heatmap cells and bars, as SVG numbers.

Pure functions of need rows and view answers; templates/charts.html draws what they return.
Money stays Decimal and becomes a float only for geometry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from api.web import i18n
from api.web.i18n import gettext as _
from api.web.i18n import ngettext
from domain import reference
from projections.views.common import ZERO

# ColorBrewer "Blues": one hue, lightness falls monotonically (reads in greyscale and for
# every colour-vision deficiency); index 0 is "no gap".
PALETTE = ("#f7fbff", "#c6dbef", "#9ecae1", "#4292c6", "#2171b5", "#08306b")
INK_ON = ("#0b1f33", "#0b1f33", "#0b1f33", "#0b1f33", "#ffffff", "#ffffff")  # contrast ≥ 4.5:1


# ---- numbers ----


def dec(value: str | None) -> Decimal:
    return Decimal(value) if value else ZERO


def compact(value: Decimal | float | int, digits: int = 1) -> str:
    """Money for a projector: 1.5M, 980k, 12.5k, 640; `digits` more decimals where two must differ.
    Other languages take Babel's short form of theirs (1,5 M, 12,5 mil)."""
    v = float(value)
    if i18n.current() != i18n.DEFAULT:
        return i18n.compact(value, digits)
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= size * (0.9995 if digits == 1 else 1 - 0.5 * 10**-digits / 1000):  # 999,999 reads 1M, not 1000k
            n = v / size
            text = f"{n:.{digits}f}".rstrip("0").removesuffix(".") if n < 100 or digits > 1 else f"{n:.0f}"
            return text + suffix
    return f"{v:.0f}"


def full(value: Decimal | str | None) -> str:
    return i18n.money(value)


# ---- colour scale ----


def breaks(values: list[Decimal], bins: int = len(PALETTE) - 1) -> list[Decimal]:
    """Upper bounds of the coloured bins: quantiles of the positive gaps, rounded to 2 figures."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    top = positive[-1]
    bounds = {_round2(positive[(len(positive) * i) // bins]) for i in range(1, bins)}
    return sorted(b for b in bounds if 0 < b < top) + [top]  # rounding never passes the top


def _round2(value: Decimal) -> Decimal:
    digits = len(str(int(value))) if value >= 1 else 1
    step = Decimal(10) ** max(0, digits - 2)
    return (value / step).to_integral_value() * step


def bin_of(value: Decimal, bounds: list[Decimal]) -> int:
    """0 for no gap, then 1.. by the bounds; spreads few bins over the whole palette."""
    if value <= 0 or not bounds:
        return 0
    i = next((i for i, b in enumerate(bounds) if value <= b), len(bounds) - 1)
    span = len(PALETTE) - 1
    return 1 + round(i * (span - 1) / max(1, len(bounds) - 1)) if len(bounds) > 1 else span


def legend(bounds: list[Decimal]) -> list[dict[str, Any]]:
    """A swatch per bin, light to dark, labelled by its bounds: printed with as many decimals as
    it takes for every bound to read differently (never `56k–56k`)."""
    items = [{"fill": PALETTE[0], "label": _("no gap")}]
    edges = [ZERO, *bounds]
    digits = next((d for d in range(1, 7) if len({compact(e, d) for e in edges}) == len(set(edges))), 6)
    for low, b in zip(edges, bounds, strict=False):
        k = bin_of(b, bounds)
        span = compact(b, digits) if low == b else f"{compact(low, digits)}–{compact(b, digits)}"
        items.append({"fill": PALETTE[k], "label": span})
    return items


# ---- heatmap ----

CELL_H, CELL_W, CELL_W_ARTICLE, LABEL_W, HEAD_H, NAME_MAX = 40, 92, 62, 236, 40, 22


@dataclass
class Cell:
    state: str
    column: str
    open: int = 0
    unmet: int = 0
    gap: Decimal = ZERO
    unknown: int = 0  # open needs without an estimate: their gap is unknown, never zero


def columns(chapters: tuple[str, ...], by_article: bool, rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Chapters, or one chapter's articles that have open needs in the selection."""
    if by_article:
        used = sorted({r["article"] for r in rows if r["status"] == "open"})
        return [
            {"key": str(a), "label": str(a), "title": _("Article %(n)s: %(title)s", n=a, title=i18n.article_title(a))}
            for a in used
        ]
    return [{"key": c, "label": _("Ch. %(c)s", c=c), "title": i18n.chapter_title(c)} for c in chapters]


def cells(rows: list[dict[str, Any]], by_article: bool) -> dict[tuple[str, str], Cell]:
    found: dict[tuple[str, str], Cell] = {}
    for r in rows:
        if r["status"] != "open":
            continue
        column = str(r["article"]) if by_article else r["chapter"]
        cell = found.setdefault((r["state"], column), Cell(r["state"], column))
        cell.open += 1
        cell.unmet += r["classification"] == "unmet"
        if r["gap"] is None:
            cell.unknown += 1
        else:
            cell.gap += dec(r["gap"])
    return found


def heatmap(rows: list[dict[str, Any]], chapters: tuple[str, ...], by_article: bool, currency: str) -> dict[str, Any]:
    """States × chapters (or one chapter's articles) of these need rows."""
    return draw_heatmap(cells(rows, by_article), columns(chapters, by_article, rows), by_article, currency)


def draw_heatmap(
    found: dict[tuple[str, str], Cell], cols: list[dict[str, str]], by_article: bool, currency: str
) -> dict[str, Any]:
    """The heatmap of these cells (summed from rows, or kept): one block of rows per UN regional group."""
    place = {c["key"]: n for n, c in enumerate(cols)}  # cells in (state, column) order: ties read the same
    found = dict(sorted(found.items(), key=lambda kv: (kv[0][0], place.get(kv[0][1], len(place)), kv[0][1])))
    bounds = breaks([c.gap for c in found.values()])
    cell_w = CELL_W_ARTICLE if by_article else CELL_W
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    states = reference.states()
    named = {(states[c.state].region, i18n.country(c.state), c.state) for c in found.values()}
    for region, name, code in sorted(named):
        groups[region].append((code, name))
    blocks = []
    for region, members in groups.items():
        lines = [
            _heat_row(code, name, HEAD_H + n * CELL_H, cols, found, bounds, cell_w, currency)
            for n, (code, name) in enumerate(members)
        ]
        codes = {code for code, _ in members}  # built once, not once per cell
        mine = {k: c for k, c in found.items() if k[0] in codes}
        blocks.append(
            {
                "region": region,
                "rows": lines,
                "count": len(lines) * len(cols),
                "height": HEAD_H + len(lines) * CELL_H + 2,
                "summary": _summary(mine, dict(members), cols, currency),
            }
        )
    return {
        "columns": [{**c, "x": LABEL_W + i * cell_w + cell_w / 2} for i, c in enumerate(cols)],
        "blocks": blocks,
        "legend": legend(bounds),
        "width": LABEL_W + cell_w * len(cols),
        "cell_w": cell_w,
        "cell_h": CELL_H,
        "label_w": LABEL_W,
        "by_article": by_article,
        "wide": len(cols) > 6,
        "count": sum(b["count"] for b in blocks),
        "currency": currency,
    }


def _heat_row(
    code: str,
    name: str,
    y: int,
    cols: list[dict[str, str]],
    found: dict[tuple[str, str], Cell],
    bounds: list[Decimal],
    cell_w: int,
    currency: str,
) -> dict[str, Any]:
    out = []
    for i, col in enumerate(cols):
        c = found.get((code, col["key"]))
        k = bin_of(c.gap, bounds) if c else 0
        out.append(
            {
                "x": LABEL_W + i * cell_w,
                "column": col["key"],
                "empty": c is None,
                "fill": PALETTE[k] if c else "#ffffff",
                "ink": INK_ON[k],
                "hatch": bool(c and c.unknown and not c.gap),  # gap unknown, not zero
                "unmet": c.unmet if c else 0,
                "gap": compact(c.gap) if c and c.gap else "",
                "unknown": c.unknown if c else 0,
                "title": _cell_title(name, col, c, currency),
            }
        )
    short = name if len(name) <= NAME_MAX else name[: NAME_MAX - 1].rstrip() + "…"
    return {"state": code, "name": name, "short": short, "y": y, "cells": out}


def _cell_title(name: str, col: dict[str, str], c: Cell | None, currency: str) -> str:
    where = f"{name}, {col['label']} ({col['title']})"
    if c is None:
        return _("%(where)s: no open needs", where=where)
    text = _(
        "%(where)s: %(open)s open, %(unmet)s unmet, gap %(currency)s %(gap)s",
        where=where,
        open=c.open,
        unmet=c.unmet,
        currency=currency,
        gap=full(c.gap),
    )
    return text + (_(", %(n)s without estimate", n=c.unknown) if c.unknown else "")


def _summary(
    found: dict[tuple[str, str], Cell], names: dict[str, str], cols: list[dict[str, str]], currency: str
) -> str:
    """What a screen reader hears for one block: its size, unmet needs and the largest gap."""
    if not found:
        return _("No open needs.")
    top = max(found.values(), key=lambda c: (c.gap, c.unmet))
    col = next(c["label"] for c in cols if c["key"] == top.column)
    return _(
        "%(states)s states by %(columns)s columns; %(unmet)s unmet needs. "
        "Largest gap: %(state)s, %(column)s, %(currency)s %(gap)s.",
        states=len(names),
        columns=len(cols),
        unmet=sum(c.unmet for c in found.values()),
        state=names[top.state],
        column=col,
        currency=currency,
        gap=full(top.gap),
    )


# ---- bars ----

BAR_W, BAR_H, BAR_STEP, LABEL_H, VALUE_W = 430, 24, 60, 24, 100


def gap_unknown(item: dict[str, Any]) -> int:
    """A funding-gaps group's needs whose gap is unknown (no estimate, or no exchange rate for it)."""
    return int(item.get("needs_without_estimate", 0)) + int(item.get("needs_estimate_unconverted", 0))


def bars(
    items: list[dict[str, Any]],
    label: str,
    value: str,
    title: str | None = None,
    unknown: Callable[[dict[str, Any]], int] | None = None,
) -> dict[str, Any]:
    """Horizontal bars, largest first, each under its label, scaled to the largest value.

    `unknown` counts an item's parts whose value is unknown: a bar of nothing known reads
    "unknown" (no bar), one partly known says how many parts it leaves out; neither reads as 0.
    """
    ranked = sorted(items, key=lambda i: dec(i.get(value)), reverse=True)
    top = max((dec(i.get(value)) for i in ranked), default=ZERO)
    out = []
    for n, item in enumerate(ranked):
        v = dec(item.get(value))
        w = float(v / top) * BAR_W if top > 0 else 0.0
        y = n * BAR_STEP
        missing = unknown(item) if unknown else 0
        out.append(
            {
                "label": str(item[label]),
                "title": item.get(title) if title else None,
                "value": v,
                "unknown": missing,
                "known": v > 0 or not missing,
                "text": _bar_text(v, missing),
                "full": _bar_full(v, missing),
                "ly": y + 18,
                "y": y + LABEL_H,
                "w": max(w, 2.0 if v > 0 else 0.0),
                "ty": y + LABEL_H + BAR_H / 2,
            }
        )
    width = BAR_W + (VALUE_W * 2 if any(b["unknown"] for b in out) else VALUE_W)
    return {"bars": out, "bar_h": BAR_H, "width": width, "height": max(1, len(out)) * BAR_STEP}


def _bar_text(v: Decimal, missing: int) -> str:
    if not missing:
        return compact(v)
    return _("%(known)s + %(n)s unknown", known=compact(v), n=missing) if v > 0 else _("unknown")


def _bar_full(v: Decimal, missing: int) -> str:
    if not missing:
        return full(v)
    if v > 0:
        return ngettext(
            "%(known)s, and unknown for %(num)s need (no estimate or no exchange rate)",
            "%(known)s, and unknown for %(num)s needs (no estimate or no exchange rate)",
            missing,
        ) % {"known": full(v), "num": missing}
    return ngettext(
        "unknown (%(num)s need without an estimate or an exchange rate)",
        "unknown (%(num)s needs without an estimate or an exchange rate)",
        missing,
    ) % {"num": missing}
