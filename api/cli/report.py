"""`ledger report irg STATE`: the IRG country report as Markdown (or JSON, CSV) on stdout."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from api.cli.common import fail, services
from domain import reference
from projections.views import irg_report


def _position(svc: Any, as_of: str) -> int:
    if as_of.isdigit():
        return int(as_of)
    moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    return svc.position_at(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def irg(
    state: Annotated[str, typer.Argument(help="ISO alpha-3 of a State party, e.g. KEN")],
    format: Annotated[str, typer.Option(help="md, json or csv")] = "md",
    as_of: Annotated[str | None, typer.Option(help="ISO date-time or log position")] = None,
) -> None:
    """Current and anticipated needs of one State party, each addressed or unmet (para 13)."""
    if format not in ("md", "json", "csv"):
        fail(f"unknown format {format!r}; choose md, json or csv")
    if as_of is not None and not as_of.isdigit():
        try:
            datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        except ValueError:
            fail("--as-of is an ISO 8601 date-time or a log position")
    with services() as svc:
        party = reference.party(state)
        svc.runner.catch_up()
        past = _position(svc, as_of) if as_of is not None else None
        rows = svc.rows(past).needs(state=party.iso3, status="open")
        answer = irg_report.view(rows, party.iso3, svc.currency)
        answer["position"] = past if past is not None else svc.runner.position()
    if format == "md":
        typer.echo(irg_report.markdown(answer), nl=False)
    elif format == "json":
        typer.echo(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        columns, rows_ = irg_report.csv_rows(answer)
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows([columns, *rows_])
