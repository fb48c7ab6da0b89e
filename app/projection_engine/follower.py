"""A background thread that follows the event stream: it calls `step()` while there is work
and otherwise sleeps until new events are announced.

Writers in this process wake it directly. On PostgreSQL the process's `Listener` wakes it
when another process appends, and decides whether it leads (one follower of each name across
all processes, by a session advisory lock on the listener's connection); a follower that does
not lead stands by. On SQLite (one box) other processes are noticed by polling."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.projection_engine.listener import Listener

log = logging.getLogger(__name__)
EVENTS_CHANNEL = "integrations_events"
"""Where the event store announces appends (the library's NOTIFY, named after its table)."""


class Follower:
    def __init__(
        self,
        name: str,
        step: Callable[[], int],
        listener: Listener | None,
        *,
        lead: bool = True,
        poll_interval: float = 0.5,
    ) -> None:
        self.name = name
        self._step = step
        self._listener = listener
        self._lead = lead and listener is not None
        self._poll_interval = poll_interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return not self._lead or (self._listener is not None and self._listener.leads(self.name))

    def start(self) -> None:
        if self._listener is not None:
            self._listener.subscribe(EVENTS_CHANNEL, lambda _: self._wake.set())
            if self._lead:
                self._listener.want_lead(self.name)
        self._thread = threading.Thread(
            target=self._loop, name=f"follower-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self, *_: object) -> None:
        self._wake.set()

    def _loop(self) -> None:
        backoff = 0.05
        while not self._stopping.is_set():
            try:
                if self.is_leader and self._step() > 0:
                    backoff = 0.05
                    continue
                self._sleep()
                backoff = 0.05
            except Exception:
                log.exception("follower %s failed; retrying in %.1fs", self.name, backoff)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 2.0)

    def _sleep(self) -> None:
        self._wake.wait(self._poll_interval)
        self._wake.clear()
