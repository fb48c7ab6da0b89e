"""PostgreSQL for the event store, configured deliberately.

The library builds its connection pool from host, port, user, password and database name
only; this factory gives the pool every parameter of `INTEGRATIONS_DATABASE_URL` (sslmode,
socket directories, …), a bounded size, a short acquire timeout and no pre-ping. Its
recorders fail fast instead of retrying for seconds: a request answers 503 within the
acquire timeout, and background followers back off on their own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import eventsourcing.postgres
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
)
from eventsourcing.utils import Environment, EnvType
from psycopg import Cursor
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row

CONNINFO = "POSTGRES_CONNINFO"
"""Environment key: the full libpq connection string (set by `bootstrap`)."""
ACQUIRE_TIMEOUT = "POSTGRES_ACQUIRE_TIMEOUT"
CONNECT_TIMEOUT = 5
"""Seconds to establish a new connection, unless the URL sets `connect_timeout`."""
RECONNECT_GIVE_UP = 2.0
"""The pool stops retrying a lost connection after this long (its backoff doubles up to
minutes otherwise); the next request that waits starts a fresh attempt at once, so service
returns within about a second of the database coming back."""


class Datastore(PostgresDatastore):
    """The library's datastore with a pool that uses the whole conninfo."""

    def __init__(self, conninfo: str, *, pool_size: int, acquire_timeout: float) -> None:
        params: dict[str, Any] = {
            k: v for k, v in conninfo_to_dict(conninfo).items() if v is not None
        }
        params.setdefault("connect_timeout", CONNECT_TIMEOUT)
        super().__init__(
            dbname=str(params.get("dbname", "")),
            host=str(params.get("host", "")),
            port=str(params.get("port", "")),
            user=str(params.get("user", "")),
            password=str(params.get("password", "")),
            connect_timeout=acquire_timeout,
            pool_size=1,
            max_overflow=max(pool_size - 1, 0),
            pre_ping=False,
        )
        self.pool.kwargs = {**params, "row_factory": dict_row}
        self.pool.max_idle = 300.0
        self.pool.reconnect_timeout = RECONNECT_GIVE_UP

    @contextmanager
    def transaction(self, *, commit: bool = False) -> Iterator[Cursor[DictRow]]:
        """The library's reads end in COMMIT here, not ROLLBACK: psycopg answers a ROLLBACK
        by dropping every statement it prepared on the connection (`DEALLOCATE ALL`), so
        each checkout would lose its prepared plans. The library's reads write nothing."""
        with self.get_connection() as conn, conn.transaction():
            yield conn.cursor()


class SnapshotRecorder(PostgresAggregateRecorder):
    """The library's methods without its ten attempts 0.2 s apart."""

    insert_events = PostgresAggregateRecorder.insert_events.__wrapped__
    select_events = PostgresAggregateRecorder.select_events.__wrapped__


class FailFast:
    """The application recorder's methods without the library's retries."""

    insert_events = PostgresApplicationRecorder.insert_events.__wrapped__
    select_events = PostgresAggregateRecorder.select_events.__wrapped__
    select_notifications = PostgresApplicationRecorder.select_notifications.__wrapped__
    max_notification_id = PostgresApplicationRecorder.max_notification_id.__wrapped__


class PostgresFactory(eventsourcing.postgres.Factory):
    def __init__(self, env: Environment | EnvType | None) -> None:
        InfrastructureFactory.__init__(self, env)  # the base would build its own pool
        self.datastore = Datastore(
            self.env[CONNINFO],
            pool_size=int(self.env.get(self.POSTGRES_POOL_SIZE) or 5),
            acquire_timeout=float(self.env.get(ACQUIRE_TIMEOUT) or 1.0),
        )

    aggregate_recorder_class = SnapshotRecorder
