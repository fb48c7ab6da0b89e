"""A batch of events changes rows in memory; each changed row is written once at the end.

Handlers read rows through the batch (one SELECT per row per batch at most), change them as
plain dicts, and append log-like rows. `flush` writes every table with one statement (an
upsert run with executemany, or COPY for appends on PostgreSQL), so applying thousands of
events costs a few statements, not a few per event. Reading and writing take separate
transactions (see ProjectionRunner), so the write lock is held only while flushing."""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

import msgspec

from app.database import Row, Tx

Key = tuple[Any, ...]


class Table(msgspec.Struct, frozen=True):
    name: str
    columns: dict[str, str]
    """Column name -> SQL type and constraints, in order."""
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    append_only: bool = False
    """Rows are only ever inserted (logs, feeds)."""

    def ddl(self, physical: str) -> list[str]:
        columns = ", ".join(f"{name} {kind}" for name, kind in self.columns.items())
        return [f"CREATE TABLE IF NOT EXISTS {physical} ({columns},"
                f" PRIMARY KEY ({', '.join(self.key)}))", *self.index_ddl(physical)]

    def index_ddl(self, physical: str) -> list[str]:
        """The secondary indexes (a rebuild drops them and builds them again at the end)."""
        return [f"CREATE INDEX IF NOT EXISTS {physical}_ix{n} ON {physical} ({', '.join(index)})"
                for n, index in enumerate(self.indexes)]

    def drop_indexes_sql(self, physical: str) -> list[str]:
        return [f"DROP INDEX IF EXISTS {physical}_ix{n}" for n in range(len(self.indexes))]

    def upsert_sql(self, physical: str) -> str:
        names = list(self.columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in names if c not in self.key)
        return (f"INSERT INTO {physical} ({', '.join(names)}) VALUES"
                f" ({', '.join('?' * len(names))}) ON CONFLICT ({', '.join(self.key)})"
                f" DO UPDATE SET {updates}")


Absent = Callable[[str, Key], bool]
"""Tells the batch a row cannot exist yet (a rebuild into empty tables), saving a SELECT."""
Rows = dict[str, dict[Key, Row | None]]
"""Rows as last read or written, per table; may outlive a batch (see ProjectionRunner)."""


Reader = Callable[[], Tx]
"""The transaction rows are read in (opened on first use)."""


class Batch:
    def __init__(self, reader: Reader, tables: dict[str, Table], absent: Absent | None = None,
                 rows: Rows | None = None) -> None:
        self.reader = reader
        self.tables = tables
        self._absent = absent
        self._rows = rows if rows is not None else {}
        for name in tables:
            self._rows.setdefault(name, {})
        self._dirty: dict[str, set[Key]] = {name: set() for name in tables}
        self._appended: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}
        self._key_of = {name: _getter(table.key) for name, table in tables.items()}
        self._values_of = {name: _getter(tuple(table.columns)) for name, table in tables.items()}

    def row(self, table: str, *key: Any) -> Row | None:
        """The row as this batch sees it (None when there is none)."""
        rows = self._rows[table]
        if key not in rows:
            rows[key] = None if self._absent and self._absent(table, key) else self._load(
                table, key)
        return rows[key]

    def put(self, table: str, **values: Any) -> Row:
        """Insert or replace a whole row (missing columns are NULL)."""
        row = dict.fromkeys(self.tables[table].columns)
        row.update(values)
        key = self._key_of[table](row)
        self._rows[table][key] = row
        self._dirty[table].add(key)
        return row

    def change(self, table: str, key: Key, **changes: Any) -> Row | None:
        """Set columns of an existing row; returns it (None if there is no such row)."""
        row = self.row(table, *key)
        if row is not None:
            row.update(changes)
            self._dirty[table].add(key)
        return row

    def append(self, table: str, **values: Any) -> None:
        """Add a row to an append-only table (every column given)."""
        self._appended[table].append(self._values_of[table](values))

    def mark(self, table: str, row: Row) -> None:
        self._dirty[table].add(self._key_of[table](row))

    def flush(self, tx: Tx) -> dict[str, set[Key]]:
        """Write every change; returns the keys written per table."""
        for name, table in self.tables.items():
            dirty = self._dirty[name]
            if dirty:
                values_of, rows = self._values_of[name], self._rows[name]
                tx.executemany(table.upsert_sql(name),
                               [values_of(row) for k in dirty if (row := rows[k]) is not None])
            if self._appended[name]:
                tx.copy(name, list(table.columns), self._appended[name])
        return self._dirty

    def _load(self, table: str, key: Key) -> Row | None:
        where = " AND ".join(f"{c} = ?" for c in self.tables[table].key)
        return self.reader().one(f"SELECT * FROM {table} WHERE {where}", key)


def _getter(names: tuple[str, ...]) -> Callable[[Row], tuple[Any, ...]]:
    """Reads these columns of a row as a tuple (also for a single column)."""
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return itemgetter(*names)
