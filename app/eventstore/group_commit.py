"""Group commit: commands that save at the same moment share one transaction.

Every append to the store takes the events table's lock and waits for a durable commit, so
commands arriving together would queue on the lock one by one. Here the first one to arrive
becomes the leader: it takes every save waiting at that moment, inserts their events and
statements in one transaction (one lock, one fsync), and hands each its own positions; the
others wait for it. If the group fails on a conflict (a stream version taken, a statement's
constraint), the leader retries each member alone, so only the member that really collided
sees `ConcurrentWrite`. The library's guarantee holds: the table lock stays, so no reader
ever passes over a position that commits later."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError

from app.eventstore.statements import Statement

MAX_GROUP = 64
"""Saves per transaction at most (a bound on how long one commit holds the lock)."""


class Pending:
    """One save waiting for its transaction."""

    __slots__ = ("aggregates", "done", "error", "events", "positions", "statements")

    def __init__(
        self, aggregates: Sequence[Any], events: list[Any], statements: Sequence[Statement]
    ) -> None:
        self.aggregates, self.events, self.statements = aggregates, events, statements
        self.positions: list[int] = []
        self.error: BaseException | None = None
        self.done = False


Commit = Callable[[Sequence[Pending]], list[int]]
"""Insert these saves in one transaction; the positions of all their events, in order."""


class GroupCommitter:
    def __init__(self, commit: Commit) -> None:
        self._commit = commit
        self._queue: list[Pending] = []
        self._leading = False
        self._changed = threading.Condition()
        self.transactions = 0
        """Transactions committed (tests count them)."""

    def submit(self, pending: Pending) -> list[int]:
        """Save `pending` (in a group if others are waiting); its events' positions."""
        with self._changed:
            self._queue.append(pending)
        while (group := self._lead_or_wait(pending)) is not None:
            try:
                self._run(group)
            finally:
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()
        if pending.error is not None:
            raise pending.error
        return pending.positions

    def _lead_or_wait(self, pending: Pending) -> list[Pending] | None:
        """Wait while another leads; then, if `pending` is not saved yet, lead the next
        group (which holds it, unless more than MAX_GROUP were queued before it)."""
        with self._changed:
            while not pending.done and self._leading:
                self._changed.wait()
            if pending.done:
                return None
            self._leading = True
            group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
            return group

    def _run(self, group: list[Pending]) -> None:
        try:
            positions = self._commit(group)
        except IntegrityError as exc:
            if len(group) == 1:
                self._fail(group, exc)
            else:  # find the member that collided; the others commit
                for member in group:
                    self._run([member])
            return
        except BaseException as exc:
            self._fail(group, exc)
            return
        self.transactions += 1
        offset = 0
        for member in group:
            member.positions = positions[offset : offset + len(member.events)]
            offset += len(member.events)
            member.done = True

    def _fail(self, group: list[Pending], exc: BaseException) -> None:
        for member in group:
            member.error, member.done = exc, True
