"""One PostgreSQL connection per process for what other processes announce, and for this
process's leadership locks.

It LISTENs on the channels its subscribers name (new events, projection progress) and calls
them with each payload, and it holds the session advisory locks of the followers in this
process that want to lead. Followers and waiters share it, so a process holds one connection
outside its pool however many followers it runs. When the connection drops, every lock goes
with it (the server releases them): `leads()` turns false at once and the listener reconnects
with backoff, taking the locks again if no other process took them meanwhile."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable

import psycopg

log = logging.getLogger(__name__)
Callback = Callable[[str], None]
WAIT = 0.25
LOCK_RETRY = 1.0
"""Seconds between attempts at a lock another process holds (how soon a follower takes over
from a leader that died), however many notifications arrive meanwhile."""
"""Seconds between lock attempts while no notification arrives."""


def lock_key(name: str) -> int:
    digest = hashlib.sha256(f"integrations-follower:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Listener:
    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._subscribers: dict[str, list[Callback]] = {}
        self._wanted: set[str] = set()
        self._held: set[str] = set()
        self._tried: set[str] = set()
        self._next_try = 0.0
        self._unwanted: set[str] = set()
        self._tries = threading.Condition()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()

    def subscribe(self, channel: str, callback: Callback) -> None:
        """Call `callback(payload)` for every notification on `channel` (from this thread:
        keep it quick)."""
        with self._lock:
            self._subscribers.setdefault(channel, []).append(callback)
        self._start()

    def want_lead(self, name: str) -> None:
        with self._lock:
            self._wanted.add(name)
        self._start()

    def leads(self, name: str) -> bool:
        return name in self._held

    def give_up(self, name: str) -> None:
        """Stop leading `name` (its lock is released on the listener's next round)."""
        with self._lock:
            self._wanted.discard(name)
            self._unwanted.add(name)

    def settle(self, names: set[str], timeout: float) -> None:
        """Wait until each of `names` was tried at least once (so `leads` means something)."""
        with self._tries:
            self._tries.wait_for(lambda: names <= self._tried, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._run, name="listener", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    self._listen(conn)
                    backoff = 0.1
                    self._serve(conn)
            except psycopg.Error as exc:
                log.warning("listener: %s; reconnecting in %.1fs", str(exc).strip(), backoff)
            finally:
                self._held.clear()
                self.connected.clear()
                self._broadcast()
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, 2.0)

    def _listen(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        for channel in list(self._subscribers):
            conn.execute(f'LISTEN "{channel}"')
        self.connected.set()

    def _serve(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        listening = set(self._subscribers)
        while not self._stopping.is_set():
            for channel in set(self._subscribers) - listening:
                conn.execute(f'LISTEN "{channel}"')
                listening.add(channel)
            self._take_locks(conn)
            for notice in conn.notifies(timeout=WAIT, stop_after=100):
                self._deliver(notice.channel, notice.payload)

    def _take_locks(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        with self._lock:
            unwanted, self._unwanted = self._unwanted, set()
        for name in unwanted & self._held:
            conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(name),))
            self._held.discard(name)
        retry = time.monotonic() >= self._next_try
        if retry:
            self._next_try = time.monotonic() + LOCK_RETRY
        for name in self._wanted - self._held:
            if not retry and name in self._tried:  # another process leads it: ask again later
                continue
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(name),)).fetchone()
            if row is not None and row[0]:
                self._held.add(name)
                log.info("%s is led from this process", name)
            with self._tries:
                self._tried.add(name)
                self._tries.notify_all()

    def _deliver(self, channel: str, payload: str) -> None:
        for callback in self._subscribers.get(channel, []):
            try:
                callback(payload)
            except Exception:
                log.exception("listener: a subscriber of %s failed", channel)

    def _broadcast(self) -> None:
        """After a disconnect, wake every subscriber: what they waited for may have passed."""
        for channel in list(self._subscribers):
            self._deliver(channel, "")
