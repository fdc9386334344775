"""End-to-end: the audit trail as an auditor meets it: over HTTP, and through the real `ledger` commands."""
