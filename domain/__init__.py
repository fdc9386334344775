"""The ledger's domain: aggregates, events, reference codelists and the Ledger application."""
