"""A background thread that follows the event stream: it calls `step()` while there is work
and otherwise sleeps until new events are announced.

On SQLite, writers in this process wake it directly and other processes are noticed by
polling. On PostgreSQL it LISTENs for the store's NOTIFY, and one follower of each name
leads across all processes (a session advisory lock); the others stand by and take over
when the leader's connection goes away."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

import psycopg

from app.settings import DatabaseURL

log = logging.getLogger(__name__)


class Follower:
    def __init__(
        self,
        name: str,
        step: Callable[[], int],
        database: DatabaseURL,
        *,
        channel: str = "integrations_events",
        poll_interval: float = 0.5,
    ) -> None:
        self.name = name
        self._step = step
        self._database = database
        self._channel = channel
        self._poll_interval = poll_interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self.is_leader = database.kind == "sqlite"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._loop, name=f"follower-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        backoff = 0.05
        while not self._stopping.is_set():
            try:
                if not self._lead():
                    self._stopping.wait(1.0)
                    continue
                if self._step() == 0:
                    self._sleep()
                backoff = 0.05
            except Exception:
                log.exception("follower %s failed; retrying in %.1fs", self.name, backoff)
                self._disconnect()
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self._disconnect()

    def _lead(self) -> bool:
        if self._database.kind == "sqlite":
            return True
        if self._conn is None or self._conn.closed:
            self.is_leader = False
            self._conn = psycopg.connect(_conninfo(self._database), autocommit=True)
            self._conn.execute(f'LISTEN "{self._channel}"')
        if not self.is_leader:
            row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (_lock_key(self.name),))
            self.is_leader = bool(row.fetchone()[0])  # type: ignore[index]
            if self.is_leader:
                log.info("follower %s leads in this process", self.name)
        return self.is_leader

    def _sleep(self) -> None:
        if self._conn is None:
            self._wake.wait(self._poll_interval)
            self._wake.clear()
            return
        for _ in self._conn.notifies(timeout=min(self._poll_interval, 0.25), stop_after=1):
            break

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        self.is_leader = self._database.kind == "sqlite"
        if conn is not None and not conn.closed:
            conn.close()


def _lock_key(name: str) -> int:
    digest = hashlib.sha256(f"integrations-follower:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _conninfo(database: DatabaseURL) -> str:
    return psycopg.conninfo.make_conninfo(
        host=database.host,
        port=database.port,
        user=database.user,
        password=database.password or None,
        dbname=database.dbname,
        connect_timeout=5,
    )
