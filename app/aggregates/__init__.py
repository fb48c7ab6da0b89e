"""Aggregates: state, events and invariants. No I/O, no HTTP, no SQL."""
