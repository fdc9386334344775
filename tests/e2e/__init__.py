"""End-to-end tests: real HTTP, a real browser, real processes and faults."""
