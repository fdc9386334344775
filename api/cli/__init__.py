"""The `ledger` command line: every command is registered in `api/cli/main.py`."""
