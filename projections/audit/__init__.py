"""The audit trail: hash chain, signed checkpoints, the audit projection and store, verify, backup and restore."""
