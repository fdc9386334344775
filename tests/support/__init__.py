"""Helpers every tier shares: stores, histories, processes, servers and the small worlds tests build."""
