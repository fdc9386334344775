"""End-to-end: IATI files imported and exported over HTTP and through the real `ledger` command."""
