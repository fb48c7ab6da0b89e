"""The projection engine: applies the event stream to read models exactly once.

Read models (`app/projections/`) declare tables and handlers; this package owns everything
else: the changeset a batch of events writes through, the runner that commits rows with their
tracking position, the followers that wake it, rebuild and verify."""
