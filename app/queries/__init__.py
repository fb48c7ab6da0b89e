"""Queries: one question per module, answered from projection tables with typed results."""
