"""Every table the service needs, created once even when many processes start together.

On PostgreSQL a session advisory lock, taken on a connection of its own, serialises the
library's event-store DDL and ours (concurrent `CREATE TABLE IF NOT EXISTS` can fail with
"tuple concurrently updated"); processes that wait find the tables made and create nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from app.database import Database, Tx
from app.eventstore import EventStore
from app.settings import DatabaseURL

SCHEMA_LOCK = int.from_bytes(
    hashlib.sha256(b"integrations-schema").digest()[:8], "big", signed=True
)


def create_schema(
    events: EventStore, db: Database, database: DatabaseURL, read_side: Callable[[Tx, bool], None]
) -> None:
    """Create the event store's tables, then the read side's (`read_side(tx, empty)`, told
    whether the store holds no event yet)."""
    with _serialised(database):
        recorders: list[Any] = [events.recorder]
        if events.snapshots is not None:
            recorders.append(events.snapshots.recorder)
        for recorder in recorders:
            recorder.create_table()
        empty = events.max_position() == 0
        with db.transaction(write=True) as tx:
            read_side(tx, empty)


@contextmanager
def _serialised(database: DatabaseURL) -> Iterator[None]:
    if database.kind == "sqlite":
        yield
        return
    with psycopg.connect(database.conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
