"""The audit trail, one public module each: `chain` (the hash chain over the stored events), `checkpoints` (signed
checkpoints and the signing key), `projection` (the audit projection keeping the chain and signing checkpoints as
the log grows), `store` (the stored log, chain and checkpoints as an auditor reads them), `records` (stored events
decoded for people), `log_format` (the exported log's JSON Lines), `verify` (verification of any log),
`verify_store` (verification of the database), `backup` (export and verification of a file) and `restore` (an
export written back into an empty store). Names starting with `_` are private to their module. Specifications:
docs/auditors.md and docs/audit-verify.md.
"""
