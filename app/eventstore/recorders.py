"""Application recorders that also run `Statement`s inside the transaction that inserts
events, so a key-store change or a tracking position commits with them or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow

from app.eventstore.statements import Statement


class SQLiteRecorder(SQLiteApplicationRecorder):
    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        statements: Sequence[Statement] = kwargs.get("statements", ())
        for statement in statements:
            c.execute(statement.sql, tuple(statement.params))
        return super()._insert_events(c, stored_events, **kwargs)


class PostgresRecorder(PostgresApplicationRecorder):
    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        statements: Sequence[Statement] = kwargs.get("statements", ())
        for statement in statements:
            curs.execute(statement.for_postgres(), tuple(statement.params))  # type: ignore[arg-type]
        super()._insert_events(curs, stored_events, **kwargs)
