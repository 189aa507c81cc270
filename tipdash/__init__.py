"""Shared dashboard code: configuration, read-only warehouse access, queries, charts, maps, filters."""
