"""Persistence: the SQLite catalog (source of truth) and usearch indexes derived from it."""
