"""`python -m api.cli`: the same as `ledger`."""

from api.cli.main import main

main()
