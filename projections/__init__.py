"""Projections: pure folds of the log, their durable stores, the catch-up runner, the audit chain."""
