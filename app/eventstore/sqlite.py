"""SQLite for the event store: a pool sized by settings, whose connections overwrite what
they delete (`secure_delete`), so a shredded data key leaves no copy in the file once its
page is checkpointed (see `CredentialVault.sweep`)."""

from __future__ import annotations

import sqlite3

import eventsourcing.sqlite
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteDatastore
from eventsourcing.utils import Environment, EnvType


class SecureDeletePool(SQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        raw: sqlite3.Connection = connection._sqlite_conn
        raw.execute("PRAGMA secure_delete = ON")
        return connection


class SQLiteFactory(eventsourcing.sqlite.Factory):
    """The library's SQLite factory with a connection pool sized by `SQLITE_POOL_SIZE` (its
    own is fixed at 5 + 10, which concurrent requests exhaust) that deletes securely."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        size = int(self.env.get("SQLITE_POOL_SIZE") or 5)
        old = self.datastore
        self.datastore = SQLiteDatastore(
            db_name=old.pool.db_name,
            lock_timeout=old.pool.lock_timeout,
            single_row_tracking=old.single_row_tracking,
            originator_id_type=old.originator_id_type,
        )
        self.datastore.pool.close()
        self.datastore.pool = SecureDeletePool(
            db_name=old.pool.db_name,
            lock_timeout=old.pool.lock_timeout,
            pool_size=size,
            max_overflow=size,
        )
        old.close()
