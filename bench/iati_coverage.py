"""How much of real IATI data the import keeps: of the activities naming a UNCAC State party (at activity or
transaction level), the share imported into an empty ledger, and the reasons of the others, counted.

    .venv/bin/python -m bench.iati_coverage FILE_OR_FOLDER...   # default: ../shared/data/iati/samples

Each file is imported into one fresh SQLite ledger (a file refused whole counts all its activities as refused).
The figure is in docs/iati-import.md ("How much of real data is imported").
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from lxml import etree

from api.iati.importer import import_into
from api.iati.model import alpha3_by_alpha2
from api.root.services import Services
from api.root.settings import Settings
from domain import context, reference
from domain.errors import InvalidInput

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "iati" / "samples"


def party_activities(path: Path) -> set[str]:
    """The identifiers of the activities naming a party, read with no check (a refused file is counted too)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    root = etree.parse(str(path), parser).getroot()
    return {(a.findtext("iati-identifier") or "").strip() for a in root.iter("iati-activity") if names_a_party(a)}


def names_a_party(activity: etree._Element) -> bool:
    codes = [e.get("code") or "" for e in activity.iter("recipient-country")]
    parties = {s for s, state in reference.states().items() if state.party}
    return any(alpha3_by_alpha2().get(c.strip().upper(), c.strip().upper()) in parties for c in codes)


def files(arguments: list[str]) -> list[Path]:
    found: list[Path] = []
    for argument in arguments or [str(DEFAULT)]:
        path = Path(argument)
        found += sorted(path.rglob("*.xml")) if path.is_dir() else [path]
    return found


def main(arguments: list[str]) -> None:
    total = kept = 0
    reasons: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as home:
        svc = Services(Settings(database_url=f"sqlite:///{home}/ledger.db", signing_key_file=Path(home) / "key.pem"))
        try:
            for path in files(arguments):
                named = party_activities(path)
                total += len(named)
                try:
                    with context.recording(actor="coverage"):
                        report = import_into(svc, path, path.name)
                except InvalidInput as error:
                    if named:
                        reasons[f"file refused: {error.code}"] += len(named)
                    print(f"{path.name}: refused ({error.code}), {len(named)} party activities", flush=True)
                    continue
                lost = {s["iati_identifier"]: s["code"] for s in report.skipped if s["iati_identifier"] in named}
                kept += len(named) - len(lost)
                reasons.update(lost.values())
                print(f"{path.name}: {len(named) - len(lost)}/{len(named)} party activities imported", flush=True)
        finally:
            svc.close()
    share = 100 * kept / total if total else 100.0
    print(f"imported {kept} of {total} activities naming a UNCAC State party: {share:.1f} %")
    for reason, count in reasons.most_common():
        print(f"  skipped {count}: {reason}")


if __name__ == "__main__":
    main(sys.argv[1:])
