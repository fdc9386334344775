"""`ledger report irg STATE` prints the IRG country report."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from api.cli.main import app
from api.root.services import Services
from api.root.settings import Settings
from projections.views import irg_report
from tests.support.views_world import build


def env(settings: Settings) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "LEDGER_LOG_FORMAT": "json",
    }


def test_the_report_command_prints_kenyas_report_as_markdown_json_or_csv(
    services: Services,
) -> None:
    # Given the world in the store
    build(services.ledger)
    runner = CliRunner()
    # When the command runs
    md = runner.invoke(app, ["report", "irg", "ken"], env=env(services.settings))
    # Then it prints the Markdown report, with the views caught up first
    assert md.exit_code == 0, md.output
    assert md.stdout.startswith("# Technical assistance needs of Kenya (KEN)")
    assert "### Unmet" in md.stdout
    as_json = runner.invoke(app, ["report", "irg", "KEN", "--format", "json"], env=env(services.settings))
    assert json.loads(as_json.stdout)["current"]["unmet"] == 1
    as_csv = runner.invoke(
        app,
        ["report", "irg", "KEN", "--format", "csv", "--as-of", "2"],
        env=env(services.settings),
    )
    assert as_csv.stdout_bytes == ("\ufeff" + ",".join(irg_report.COLUMNS) + "\r\n").encode()  # the CSV spec


def test_an_unknown_state_fails_with_a_message_and_a_non_zero_exit(services: Services) -> None:
    result = CliRunner().invoke(app, ["report", "irg", "XXX"], env=env(services.settings))
    assert result.exit_code != 0
    assert "unknown-state" in result.output
