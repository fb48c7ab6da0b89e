"""The rows a batch of events changes, kept in memory; each changed row is written once.

Handlers read rows through the changeset (one SELECT per row per batch at most), change them
as plain dicts, and append log-like rows. `flush` writes every table with one statement (an
upsert run with executemany, or COPY for many appended rows on PostgreSQL), so applying
thousands of events costs a few statements, not a few per event; on PostgreSQL a live batch's
statements go out pipelined, one round trip for the whole batch. Rows the handlers name up
front (`ReadModel.rows_wanted`) are read with one SELECT per table (`prefetch`), all of them in
one round trip on PostgreSQL. Reading happens outside the write transaction (see
ProjectionRunner), so the write lock is held only while flushing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from app.database import Row, Tx
from app.projection_engine.read_model import Table

Key = tuple[Any, ...]
PREFETCH_CHUNK = 500
"""Keys per prefetching SELECT (well inside either database's limit on parameters)."""
COPY_FROM = 500
"""Appended rows in a batch beyond which COPY (two round trips per table) beats INSERTs."""
Absent = Callable[[Table, Key], bool]
"""Tells the changeset a row cannot exist yet (a rebuild into empty tables), saving a SELECT."""
CachedRows = dict[Table, dict[Key, Row | None]]
"""Rows as last read or written, per table; may outlive a batch (see ProjectionRunner)."""
Reader = Callable[[], Tx]
"""The transaction rows are read in (opened on first use)."""


class Changeset:
    def __init__(
        self,
        reader: Reader,
        physical: Mapping[Table, str],
        absent: Absent | None = None,
        rows: CachedRows | None = None,
    ) -> None:
        self.reader = reader
        self.physical = physical
        """Where each table's rows are written (its name, or a scratch copy's)."""
        self._absent = absent
        self._rows = rows if rows is not None else {}
        for table in physical:
            self._rows.setdefault(table, {})
        self._dirty: dict[Table, set[Key]] = {table: set() for table in physical}
        self._appended: dict[Table, list[tuple[Any, ...]]] = {table: [] for table in physical}
        self._key_of = {table: _getter(table.key) for table in physical}
        self._values_of = {table: _getter(tuple(table.columns)) for table in physical}

    def row(self, table: Table, *key: Any) -> Row | None:
        """The row as this changeset sees it (None when there is none)."""
        rows = self._rows[table]
        if key not in rows and not self._known_absent(table, key):
            rows[key] = self._load(table, key)
        return rows[key]

    def prefetch(self, wanted: Mapping[Table, Iterable[Key]]) -> None:
        """Read the rows handlers are about to ask for, one SELECT per table for the batch
        instead of one per row (keys already known are not asked for again), all of them in
        one round trip on PostgreSQL."""
        chunks: list[tuple[Table, list[Key]]] = []
        for table, keys in wanted.items():
            rows = self._rows[table]
            missing = [
                k for k in dict.fromkeys(keys) if k not in rows and not self._known_absent(table, k)
            ]
            chunks += [
                (table, missing[start : start + PREFETCH_CHUNK])
                for start in range(0, len(missing), PREFETCH_CHUNK)
            ]
        if not chunks:
            return
        found_each = self.reader().all_each([self._select_many(t, keys) for t, keys in chunks])
        for (table, keys), found in zip(chunks, found_each, strict=True):
            by_key = {_text(self._key_of[table](row)): row for row in found}
            rows = self._rows[table]
            for key in keys:
                rows[key] = by_key.get(_text(key))

    def _known_absent(self, table: Table, key: Key) -> bool:
        """True (and cached as absent) when the key cannot exist yet, so no SELECT is owed."""
        if self._absent is not None and self._absent(table, key):
            self._rows[table][key] = None
            return True
        return False

    def _select_many(self, table: Table, keys: Sequence[Key]) -> tuple[str, list[Any]]:
        columns = ", ".join(table.key)
        one = "(" + ", ".join("?" * len(table.key)) + ")"
        sql = (
            f"SELECT * FROM {self.physical[table]} WHERE ({columns})"
            f" IN (VALUES {', '.join([one] * len(keys))})"
        )
        return sql, [value for key in keys for value in key]

    def put(self, table: Table, **values: Any) -> Row:
        """Insert or replace a whole row (missing columns are NULL)."""
        row = dict.fromkeys(table.columns)
        row.update(values)
        key = self._key_of[table](row)
        self._rows[table][key] = row
        self._dirty[table].add(key)
        return row

    def change(self, table: Table, key: Key, **changes: Any) -> Row | None:
        """Set columns of an existing row; returns it (None if there is no such row)."""
        row = self.row(table, *key)
        if row is not None:
            row.update(changes)
            self._dirty[table].add(key)
        return row

    def append(self, table: Table, **values: Any) -> None:
        """Add a row to an append-only table (every column given)."""
        self._appended[table].append(self._values_of[table](values))

    def mark(self, table: Table, row: Row) -> None:
        """`row` (from `row` or `put`) was changed in place."""
        self._dirty[table].add(self._key_of[table](row))

    @property
    def upserted(self) -> dict[Table, set[Key]]:
        """The keys inserted or replaced, per table."""
        return self._dirty

    def changed_tables(self) -> set[str]:
        """The logical names of the tables this changeset writes to."""
        return {t.name for t in self.physical if self._dirty[t] or self._appended[t]}

    def flush(self, tx: Tx) -> None:
        """Write every change: a live batch in one round trip (pipelined), the rows a big
        batch appends by COPY after it."""
        with tx.pipelined():
            self.write(tx)
        self.copy_appended(tx)

    def write(self, tx: Tx) -> None:
        """The upserts, and the appended rows unless there are enough for COPY (statements
        a `pipelined` block can carry)."""
        by_copy = self._by_copy()
        for table, physical in self.physical.items():
            dirty = self._dirty[table]
            if dirty:
                values_of, rows = self._values_of[table], self._rows[table]
                tx.executemany(
                    table.upsert_sql(physical),
                    [values_of(row) for k in dirty if (row := rows[k]) is not None],
                )
            if self._appended[table] and not by_copy:
                tx.insert(physical, list(table.columns), self._appended[table])

    def copy_appended(self, tx: Tx) -> None:
        """The appended rows `write` left for COPY (not inside a `pipelined` block)."""
        if self._by_copy():
            for table, rows in self._appended.items():
                if rows:
                    tx.copy(self.physical[table], list(table.columns), rows)

    def _by_copy(self) -> bool:
        return sum(len(rows) for rows in self._appended.values()) > COPY_FROM

    def _load(self, table: Table, key: Key) -> Row | None:
        where = " AND ".join(f"{c} = ?" for c in table.key)
        return self.reader().one(f"SELECT * FROM {self.physical[table]} WHERE {where}", key)


def _text(key: Key) -> tuple[str, ...]:
    """A key as text: a row read back matches the key a handler asked with (`5` and `"5"`)."""
    return tuple(str(value) for value in key)


def _getter(names: tuple[str, ...]) -> Callable[[Row], tuple[Any, ...]]:
    """Reads these columns of a row as a tuple (also for a single column)."""
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return itemgetter(*names)
