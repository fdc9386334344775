"""The audit trail, one public module each. Names starting with `_` are private to their module.

The evidence: `chain` (the hash chain over the stored events), `checkpoints` (signed, linked checkpoints and the
signing key), `projection` (the audit projection keeping the chain and signing checkpoints as the log grows),
`seals` / `sealing` / `seal_upgrade` (the writer's seal on every record it writes, so the checkpointer never signs a
row written behind the application; docs/seals.md).

Reading it: `store` (the stored log, chain and checkpoints as an auditor reads them), `readonly` (the database
opened so that nothing can be written), `records` (stored events decoded for people), `log_format` (the exported
log's JSON Lines), `accepted` (unsigned ranges a restore accepted).

Judging it: `verify` (verification of any log), `verify_store` (of the database and of an export, with what the
verdict needs), `verdict` (exit codes 0 proven, 1 tampered, 2 unreadable, 3 not proven, with reasons), `witness` /
`witness_store` (an auditor's own copy, synced and compared).

Moving it: `backup` (export and one pass over a file), `proof` (what a file proves before a restore), `restore` (an
export written back into an empty store). Specifications: docs/auditors.md, docs/audit-verify.md, docs/seals.md.
"""
