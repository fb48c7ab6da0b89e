"""Reads on the request path: one statement, no transaction around it, no thread hop.

On PostgreSQL an asyncio connection pool in autocommit mode sends each query as one round
trip (psycopg prepares a statement after it has run a few times on a connection, and no
rollback ever throws the prepared statements away). On SQLite, whose reads take
microseconds and never wait for writers (WAL), the query runs right in the event loop on a
connection of its own. Every read endpoint answers from one such statement; the read models
are shaped for it."""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from app.database import Dialect, Row, _to_postgres
from app.settings import Settings


class Reads(ABC):
    """One statement per call; `one` is the first row of `all`."""

    dialect: Dialect

    @abstractmethod
    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.all(sql, params)
        return rows[0] if rows else None

    async def open(self) -> None:  # noqa: B027 (most stores need no opening)
        """Ready the connections (a pool opens in the background)."""

    @abstractmethod
    async def close(self) -> None: ...


class PostgresReads(Reads):
    dialect = "postgres"

    def __init__(self, conninfo: str, size: int, acquire_timeout: float) -> None:
        self.pool: AsyncConnectionPool[AsyncConnection[Row]] = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=size,
            open=False,
            timeout=acquire_timeout,
            max_idle=300.0,
            reconnect_timeout=2.0,
            connection_class=AsyncConnection[Row],
            kwargs={"autocommit": True, "row_factory": dict_row},
        )

    async def open(self) -> None:
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(_to_postgres(sql), tuple(params))
            return await cursor.fetchone()

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(_to_postgres(sql), tuple(params))
            return await cursor.fetchall()


class SQLiteReads(Reads):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        """Apps of one process (tests) may share these reads from several event loops."""

    async def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Opens its connection on first use (the database file may not exist before)."""
        with self._lock:
            cursor = self._connection().execute(sql, tuple(params))
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=5
            )
        return self._conn


def reads_for(settings: Settings) -> Reads:
    database = settings.database
    if database.kind == "sqlite":
        return SQLiteReads(database.path)
    return PostgresReads(
        database.conninfo(), settings.db_read_pool_size, settings.db_acquire_timeout
    )
