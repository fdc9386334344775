"""`ledger demo`: a realistic, fictitious data set loaded through the domain."""
