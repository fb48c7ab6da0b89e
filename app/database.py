"""Read tables share the event store's connection pool. SQL is written once with `?`
placeholders and runs on SQLite and PostgreSQL; this module hides the few differences."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Literal

import msgspec
import psycopg
from eventsourcing.persistence import OperationalError
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from app.eventstore.statements import Statement, postgres_sql

Row = dict[str, Any]
Dialect = Literal["sqlite", "postgres"]


class Tx:
    """One open transaction (or, from `Database.reading`, a connection whose statements each
    commit). Statements use `?` placeholders on both databases."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self.dialect = dialect
        self._pipelined = False

    def _sql(self, sql: str) -> str:
        return _to_postgres(sql) if self.dialect == "postgres" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._sql(sql), tuple(params))

    def run(self, statement: Statement) -> None:
        self.execute(statement.sql, statement.params)

    def tables(self) -> list[str]:
        """The tables that exist now."""
        if self.dialect == "postgres":
            rows = self.all(
                "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
            )
        else:
            rows = self.all("SELECT name FROM sqlite_master WHERE type = 'table'")
        return [str(row["name"]) for row in rows]

    def columns(self, table: str) -> set[str]:
        """The columns a table has now."""
        if self.dialect == "postgres":
            rows = self.all(
                "SELECT column_name AS name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
        else:
            rows = self.all(f"SELECT name FROM pragma_table_info('{table}')")
        return {str(row["name"]) for row in rows}

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        return int(getattr(self._cursor, "sqlite_cursor", self._cursor).rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        if rows:
            self._cursor.executemany(self._sql(sql), rows)

    def counted(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], int]:
        """Execute on a cursor of its own; the function returned tells how many rows the
        statement changed (inside a `pipelined` block, ask once the block has ended)."""
        if self.dialect == "postgres":
            cursor = self._cursor.connection.cursor()
            cursor.execute(self._sql(sql), tuple(params))
            return lambda: int(cursor.rowcount)
        self.execute(sql, params)
        count = self.rowcount
        return lambda: count

    @contextmanager
    def pipelined(self) -> Iterator[None]:
        """On PostgreSQL, send the block's statements without waiting for each answer (one
        round trip at the end; an error surfaces there). A block inside another one is part
        of it. Nothing to gain on SQLite."""
        if self.dialect != "postgres" or self._pipelined:
            yield
            return
        self._pipelined = True
        try:
            with self._cursor.connection.pipeline():
                yield
        finally:
            self._pipelined = False

    def all_each(self, queries: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Row]]:
        """The rows of each query; on PostgreSQL all of them in one round trip."""
        if self.dialect != "postgres" or len(queries) < 2:
            return [self.all(sql, params) for sql, params in queries]
        connection = self._cursor.connection
        cursors = [connection.cursor() for _ in queries]
        with self.pipelined():
            for cursor, (sql, params) in zip(cursors, queries, strict=True):
                cursor.execute(self._sql(sql), tuple(params))
        return [[dict(row) for row in cursor.fetchall()] for cursor in cursors]

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert many rows: COPY on PostgreSQL (not inside `pipelined`), executemany on
        SQLite."""
        names = ", ".join(columns)
        if self.dialect == "postgres":
            with self._cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self.insert(table, columns, rows)

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert rows with one INSERT each (pipelined on PostgreSQL by `executemany`)."""
        marks = ", ".join("?" * len(columns))
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self.execute(sql, params)
        row = self._cursor.fetchone()
        return None if row is None else dict(row)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.execute(sql, params)
        return [dict(row) for row in self._cursor.fetchall()]

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))


