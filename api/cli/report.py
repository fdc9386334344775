"""`ledger report irg STATE`: the IRG country report as Markdown (or JSON, CSV, xlsx) on stdout."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from api.cli.common import fail, services
from api.web import i18n, report_words
from domain import dates, reference
from domain.errors import InvalidInput
from projections.views import irg_report
from projections.views.as_of import recorded_at
from projections.views.csv_cells import write_csv
from projections.views.words import Words
from projections.views.workbooks import irg_workbook


def _position(svc: Any, as_of: str) -> int:
    """`--as-of` as the API reads it (domain.dates.as_of): a date alone is the end of that day, UTC."""
    moment = dates.as_of(as_of)
    return moment if isinstance(moment, int) else int(svc.position_at(moment))


def irg(
    state: Annotated[str, typer.Argument(help="ISO alpha-3 of a State party, e.g. KEN")],
    format: Annotated[str, typer.Option(help="md, json, csv or xlsx (a spreadsheet's bytes: redirect them)")] = "md",
    as_of: Annotated[
        str | None, typer.Option(help="ISO date-time (a date alone: the end of that day, UTC) or log position")
    ] = None,
    lang: Annotated[str, typer.Option(help="en, fr or es: the report's words, headers and labels")] = "en",
) -> None:
    """Current and anticipated needs of one State party, each addressed or unmet (para 13)."""
    if format not in ("md", "json", "csv", "xlsx"):
        fail(f"unknown format {format!r}; choose md, json, csv or xlsx")
    if report_words.named(lang) is None:
        fail(f"unknown language {lang!r}; choose {', '.join(i18n.languages())}")
    if as_of is not None:
        try:
            dates.as_of(as_of)
        except InvalidInput as refused:
            fail(f"--as-of: {refused.detail}")
    with services() as svc:
        party = reference.party(state)
        svc.runner.catch_up()
        past = _position(svc, as_of) if as_of is not None else None
        rows = svc.rows(past).needs(state=party.iso3, status="open")
        answer = irg_report.view(rows, party.iso3, svc.currency)
        answer["position"] = past if past is not None else svc.runner.position()
        recorded = recorded_at(svc.db, answer["position"])
    with i18n.using(lang.lower()):
        _write(answer, format, as_of, recorded, report_words.reader())


def _write(answer: dict[str, Any], format: str, as_of: str | None, recorded: Any, words: Words) -> None:
    """The report on stdout in the language `--lang` chose (as `?lang=` does over HTTP: headers too)."""
    if format == "md":
        typer.echo(irg_report.markdown(answer, words), nl=False)
    elif format == "json":
        typer.echo(json.dumps({**answer, "labels": report_words.labels(answer)}, indent=2, ensure_ascii=False))
    elif format == "csv":
        sys.stdout.flush()
        headers, rows = irg_report.csv_rows(answer)
        write_csv(sys.stdout.buffer, [words.header(h) for h in headers], rows)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(irg_workbook(answer, as_of, recorded, words))
