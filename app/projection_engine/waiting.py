"""How far each live read model has got, as this process knows it: what a write waits for
before it answers (read-your-writes) and what status reports.

Positions arrive from this process's runner after every batch, from other processes'
announcements (PostgreSQL NOTIFY, heard by the listener), and, as a fallback, from the
tracking table, read at most every `poll` seconds while someone waits.

A thread waits with `wait_for`; a request on the event loop waits with `reached`, which holds
no thread: the position's arrival resolves its future, one wake-up of the loop for every
request a batch has answered."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence

import anyio.to_thread

from app.database import Database


class Progress:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._known: dict[str, int] = {}
        self._watched: list[str] = []
        self._changed = threading.Condition()
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        """Requests waiting on an event loop: (position, their loop, their future)."""
        self.listeners: list[Callable[[set[str] | None], None]] = []
        """Called when a position moves, with the tables that changed (None: not known); the
        sync workers look for runs to claim only when theirs did."""

    @property
    def watched(self) -> list[str]:
        return list(self._watched)

    def watch(self, names: Sequence[str]) -> None:
        """The tracking names writes wait for (the live generations)."""
        with self._changed:
            self._watched = list(names)
            self._changed.notify_all()
            self._answer_waiters()

    def heard(self, names: Sequence[str], position: int, changed: set[str] | None = None) -> None:
        with self._changed:
            moved = False
            for name in names:
                if position > self._known.get(name, -1):
                    self._known[name] = position
                    moved = True
            self._changed.notify_all()
            if moved:
                self._answer_waiters()
        for listener in self.listeners if moved else ():
            listener(changed)

    def position_of(self, name: str) -> int:
        if name not in self._known:
            self.read()
        return self._known.get(name, 0)

    def current(self) -> int:
        """The slowest live read model's position, read now."""
        positions = self.read()
        return min((positions.get(name, 0) for name in self._watched), default=0)

    def read(self) -> dict[str, int]:
        names = list(self._watched)
        if not names:
            return {}
        rows = self.db.all(
            "SELECT name, position FROM projection_tracking WHERE name IN"
            f" ({','.join('?' * len(names))})",
            names,
        )
        positions = {str(row["name"]): int(row["position"]) for row in rows}
        for name, position in positions.items():
            self.heard([name], position)
        return positions

    def wait_for(self, position: int, timeout: float, poll: float) -> bool:
        """Block until every watched read model has applied `position`, or `timeout`."""
        deadline = time.monotonic() + timeout
        next_poll = time.monotonic() + poll
        while True:
            with self._changed:
                self._changed.wait_for(
                    lambda: self._reached(position),
                    max(min(deadline, next_poll) - time.monotonic(), 0),
                )
                if self._reached(position):
                    return True
            now = time.monotonic()
            if now >= next_poll:
                next_poll = now + poll
                self.read()
            if now >= deadline:
                return False

    async def reached(self, position: int, timeout: float, poll: float) -> bool:
        """`wait_for` for a request on the event loop, holding no thread while it waits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with self._changed:
                if self._reached(position):
                    return True
                waiter = (position, loop, loop.create_future())
                self._waiters.append(waiter)
            remaining = deadline - loop.time()
            try:
                await asyncio.wait_for(waiter[2], max(min(poll, remaining), 0))
                return True
            except TimeoutError:
                if remaining <= poll:
                    return self._reached(position)
                await anyio.to_thread.run_sync(self.read)  # nothing heard: ask the table
            finally:
                with self._changed:
                    if waiter in self._waiters:
                        self._waiters.remove(waiter)

    def _answer_waiters(self) -> None:
        """Resolve the futures of requests whose position is reached (the lock is held): one
        call into each waiting loop, however many requests it answers."""
        answered: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        waiting = []
        for waiter in self._waiters:
            position, loop, future = waiter
            if self._reached(position):
                answered.setdefault(loop, []).append(future)
            else:
                waiting.append(waiter)
        self._waiters = waiting
        for loop, futures in answered.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits there now
                loop.call_soon_threadsafe(_resolve, futures)

    def _reached(self, position: int) -> bool:
        return bool(self._watched) and all(
            self._known.get(name, -1) >= position for name in self._watched
        )


def _resolve(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():  # a waiter that timed out has cancelled its future
            future.set_result(None)
