"""Who works on what: one process at a time leads each read model version.

On PostgreSQL leadership is a session advisory lock held by the process's `Listener`; on
SQLite (one box) it is an exclusive `flock` on a file beside the database. Either way the
lock goes when its process does, and a stand-by takes over."""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from typing import Protocol

from app.projection_engine.listener import Listener


class Leadership(Protocol):
    def want(self, key: str) -> None: ...

    def leads(self, key: str) -> bool: ...

    def settle(self, keys: set[str], timeout: float) -> None:
        """Wait until these keys' locks were tried (leading may be decided elsewhere)."""

    def give_up(self, key: str) -> None: ...

    def release(self) -> None: ...


class AdvisoryLocks:
    def __init__(self, listener: Listener) -> None:
        self.listener = listener

    def want(self, key: str) -> None:
        self.listener.want_lead(key)

    def leads(self, key: str) -> bool:
        return self.listener.leads(key)

    def settle(self, keys: set[str], timeout: float) -> None:
        self.listener.settle(keys, timeout)

    def give_up(self, key: str) -> None:
        self.listener.give_up(key)

    def release(self) -> None:
        """The listener's connection holds the locks; closing it releases them."""


class FileLocks:
    """`flock`s on `<database>.lead-<hash>` files: exclusive between processes, and
    between two `Services` of one process (each opens its own file)."""

    def __init__(self, database_path: str) -> None:
        self.base = database_path
        self._held: dict[str, int] = {}

    def want(self, key: str) -> None:
        if key in self._held:
            return
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        path = Path(f"{self.base}.lead-{digest}")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return
        self._held[key] = fd

    def leads(self, key: str) -> bool:
        self.want(key)
        return key in self._held

    def settle(self, keys: set[str], timeout: float) -> None:
        """Taking a file lock is immediate."""

    def give_up(self, key: str) -> None:
        fd = self._held.pop(key, None)
        if fd is not None:
            os.close(fd)

    def release(self) -> None:
        for fd in self._held.values():
            os.close(fd)
        self._held.clear()
