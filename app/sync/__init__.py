"""The sync worker: follows the event stream, runs requested syncs, records their outcome,
and abandons runs that stopped making progress."""
