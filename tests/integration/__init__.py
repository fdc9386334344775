"""Integration tests: the stores, the runner and the views on SQLite and PostgreSQL."""
