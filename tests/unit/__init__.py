"""Unit tests: the domain, the folds and tallies, the IATI reader and writer, the audit chain and the
dashboard's pure parts: no database, no server, no process."""
