"""Application recorders that also run `Statement`s inside the transaction that inserts
events, so a key-store change or a tracking position commits with them or not at all; they
can also read events by position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from app.eventstore.postgres import FailFast
from app.eventstore.replay import Row
from app.eventstore.statements import Statement


class SQLiteRecorder(SQLiteApplicationRecorder):
    def select_rows(self, after: int, limit: int, stop: int | None = None) -> list[Row]:
        """Events after a position as plain tuples (see replay.py)."""
        bound = "" if stop is None else f" AND rowid <= {int(stop)}"
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None
            cursor.execute(
                "SELECT rowid, originator_id, originator_version, topic, state"
                f" FROM {self.events_table_name} WHERE rowid > ?{bound}"
                " ORDER BY rowid LIMIT ?",
                (after, limit),
            )
            return cursor.fetchall()

    def select_notifications_at(self, positions: Sequence[int]) -> list[Notification]:
        """The events at these positions (for indexes that point into the store)."""
        if not positions:
            return []
        marks = ",".join("?" * len(positions))
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, * FROM {self.events_table_name} WHERE rowid IN ({marks})"
                " ORDER BY rowid",
                list(positions),
            )
            return [
                Notification(
                    id=row["rowid"],
                    originator_id=self.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in c.fetchall()
            ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        statements: Sequence[Statement] = kwargs.get("statements", ())
        for statement in statements:
            c.execute(statement.sql, tuple(statement.params))
        return super()._insert_events(c, stored_events, **kwargs)


class PostgresRecorder(FailFast, PostgresApplicationRecorder):
    def select_rows(self, after: int, limit: int, stop: int | None = None) -> list[Row]:
        """Events after a position as plain tuples (see replay.py)."""
        bound = SQL("") if stop is None else SQL(" AND notification_id <= {0}").format(int(stop))
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state"
            " FROM {0}.{1} WHERE notification_id > %s{2}"
            " ORDER BY notification_id LIMIT %s"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name), bound)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, (after, limit))
            return curs.fetchall()

    def select_notifications_at(self, positions: Sequence[int]) -> list[Notification]:
        """The events at these positions (for indexes that point into the store)."""
        if not positions:
            return []
        statement = SQL(
            "SELECT * FROM {0}.{1} WHERE notification_id = ANY(%s) ORDER BY notification_id"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (list(positions),))
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        statements: Sequence[Statement] = kwargs.get("statements", ())
        for statement in statements:
            curs.execute(statement.for_postgres(), tuple(statement.params))
        super()._insert_events(curs, stored_events, **kwargs)
