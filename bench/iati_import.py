"""Bulk import: a generated IATI file of N activities into PostgreSQL, vs COPY of its event rows.

The import is timed whole (the file checked, parsed, compared with the ledger, saved in large
transactions). The baseline COPYs the very rows the import stored (same ids, topics and state
bytes) into a raw table of the same shape, in one transaction, in the same run.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import psycopg

from bench.common import KEY_FILE, fresh_database, record

PARTIES = ("KE", "UG", "TZ", "GH", "NG", "ID", "VN", "PE", "CO", "UA")  # alpha-2 of UNCAC parties
ORGS = 20


def activity(i: int) -> str:
    funder, implementer = f"XM-BENCH-{i % ORGS}", f"XM-IMPL-{i % 7}"
    country = PARTIES[i % len(PARTIES)]
    money = "".join(
        f'<transaction ref="{kind}-{i}-{n}"><transaction-type code="{code}"/>'
        f'<transaction-date iso-date="2024-0{1 + n}-15"/>'
        f'<value currency="{currency}">{amount}</value>'
        f'<provider-org ref="{funder}"/></transaction>'
        for n, (kind, code, currency, amount) in enumerate(
            (
                ("c", "2", "EUR", 100000 + i),
                ("p", "12", "USD", 5000 + i),
                ("d", "3", "EUR", 20000 + i),
                ("d", "3", "USD", 1500 + i),
            )
        )
    )
    return (
        f'<iati-activity default-currency="USD"><iati-identifier>{funder}-A{i}</iati-identifier>'
        f'<reporting-org ref="{funder}" type="10"><narrative>Agency {i % ORGS}</narrative>'
        f"</reporting-org>"
        f"<title><narrative>Anti-corruption programme {i}</narrative></title>"
        f"<description><narrative>Training of prosecutors and auditors, phase {i}</narrative>"
        f"</description>"
        f'<participating-org role="1" ref="{funder}" type="10"/>'
        f'<participating-org role="4" ref="{implementer}" type="21">'
        f"<narrative>Implementer</narrative>"
        f'</participating-org><activity-status code="2"/>'
        f'<activity-date type="2" iso-date="2024-01-01"/>'
        f'<activity-date type="3" iso-date="2026-12-31"/>'
        f'<recipient-country code="{country}" percentage="100"/>'
        f'<sector vocabulary="1" code="15113"/>'
        f'<tag vocabulary="99" code="UNCAC-{5 + i % 58}"/>{money}</iati-activity>'
    )


def generate_file(path: Path, activities: int) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        for i in range(activities):
            out.write(activity(i) + "\n")
        out.write("</iati-activities>\n")
    return path


def ledger_import(url: str, path: Path) -> tuple[float, int, list[tuple], float, float]:
    """events/s of the import, the events appended, the stored rows (for the baseline), and the seconds of the
    whole import and of its saves (mapping, sealing, COPY and commit of its chunks)."""
    from api.iati.importer import import_into
    from api.root.services import Services
    from api.root.settings import Settings

    svc = Services(Settings(database_url=url, signing_key_file=KEY_FILE))
    saves: list[float] = []
    svc.ledger.commits.observers.append(lambda batch: saves.append(batch.seconds))
    try:
        started = time.perf_counter()
        report = import_into(svc, path, path.name)
        elapsed = time.perf_counter() - started
        table = svc.events_table
    finally:
        svc.close()
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"SELECT originator_id, originator_version, topic, state FROM {table} ORDER BY notification_id"
        ).fetchall()
    assert report.events == len(rows), (report.events, len(rows))
    return report.events / elapsed, report.events, rows, elapsed, sum(saves)


def raw_copy(url: str, rows: list[tuple]) -> float:
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE raw_events (originator_id uuid, originator_version bigint,"
            " topic text, state bytea, notification_id bigserial,"
            " PRIMARY KEY (originator_id, originator_version))"
        )
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY raw_events (originator_id, originator_version, topic, state) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return len(rows) / (time.perf_counter() - started)


def library_insert(url: str, rows: list[tuple], chunk: int = 2000) -> float:
    """The recorder's ceiling: the same stored events through its insert, in the import's chunks."""
    from eventsourcing.persistence import StoredEvent

    from api.root.services import Services
    from api.root.settings import Settings

    svc = Services(Settings(database_url=url, signing_key_file=KEY_FILE))
    try:
        stored = [StoredEvent(*row) for row in rows]
        started = time.perf_counter()
        for i in range(0, len(stored), chunk):
            svc.ledger.recorder.insert_events(stored[i : i + chunk])
        return len(stored) / (time.perf_counter() - started)
    finally:
        svc.close()


def parse_only(path: Path, events: int) -> float:
    """Reading the file alone (both passes), in events of the import per second."""
    from api.iati.parse import ActivityReader, check_file

    started = time.perf_counter()
    check_file(path)
    for _ in ActivityReader(path):
        pass
    return events / (time.perf_counter() - started)


def run(activities: int) -> list[dict]:
    path = generate_file(Path(f"/tmp/bench-iati-{activities}.xml"), activities)
    try:
        with fresh_database() as url:
            ours, events, rows, elapsed, saving = ledger_import(url, path)
        with fresh_database() as url:
            baseline = raw_copy(url, rows)
        with fresh_database() as url:
            recorder = library_insert(url, rows)
        reading = parse_only(path, events)
    finally:
        path.unlink(missing_ok=True)
    return [
        record(
            "IATI bulk import",
            ours,
            baseline,
            "events/s",
            0.5,
            f"{activities} activities, {events} events vs COPY of the same rows; "
            f"saving {saving:.2f} s of {elapsed:.2f} s; ceilings: recorder insert alone {recorder:.0f}/s, "
            f"parsing alone {reading:.0f}/s",
        )
    ]


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_ACTIVITIES", "5000")))
