"""The IATI layer: IATI 2.0x activity XML <-> plain data (`model`), independent of the domain.

`parse` reads activity files incrementally, `export` writes and validates IATI 2.03 XML.
The wiring to the ledger knows the domain: `importer` (with `plan`, the differences one activity
makes to its programme) and `exporter` (programmes as activities).
"""

from .export import export_bytes, validate, write_activities
from .model import Activity, IatiFileError, OrgRef, Skipped, Transaction
from .parse import ActivityReader, iter_activities

__all__ = [
    "Activity",
    "ActivityReader",
    "IatiFileError",
    "OrgRef",
    "Skipped",
    "Transaction",
    "export_bytes",
    "iter_activities",
    "validate",
    "write_activities",
]
