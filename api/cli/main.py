"""`ledger`: every command, registered here and nowhere else (DESIGN §8)."""

from __future__ import annotations

import typer

from api.cli import audit, iati, keys, report, restore, server, witness

app = typer.Typer(help="The UNCAC technical-assistance coordination ledger.", no_args_is_help=True)
app.command()(server.serve)
app.command()(server.worker)
app.command()(server.demo)
app.command()(server.rebuild)
app.command()(audit.verify)
app.command()(witness.witness)
app.command()(restore.restore)

keys_app = typer.Typer(help="Issue, list and revoke API keys.", no_args_is_help=True)
keys_app.command("issue")(keys.issue)
keys_app.command("list")(keys.list_keys)
keys_app.command("revoke")(keys.revoke)
app.add_typer(keys_app, name="keys")

import_app = typer.Typer(help="Load data published elsewhere into the ledger.", no_args_is_help=True)
import_app.command("iati")(iati.import_iati)
app.add_typer(import_app, name="import")

export_app = typer.Typer(help="Write the ledger's data for other systems.", no_args_is_help=True)
export_app.command("iati")(iati.export_iati)
export_app.command("csv")(iati.export_csv)
export_app.command("xlsx")(iati.export_xlsx)
export_app.command("log")(audit.export_log)
app.add_typer(export_app, name="export")

audit_app = typer.Typer(help="The audit trail's keys and checkpoints.", no_args_is_help=True)
audit_app.command("public-key")(audit.public_key)
audit_app.command("checkpoint")(audit.latest_checkpoint)
app.add_typer(audit_app, name="audit")

report_app = typer.Typer(help="Reports for coordination meetings and the IRG.", no_args_is_help=True)
report_app.command("irg")(report.irg)
app.add_typer(report_app, name="report")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
