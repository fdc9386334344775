"""Unit tests: the domain, the IATI reader and writer, the audit chain: no database, no server."""
