"""`ledger import iati`, `ledger export iati` and `ledger export csv`, run as the real command."""

from __future__ import annotations

import json

import pytest

from api.iati.export import validate
from api.iati.parse import iter_activities
from api.root.settings import Settings
from tests.support.iati_import import FIXTURES, LEGACY, MAEC, MAEC_ACTIVITIES, identify
from tests.support.processes import ledger_on
from tests.support.stores import opened


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A ledger that exists (created, then closed): `ledger import` and `ledger export` refuse where there is none."""
    with opened(settings):
        return settings


def flat(text: str) -> str:
    return " ".join(text.split())  # the console wraps long lines


def test_import_prints_a_json_report_per_file_and_refuses_a_legacy_file_with_exit_1(settings):
    # When MAEC's file and the legacy 1.0 file are imported in one run, with --json
    run = ledger_on(settings, "import", "iati", str(MAEC), str(LEGACY), "--json")
    # Then the command fails (exit 1) and says why on stderr
    assert run.returncode == 1
    assert "IATI version 1.0 (1.x); only IATI versions 2.01–2.03 are accepted" in flat(run.stderr)
    # And stdout is a JSON report per file: MAEC imported, the legacy file refused with its code
    maec, legacy = json.loads(run.stdout)
    assert maec["file"] == MAEC.name and maec["activities"]["seen"] == MAEC_ACTIVITIES
    assert maec["activities"]["imported"] + maec["activities"]["skipped"] == MAEC_ACTIVITIES
    assert legacy == {
        "file": LEGACY.name,
        "error": {"code": "iati-version-unsupported", "detail": legacy["error"]["detail"]},
    }
    # And a second import of MAEC appends nothing and succeeds
    again = ledger_on(settings, "import", "iati", str(MAEC), "--json")
    assert again.returncode == 0, again.stderr
    (report,) = json.loads(again.stdout)
    assert report["events"] == 0 and report["position"] == maec["position"]


def test_import_with_a_sector_filter_and_a_plain_summary(settings):
    # When MAEC is imported keeping only DAC 15113, which none of its activities has
    run = ledger_on(settings, "import", "iati", str(MAEC), "--sector", "15113")
    # Then every activity is filtered out, and the summary line says so
    assert run.returncode == 0, run.stderr
    summary = f"{MAEC_ACTIVITIES} activities seen, {MAEC_ACTIVITIES} filtered out, 0 imported"
    assert summary in flat(run.stdout)
    # And progress went to stderr as plain lines (no terminal here)
    assert f"{MAEC.name}: {MAEC_ACTIVITIES}/{MAEC_ACTIVITIES}" in run.stderr


def test_an_unreadable_file_is_refused_with_exit_1(settings, tmp_path):
    run = ledger_on(settings, "import", "iati", str(tmp_path / "missing.xml"))
    assert run.returncode == 1 and "missing.xml" in flat(run.stderr)


def test_export_writes_valid_iati_and_the_unmet_needs_csv(settings, tmp_path):
    # Given MAEC imported, an open need of Indonesia, and an organisation that funds nothing
    assert ledger_on(settings, "import", "iati", str(MAEC)).returncode == 0
    with opened(settings) as svc:
        identify(svc, "IDN", 5, "Asset declarations")
        svc.ledger.register_organisation("XM-NOBODY", "Funds nothing", "10", "GBR")
    # When the programmes are exported to a file, and only those of another funder to stdout
    out = tmp_path / "out.xml"
    run = ledger_on(settings, "export", "iati", "-o", str(out))
    other = ledger_on(settings, "export", "iati", "--funder", "XM-NOBODY")
    # Then the file is valid IATI 2.03 with the imported programmes, and the filter keeps none
    assert run.returncode == 0, run.stderr
    assert validate(out.read_bytes()) == []
    assert len(list(iter_activities(out))) > 0
    assert other.returncode == 0 and list(iter_activities(other.stdout.encode())) == []
    # And a funder ref the ledger does not know is refused by name, not exported as nothing
    unknown = ledger_on(settings, "export", "iati", "--funder", "XM-UNKNOWN")
    assert unknown.returncode == 1 and "no organisation with ref 'XM-UNKNOWN'" in unknown.stderr
    # And the unmet-needs CSV lists the open need
    csv_run = ledger_on(settings, "export", "csv", "--state", "IDN")
    assert csv_run.returncode == 0, csv_run.stderr
    header, row = csv_run.stdout.splitlines()
    assert header.startswith("\ufeffneed_id,state,state_name") and ",IDN,Indonesia," in row


def test_import_refuses_a_file_declaring_entities_with_exit_1_and_writes_nothing(settings):
    # When a file with a DTD declaring entities is imported
    run = ledger_on(settings, "import", "iati", str(FIXTURES / "dtd-entities.xml"), "--json")
    # Then the command fails (exit 1), says why, reports the code, and the ledger holds no event
    assert run.returncode == 1
    assert "document type declaration (DTD)" in flat(run.stderr)
    (report,) = json.loads(run.stdout)
    assert report["error"]["code"] == "iati-xml-dtd-forbidden"
    with opened(settings) as svc:
        assert (svc.ledger.recorder.max_notification_id() or 0) == 0
