"""`ledger import iati`, `ledger export iati`, `ledger export csv` and `ledger export xlsx` (DESIGN §8, §9)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import err, progress, services
from domain import reference
from domain.errors import InvalidInput

FILE_REFUSED = "iati-"  # the codes of a file refused whole (IatiFileError), as against other errors
OutputOpt = Annotated[Path | None, typer.Option("-o", "--output", help="file (default stdout)")]
StateOpt = Annotated[str | None, typer.Option(help="only this State party (ISO alpha-3)")]


class _Bar:
    """A progress bar opened when the importer first says how many activities the file has."""

    def __init__(self, stack: ExitStack, label: str) -> None:
        self.stack, self.label, self.done = stack, label, -1
        self.tick: Callable[[int], None] | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.tick is None:
            self.tick = self.stack.enter_context(progress(total, self.label))
        if done != self.done:
            self.tick(done)
            self.done = done


def import_iati(
    files: Annotated[list[Path], typer.Argument(help="IATI activity files (versions 2.01–2.03)")],
    sector: Annotated[
        str | None, typer.Option(help="keep activities with any of these DAC codes, e.g. 15113,151")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the reports as JSON")] = False,
) -> None:
    """Import IATI files: each activity whole or skipped with its reason; re-imports add changes."""
    from api.iati.importer import import_into

    sectors = [code.strip() for code in sector.split(",") if code.strip()] if sector else None
    reports: list[dict[str, Any]] = []
    refused = 0
    with services() as svc:
        for path in files:
            try:
                with ExitStack() as stack:
                    bar = _Bar(stack, path.name)
                    report = import_into(svc, path, path.name, sectors, on_progress=bar)
            except (InvalidInput, OSError) as error:
                if isinstance(error, InvalidInput) and not error.code.startswith(FILE_REFUSED):
                    raise
                refused += 1
                code = getattr(error, "code", "file-unreadable")
                detail = getattr(error, "detail", None) or str(error)
                err.print(f"[red]error:[/red] {path}: {detail}", highlight=False)
                reports.append({"file": path.name, "error": {"code": code, "detail": detail}})
                continue
            reports.append(report.to_dict())
            if not as_json:
                _summary(report.to_dict())
    if as_json:
        typer.echo(json.dumps(reports, indent=2, ensure_ascii=False))
    if refused:
        raise typer.Exit(1)


def _summary(r: dict[str, Any]) -> None:
    a = r["activities"]
    typer.echo(
        f"{r['file']}: {a['seen']} activities seen, {a['filtered_out']} filtered out, "
        f"{a['imported']} imported, {a['updated']} updated, {a['unchanged']} unchanged, "
        f"{a['skipped']} skipped; {r['organisations_registered']} organisations registered, "
        f"{r['needs_linked']} needs linked; {r['events']} events, "
        f"log position {r['position']}"
    )
    for kind, counts in r["transactions"].items():
        if counts:
            by_type = ", ".join(f"type {code}: {n}" for code, n in counts.items())
            typer.echo(f"  transactions {kind}: {by_type}")
    for s in r["skipped"]:
        name = s["iati_identifier"] or "(no identifier)"
        typer.echo(f"  skipped #{s['index']} {name}: {s['reason']}")
    if r["notes"]:
        typer.echo(f"  {len(r['notes'])} notes (see --json)")


def export_iati(
    funder: Annotated[str | None, typer.Option(help="only what this organisation funds")] = None,
    state: StateOpt = None,
    output: OutputOpt = None,
) -> None:
    """Write the programmes as IATI 2.03 XML (valid against the IATI activities schema)."""
    from api.iati.export import write_activities
    from api.iati.exporter import ExportSource, NotExported, programme_activities

    with _caught_up(state) as (svc, party):
        if funder is not None:
            svc.ledger.organisation_by_ref(funder)  # an unknown ref is refused by name, not exported as nothing
        items = programme_activities(svc.ledger, ExportSource.of(svc, party), funder, party)

        def expressible() -> Any:
            for item in items:
                if isinstance(item, NotExported):
                    err.print(f"not exported: programme {item.programme_id}: {item.reason}", highlight=False)
                else:
                    yield item

        with _sink(output) as out:
            count = write_activities(expressible(), out, generated_at=datetime.now(UTC))
        err.print(f"{count} activities written", highlight=False)


@contextmanager
def _caught_up(state: str | None) -> Iterator[tuple[Any, str | None]]:
    """The services with every view caught up with the log, and the state asked for (ISO3, checked)."""
    with services() as svc:
        party = reference.party(state).iso3 if state else None
        svc.runner.catch_up()
        yield svc, party


def _sink(output: Path | None) -> Any:
    return open(output, "wb") if output is not None else nullcontext(sys.stdout.buffer)


def export_csv(
    state: StateOpt = None,
    output: OutputOpt = None,
) -> None:
    """Write the unmet-needs view (open needs: unmet, partially funded or funded) as CSV."""
    from projections.views import unmet_needs
    from projections.views.csv_cells import write_csv

    with _caught_up(state) as (svc, party):
        answer = unmet_needs.view(svc.durable.needs(state=party, status="open"), svc.currency)
    with _sink(output) as out:
        write_csv(out, *unmet_needs.csv_rows(answer))


def export_xlsx(
    state: StateOpt = None,
    output: OutputOpt = None,
) -> None:
    """Write the unmet-needs view as a spreadsheet (.xlsx): the CSV's rows, typed, and an About sheet."""
    from projections.views import unmet_needs
    from projections.views.as_of import recorded_at
    from projections.views.workbooks import view_workbook

    with _caught_up(state) as (svc, party):
        position = svc.runner.position()  # read before the rows: they are at least that fresh
        answer = {**unmet_needs.view(svc.durable.needs(state=party, status="open"), svc.currency), "position": position}
        data = view_workbook(unmet_needs, answer, {"state": party}, None, recorded_at(svc.db, position))
    with _sink(output) as out:
        out.write(data)