class Database:
    def __init__(self, datastore: SQLiteDatastore | PostgresDatastore) -> None:
        self.datastore = datastore
        self.dialect: Dialect = "postgres" if isinstance(datastore, PostgresDatastore) else "sqlite"

    @contextmanager
    def transaction(self, *, write: bool = False, discard: bool = False) -> Iterator[Tx]:
        """A transaction; `write` ones take SQLite's write lock when they begin; `discard`
        ones roll back whatever the block wrote (a probe). On PostgreSQL a read ends in
        COMMIT, not ROLLBACK: psycopg answers a ROLLBACK by dropping every statement it has
        prepared on the connection (`DEALLOCATE ALL`), which would cost every later query
        its prepared plan."""
        if isinstance(self.datastore, PostgresDatastore):
            with (
                self.datastore.get_connection() as conn,
                conn.transaction(force_rollback=discard),
                conn.cursor() as cursor,
            ):
                yield Tx(cursor, "postgres")
        else:
            with self.datastore.get_connection(commit=write) as sqlite_conn:
                yield from _sqlite_transaction(sqlite_conn, write)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """For reads only. On PostgreSQL no transaction: each statement sees what was
        committed when it began, as it would in a READ COMMITTED transaction, without the
        `BEGIN` and `COMMIT` round trips. On SQLite a read transaction."""
        if isinstance(self.datastore, PostgresDatastore):
            with self.datastore.get_connection() as conn, conn.cursor() as cursor:
                yield Tx(cursor, "postgres")
        else:
            with self.transaction() as tx:
                yield tx

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.reading() as tx:
            return tx.all(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self.reading() as tx:
            return tx.one(sql, params)

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.reading() as tx:
            return tx.value(sql, params)

    def run(self, statement: Statement) -> None:
        with self.transaction(write=True) as tx:
            tx.run(statement)

    def compact(self, table: str) -> bool:
        """Leave no copy of `table`'s deleted rows where the database allows it: SQLite
        (which zeroed them, `secure_delete`) checkpoints and truncates its WAL; PostgreSQL
        vacuums the table. False when SQLite could not finish yet (readers active)."""
        if isinstance(self.datastore, PostgresDatastore):
            with self.datastore.get_connection() as conn:
                conn.execute(f"VACUUM {table}")
            return True
        with self.datastore.get_connection(commit=True) as conn:
            raw: sqlite3.Connection = conn._sqlite_conn
            timeout = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            raw.execute("PRAGMA busy_timeout = 0")  # give way to everyone else; retried later
            try:
                busy = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                raw.execute(f"PRAGMA busy_timeout = {int(timeout)}")
        return bool(busy == 0)


def _sqlite_transaction(conn: Any, write: bool) -> Iterator[Tx]:
    """A write transaction takes the write lock when it begins (`BEGIN IMMEDIATE`, waiting
    for it as long as the busy timeout allows): one that read first and wrote later could
    otherwise be refused at once when another connection wrote in between."""
    raw: sqlite3.Connection = conn._sqlite_conn
    try:
        raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    except sqlite3.OperationalError as exc:
        raise OperationalError(exc) from exc
    try:
        yield Tx(conn.cursor(), "sqlite")
    except BaseException:
        raw.rollback()
        raise
    if write:
        raw.commit()
    else:
        raw.rollback()


UNAVAILABLE: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)
"""What says the database could not be reached or was busy (PoolTimeout is an
OperationalError), as opposed to a statement it refused."""


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc`, or what it wraps, says the database is unreachable or busy."""
    return _in_chain(exc, UNAVAILABLE)


REFUSALS: tuple[type[BaseException], ...] = (
    psycopg.DataError,
    psycopg.IntegrityError,
    sqlite3.IntegrityError,
    sqlite3.DataError,
    sqlite3.InterfaceError,
    OverflowError,
    ValueError,
    TypeError,
)
"""What says the database refused a value (too large, NUL, a duplicate key), as opposed to
being unreachable or missing a table."""
DATABASE_ERRORS: tuple[type[BaseException], ...] = (psycopg.Error, sqlite3.Error)


def is_refusal(exc: BaseException) -> bool:
    """True when `exc`, or what it wraps, is the database refusing a value."""
    return _in_chain(exc, REFUSALS)


def is_database_error(exc: BaseException) -> bool:
    return _in_chain(exc, DATABASE_ERRORS) or type(exc).__module__ == "eventsourcing.persistence"


def _in_chain(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kinds):
            return True
        seen = seen.__cause__
    return False


def json_text(value: Any) -> str:
    """JSON columns are TEXT on both databases (bytes would become bytea on PostgreSQL)."""
    return _encode(value).decode()


_encode = msgspec.json.Encoder().encode


@lru_cache(maxsize=1024)
def _to_postgres(sql: str) -> str:
    return postgres_sql(sql)
