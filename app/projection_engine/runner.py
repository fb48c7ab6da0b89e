"""Applies events to projections exactly once: each batch of events and the new tracking
positions commit in one transaction, so a killed runner resumes where it stopped.

Rows read or written stay cached between batches: the tracking check at the start of every
batch proves that no other runner changed these tables since, and any conflict or failure
drops the cache. After `reset()` the runner also knows every row it has written, so it need
not ask the database about rows that cannot exist yet (fast rebuilds)."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import cache
from itertools import islice
from typing import Any

from app.database import Database, Tx
from app.eventstore import EventStore
from app.projection_engine.changeset import CachedRows, Changeset, Key
from app.projection_engine.read_model import ReadModel, Table

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)
Progress = Callable[[int, int], None]
PROGRESS_CHANNEL = "integrations_projections"
"""Where a live runner announces, in the transaction that advances it, how far it got."""
POLL = 0.05
REBUILD_CACHE = 200_000


def start_tracking(tx: Tx, name: str) -> None:
    """Give a follower of the stream (projection or worker) its position, from the start."""
    tx.execute(
        "INSERT INTO projection_tracking (name, position) VALUES (?, 0)"
        " ON CONFLICT (name) DO NOTHING",
        (name,),
    )


@contextmanager
def bulk_replay() -> Iterator[None]:
    """A replay keeps many objects alive (batches, cached rows); collecting garbage less
    often spares it repeated full-heap scans (about 15% of a rebuild's time)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


class PositionsMoved(Exception):
    """Another runner committed first; this batch was not applied."""


class ProjectionRunner:
    def __init__(
        self,
        store: EventStore,
        db: Database,
        read_models: Sequence[ReadModel],
        *,
        batch_size: int = 500,
        prefix: str = "",
        announce: bool = False,
    ) -> None:
        self.store = store
        self.db = db
        self.read_models = list(read_models)
        self.batch_size = batch_size
        self.prefix = prefix
        """Written under `prefix + name` (verify rebuilds into scratch copies)."""
        self.announce = announce
        """NOTIFY `PROGRESS_CHANNEL` with each new position (PostgreSQL; the live runner)."""
        self.physical = {table: prefix + table.name for m in self.read_models for table in m.tables}
        self._positions: dict[str, int] | None = None
        self._written: dict[Table, set[Key]] | None = None
        """While replaying into emptied tables: every key written so far, per table."""
        self._rows: CachedRows = {}
        self.cache_limit = 20_000
        """Rows kept between batches (raised for rebuilds, which touch many rows)."""
        self._published = 0
        self._changed = threading.Condition()

    @property
    def names(self) -> list[str]:
        """Tracking names, one per read model."""
        return [self.prefix + m.name for m in self.read_models]

    def create_tables(self, tx: Tx) -> None:
        tx.execute(TRACKING_DDL)
        for table, physical in self.physical.items():
            for statement in table.ddl(physical):
                tx.execute(statement)
        for name in self.names:
            start_tracking(tx, name)

    def read_positions(self, tx: Tx | None = None) -> dict[str, int]:
        marks = ",".join("?" * len(self.names))
        sql = f"SELECT name, position FROM projection_tracking WHERE name IN ({marks})"
        rows = tx.all(sql, self.names) if tx else self.db.all(sql, self.names)
        found = {row["name"]: int(row["position"]) for row in rows}
        return {name: found.get(name, 0) for name in self.names}

    def position(self) -> int:
        """How far every projection of this runner has got (the slowest one)."""
        return min(self.read_positions().values(), default=0)

    def step(self, stop: int | None = None) -> int:
        """Apply the next batch (up to `stop`); return how many events it held."""
        positions = self._positions or self.read_positions()
        events = self.store.replay(min(positions.values()), self.batch_size, stop)
        if not events:
            self._publish(min(positions.values()))
            self._written = None
            return 0
        last = events[-1][0]
        try:
            changes = self._apply(events, positions)
            with self.db.transaction(write=True) as tx:
                written = self._commit(tx, changes, positions, last)
        except PositionsMoved:
            self._forget()
            return 1
        except BaseException:
            self._forget()
            raise
        if sum(len(rows) for rows in self._rows.values()) > self.cache_limit:
            self._evict_oldest_half()
        if self._written is not None:
            for table, keys in written.items():
                self._written.setdefault(table, set()).update(keys)
        self._positions = dict.fromkeys(positions, last)
        self._publish(last)
        return len(events)

    def catch_up(self, stop: int | None = None, progress: Progress | None = None) -> int:
        """Run batches until the head of the stream (or `stop`) is reached."""
        total = 0
        head = stop if stop is not None else self.store.max_position()
        while (count := self.step(stop)) > 0:
            total += count
            if progress is not None:
                progress(self._published, head)
        return total

    def reset(self) -> None:
        """Empty the read tables and rewind tracking, in one transaction."""
        with self.db.transaction(write=True) as tx:
            for physical in self.physical.values():
                tx.execute(f"DELETE FROM {physical}")
            for name in self.names:
                tx.execute("UPDATE projection_tracking SET position = 0 WHERE name = ?", (name,))
        self._forget()
        self._positions = dict.fromkeys(self.names, 0)  # a follower's batch since is noticed
        self._written = {}
        self.cache_limit = max(self.cache_limit, REBUILD_CACHE)

    @contextmanager
    def indexes_deferred(self) -> Iterator[None]:
        """Replay into tables without their secondary indexes, then build each index once
        (a sort) rather than inserting into it row by row. A replay that dies leaves them to
        the next start (`create_tables`); queries work meanwhile, only slower."""
        with self.db.transaction(write=True) as tx:
            for table, physical in self.physical.items():
                for statement in table.drop_indexes_sql(physical):
                    tx.execute(statement)
        try:
            yield
        finally:
            with self.db.transaction(write=True) as tx:
                for table, physical in self.physical.items():
                    for statement in table.index_ddl(physical):
                        tx.execute(statement)

    def wait_for(self, position: int, timeout: float, poll: float = POLL) -> bool:
        """Block until every projection has applied `position`, or `timeout` passes. Batches
        applied in this process, and batches another process announced (`published`), wake
        waiters at once; otherwise the tracking table is read at most every `poll` seconds."""
        deadline = time.monotonic() + timeout
        next_poll = time.monotonic() + poll
        while True:
            with self._changed:
                self._changed.wait_for(
                    lambda: self._published >= position,
                    max(min(deadline, next_poll) - time.monotonic(), 0),
                )
                if self._published >= position:
                    return True
            now = time.monotonic()
            if now >= next_poll:
                next_poll = now + poll
                if self.position() >= position:
                    self._publish(position)
                    return True
            if now >= deadline:
                return False

    def _apply(self, events: Sequence[tuple[int, Any]], positions: dict[str, int]) -> Changeset:
        """Run the handlers. Rows they read come from one read transaction, opened only if a
        row is not cached; `_commit` then proves nothing changed since (positions)."""
        with ExitStack() as reading:

            @cache
            def reader() -> Tx:
                return reading.enter_context(self.db.transaction())

            changes = Changeset(
                reader,
                self.physical,
                self._absent if self._written is not None else None,
                self._rows,
            )
            afters = [(m, positions[self.prefix + m.name]) for m in self.read_models]
            for position, event in events:
                for model, after in afters:
                    if position > after:
                        model.apply(event, changes, position)
        return changes

    def _commit(
        self, tx: Tx, changes: Changeset, positions: dict[str, int], last: int
    ) -> dict[Table, set[Key]]:
        """Write the batch and the new positions, if no other runner moved them meanwhile:
        every write to these tables moves their positions, so unchanged positions mean the
        rows the handlers read are still current."""
        marks = ",".join("?" * len(self.names))
        tx.execute(
            f"UPDATE projection_tracking SET position = position WHERE name IN ({marks})",
            self.names,
        )
        if self.read_positions(tx) != positions:
            raise PositionsMoved()
        written = changes.flush(tx)
        for name in self.names:
            tx.execute("UPDATE projection_tracking SET position = ? WHERE name = ?", (last, name))
        if self.announce and tx.dialect == "postgres":
            tx.execute("SELECT pg_notify(?, ?)", (PROGRESS_CHANNEL, str(last)))
        return written

    def _evict_oldest_half(self) -> None:
        """Rows first cached longest ago are least likely to be touched again (events of one
        stream cluster in time), so they go first."""
        for rows in self._rows.values():
            for key in list(islice(rows, len(rows) // 2)):
                del rows[key]

    def _forget(self) -> None:
        """What this runner believed about the tables may be wrong now."""
        self._positions = self._written = None
        self._rows = {}

    def _absent(self, table: Table, key: Key) -> bool:
        assert self._written is not None
        return key not in self._written.get(table, ())

    def published(self, position: int) -> None:
        """Another process's runner applied up to `position` (its announcement)."""
        self._publish(position)

    def _publish(self, position: int) -> None:
        with self._changed:
            if position > self._published:
                self._published = position
                self._changed.notify_all()
