"""How far each live read model has got, as this process knows it: what a write waits for
before it answers (read-your-writes) and what status reports.

Positions arrive from this process's runner after every batch, from other processes'
announcements (PostgreSQL NOTIFY, heard by the listener), and, as a fallback, from the
tracking table, read at most every `poll` seconds while someone waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from app.database import Database


class Progress:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._known: dict[str, int] = {}
        self._watched: list[str] = []
        self._changed = threading.Condition()
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

    def heard(self, names: Sequence[str], position: int, changed: set[str] | None = None) -> None:
        with self._changed:
            moved = False
            for name in names:
                if position > self._known.get(name, -1):
                    self._known[name] = position
                    moved = True
            self._changed.notify_all()
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

    def _reached(self, position: int) -> bool:
        return bool(self._watched) and all(
            self._known.get(name, -1) >= position for name in self._watched
        )
