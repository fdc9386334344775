"""The IATI layer: IATI 2.0x activity XML <-> plain data (`model`), independent of the domain, read by `parse`
(the file) and `activity` (one activity) and written and validated by `export`; the wiring to the ledger, which
knows the domain, is `importer` (with `plan`, the differences one activity makes to its programme) and
`exporter` (programmes as activities). Specifications: docs/iati-import.md and docs/iati-export.md.
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
