"""Applies events to projections exactly once: each batch of events and the new tracking
positions commit in one transaction, so a killed runner resumes where it stopped.

Rows read or written stay cached between batches: the tracking check at the start of every
batch proves that no other runner changed these tables since, and any conflict or failure
drops the cache. After `reset()` the runner also knows every row it has written, so it need
not ask the database about rows that cannot exist yet (fast rebuilds)."""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import cache
from itertools import chain, islice
from typing import Any, NamedTuple

from app.aggregates.envelope import topic_of
from app.database import Database, Tx, is_database_error, is_refusal
from app.eventstore import EventStore
from app.projection_engine import quarantine
from app.projection_engine.changeset import CachedRows, Changeset, Key
from app.projection_engine.generations import Generation
from app.projection_engine.read_model import ReadModel, Table

log = logging.getLogger(__name__)
Positioned = tuple[int, Any]
"""(position, event)"""
Claims = dict[str, tuple[int, str]]
"""Tracking name -> (position, writer)."""

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL, writer TEXT NOT NULL DEFAULT '')"
)
"""`writer` names the runner that last moved a position: a runner that finds another
writer's mark (another runner, or a quarantine retry) drops the rows it had cached."""
Progress = Callable[[int, int], None]
PROGRESS_CHANNEL = "integrations_projections"
"""Where a live runner announces, in the transaction that advances it, how far it got
(`<position>:<tracking name>,…;<table changed>,…`: the logical names of the tables the
batch wrote, so a listener can tell whether what it watches changed)."""
REBUILD_CACHE = 200_000


def create_tracking(tx: Tx) -> None:
    tx.execute(TRACKING_DDL)
    if "writer" not in tx.columns("projection_tracking"):  # made before `writer` existed
        tx.execute("ALTER TABLE projection_tracking ADD COLUMN writer TEXT NOT NULL DEFAULT ''")


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


class Target(NamedTuple):
    """A read model and where one copy of it lives: its tracking name and tables."""

    model: ReadModel
    tracking: str
    physical: Mapping[Table, str]

    @classmethod
    def of(cls, model: ReadModel, generation: Generation) -> Target:
        return cls(
            model,
            generation.tracking,
            {table: generation.physical(table) for table in model.tables},
        )

    @classmethod
    def named(cls, model: ReadModel, prefix: str) -> Target:
        """A copy under `prefix + name` (verify's scratch tables)."""
        return cls(model, prefix + model.name, {t: prefix + t.name for t in model.tables})


class PositionsMoved(Exception):
    """Another runner committed first; this batch was not applied."""


class Poisoned(Exception):
    """A read model's handler raised on an event."""

    def __init__(self, read_model: str, position: int, reason: str) -> None:
        super().__init__(reason)
        self.key, self.reason = (read_model, position), reason


def _rows_wanted(
    events: Sequence[Positioned], plans: Mapping[type, Sequence[tuple[ReadModel, str, int]]]
) -> dict[Table, list[Key]]:
    """The rows the batch's handlers will read by key, per table."""
    wanted: dict[Table, list[Key]] = {}
    for position, event in events:
        for model, _, after in plans[type(event)]:
            if position > after:
                for table, key in model.rows_wanted(event):
                    wanted.setdefault(table, []).append(key)
    return wanted


def _poisoned(name: str, event: Any, position: int, exc: Exception) -> Exception:
    """What a handler's exception means: the database failing a read is raised again (try
    later); anything else is the event poisoning that read model."""
    if is_database_error(exc):
        return exc
    log.error(
        "read model %s cannot apply the event at position %s (%s): %s; it is quarantined",
        name,
        position,
        topic_of(event),
        quarantine.describe(exc),
    )
    return Poisoned(name, position, quarantine.describe(exc))


class ProjectionRunner:
    def __init__(
        self,
        store: EventStore,
        db: Database,
        targets: Sequence[Target],
        *,
        batch_size: int = 500,
        announce: bool = False,
    ) -> None:
        self.store = store
        self.db = db
        self.targets = list(targets)
        self.batch_size = batch_size
        self.announce = announce
        """NOTIFY `PROGRESS_CHANNEL` with each new position (PostgreSQL; the live runner)."""
        self.physical = {t: name for target in self.targets for t, name in target.physical.items()}
        self.id = uuid.uuid4().hex[:16]
        """This runner's mark in `projection_tracking.writer`."""
        self._claims: Claims | None = None
        """Where each read model stood, and who put it there, as this runner last saw."""
        self._written: dict[Table, set[Key]] | None = None
        """While replaying into emptied tables: every key written so far, per table."""
        self._rows: CachedRows = {}
        self.cache_limit = 20_000
        """Rows kept between batches (raised for rebuilds, which touch many rows)."""
        self.published = 0
        """The last position this runner committed (or found nothing after)."""
        self.on_progress: Callable[[list[str], int, set[str]], None] | None = None
        """Told (tracking names, position, tables changed) after every batch and at the head."""
        self.on_applied: Callable[[Sequence[Positioned]], None] | None = None
        """Told the events of every batch committed (the live runner's delay metric)."""

    @property
    def names(self) -> list[str]:
        """Tracking names, one per target."""
        return [target.tracking for target in self.targets]

    def create_tables(self, tx: Tx) -> None:
        create_tracking(tx)
        tx.execute(quarantine.DDL)
        for table, physical in self.physical.items():
            for statement in table.ddl(physical):
                tx.execute(statement)
        for name in self.names:
            start_tracking(tx, name)

    def read_positions(self) -> dict[str, int]:
        return {name: position for name, (position, _) in self._read_claims().items()}

    def _read_claims(self) -> Claims:
        marks = ",".join("?" * len(self.names))
        rows = self.db.all(
            f"SELECT name, position, writer FROM projection_tracking WHERE name IN ({marks})",
            self.names,
        )
        found = {row["name"]: (int(row["position"]), str(row["writer"])) for row in rows}
        return {name: found.get(name, (0, "")) for name in self.names}

    def quarantined(self) -> list[quarantine.Quarantined]:
        """Events this runner's read models set aside and nobody skipped yet."""
        return quarantine.entries(self.db, read_models=self.names)

    def retry_quarantined(
        self, read_model: str | None = None, position: int | None = None
    ) -> tuple[int, int]:
        """Apply set-aside events again (after a fix), oldest first; (applied, still failing).
        Each one commits with the writer mark of a retry, so live runners drop the rows
        they had cached."""
        targets = {target.tracking: target for target in self.targets}
        applied = failed = 0
        for entry in self.quarantined():
            if read_model not in (None, entry.read_model) or position not in (None, entry.position):
                continue
            if self._reapply(targets[entry.read_model], entry):
                applied += 1
            else:
                failed += 1
        return applied, failed

    def _reapply(self, target: Target, entry: quarantine.Quarantined) -> bool:
        found = self.store.replay(entry.position - 1, 1)
        event = found[0][1]
        try:
            with self.db.transaction(write=True) as tx:
                changes = Changeset(lambda: tx, target.physical)
                target.model.apply(event, changes, entry.position)
                changes.flush(tx)
                quarantine.release(tx, entry.read_model, entry.position)
                tx.execute(
                    "UPDATE projection_tracking SET writer = ? WHERE name = ?",
                    ("retry", entry.read_model),
                )
        except Exception as exc:
            if is_database_error(exc) and not is_refusal(exc):
                raise
            with self.db.transaction(write=True) as tx:
                quarantine.record(
                    tx, entry.read_model, entry.position, event, quarantine.describe(exc)
                )
            return False
        return True

    def position(self) -> int:
        """How far every projection of this runner has got (the slowest one)."""
        return min(self.read_positions().values(), default=0)

    def step(self, stop: int | None = None) -> int:
        """Apply the next batch (up to `stop`); return how many events it held."""
        claims = self._claims or self._read_claims()
        positions = {name: position for name, (position, _) in claims.items()}
        events = self.store.replay(min(positions.values()), self.batch_size, stop)
        if not events:
            self._publish(min(positions.values()), set())
            self._written = None
            return 0
        try:
            applied, changes = self._apply_and_commit(events, claims)
        except PositionsMoved:
            self._forget()
            return 1
        except BaseException:
            self._forget()
            raise
        if sum(len(rows) for rows in self._rows.values()) > self.cache_limit:
            self._evict_oldest_half()
        if self._written is not None:
            for table, keys in changes.upserted.items():
                self._written.setdefault(table, set()).update(keys)
        last = applied[-1][0]
        self._claims = dict.fromkeys(claims, (last, self.id))
        if self.on_applied is not None:
            self.on_applied(applied)
        self._publish(last, changes.changed_tables())
        return len(applied)

    def _apply_and_commit(
        self, events: Sequence[Positioned], claims: Claims
    ) -> tuple[Sequence[Positioned], Changeset]:
        """Commit the batch, setting aside (quarantining) what a read model cannot apply:
        a handler that raises, or rows the database refuses. The batch is then retried
        without that event for that read model; every other read model applies it."""
        poisoned: dict[tuple[str, int], str] = {}
        positions = {name: position for name, (position, _) in claims.items()}
        while True:
            try:
                changes = self._apply(events, positions, poisoned)
                with self.db.transaction(write=True) as tx:
                    self._commit(tx, changes, claims, events, poisoned)
                return events, changes
            except Poisoned as found:
                poisoned[found.key] = found.reason
            except PositionsMoved:
                raise
            except Exception as exc:
                if not is_refusal(exc):
                    raise
                if len(events) > 1:  # halve the batch until the refused event is alone
                    events = events[: len(events) // 2]
                else:
                    refused = self._refusing(events[0], claims, poisoned)
                    if not refused:
                        raise
                    poisoned.update(refused)
            self._rows = {}

    def catch_up(self, stop: int | None = None, progress: Progress | None = None) -> int:
        """Run batches until the head of the stream (or `stop`) is reached."""
        total = 0
        head = stop if stop is not None else self.store.max_position()
        while (count := self.step(stop)) > 0:
            total += count
            if progress is not None:
                progress(self.published, head)
        return total

    def replaying_into_empty(self) -> None:
        """The tables are new and empty: keep track of every key written, so rows that
        cannot exist yet are never looked for (fast rebuilds)."""
        self._written = {}
        self.cache_limit = max(self.cache_limit, REBUILD_CACHE)

    def reset(self) -> None:
        """Empty the read tables and rewind tracking, in one transaction."""
        with self.db.transaction(write=True) as tx:
            for physical in self.physical.values():
                tx.execute(f"DELETE FROM {physical}")
            for name in self.names:
                tx.execute(
                    "UPDATE projection_tracking SET position = 0, writer = ? WHERE name = ?",
                    (self.id, name),
                )
        self._forget()
        self._claims = dict.fromkeys(self.names, (0, self.id))  # a follower's batch is noticed
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

    def _apply(
        self,
        events: Sequence[Positioned],
        positions: dict[str, int],
        skip: Mapping[tuple[str, int], str] | None = None,
    ) -> Changeset:
        """Run the handlers. Rows they read come from one read connection (no transaction on
        PostgreSQL: `Database.reading`), taken only if a row is not cached; `_commit` then
        proves nothing changed since (positions)."""
        with ExitStack() as reading:

            @cache
            def reader() -> Tx:
                return reading.enter_context(self.db.reading())

            changes = Changeset(
                reader,
                self.physical,
                self._absent if self._written is not None else None,
                self._rows,
            )
            afters = [(t.model, t.tracking, positions[t.tracking]) for t in self.targets]
            plans: dict[type, list[tuple[ReadModel, str, int]]] = {}
            for _, event in events:
                kind = type(event)
                if kind not in plans:  # the targets whose read model handles this kind of event
                    plans[kind] = [a for a in afters if a[0].handler_for(kind)]
            changes.prefetch(_rows_wanted(events, plans))
            for position, event in events:
                for model, name, after in plans[type(event)]:
                    if position > after and not (skip and (name, position) in skip):
                        try:
                            model.apply(event, changes, position)
                        except Exception as exc:
                            poison = _poisoned(name, event, position, exc)
                            if poison is exc:
                                raise
                            raise poison from exc
        return changes

    def _commit(
        self,
        tx: Tx,
        changes: Changeset,
        claims: Claims,
        events: Sequence[Positioned],
        poisoned: Mapping[tuple[str, int], str],
    ) -> None:
        """Write the batch, what it set aside, and the new positions, if no other runner
        moved them meanwhile: every write to these tables moves their positions, so unchanged
        positions mean the rows the handlers read are still current. One statement moves
        every read model of the runner (compare-and-set on each one's position); on
        PostgreSQL it goes out pipelined with the writes and the announcement, so a live batch
        commits in three round trips (`BEGIN`, the pipeline, `COMMIT`)."""
        last = events[-1][0]
        claimed: Callable[[], int] | None = None
        try:
            with tx.pipelined():  # one round trip on PostgreSQL
                claimed = self._claim(tx, claims, last)
                changes.write(tx)
                by_position = dict(events)
                for (name, position), reason in poisoned.items():
                    if position in by_position:  # later ones are found again by a later batch
                        quarantine.record(tx, name, position, by_position[position], reason)
                if self.announce and tx.dialect == "postgres":
                    changed = ",".join(sorted(changes.changed_tables()))
                    tx.execute(
                        "SELECT pg_notify(?, ?)",
                        (PROGRESS_CHANNEL, f"{last}:{','.join(self.names)};{changed}"),
                    )
        except Exception:
            if claimed is not None and 0 <= claimed() < len(claims):
                raise PositionsMoved() from None  # rows another runner wrote meanwhile clash
            raise
        if claimed() != len(claims):  # the transaction rolls back what was sent
            raise PositionsMoved()
        changes.copy_appended(tx)

    def _claim(self, tx: Tx, claims: Claims, last: int) -> Callable[[], int]:
        """Move every read model of the runner to `last` in one statement, if each is still
        where, and as whose, this runner last saw it: returns how to count the read models
        moved (fewer than claimed: `PositionsMoved`). The rows stay locked until the
        transaction ends, so a competing runner waits, then finds them moved."""
        triples = ", ".join("(?, ?, ?)" for _ in claims)
        return tx.counted(
            "UPDATE projection_tracking SET position = ?, writer = ? WHERE"
            f" (name, position, writer) IN (VALUES {triples})",
            [last, self.id, *chain.from_iterable((n, p, w) for n, (p, w) in claims.items())],
        )

    def _refusing(
        self, positioned: Positioned, claims: Claims, poisoned: Mapping[tuple[str, int], str]
    ) -> dict[tuple[str, int], str]:
        """Which read models' rows for this one event the database refuses: each model's
        changes are written in a savepoint of a transaction that is then rolled back."""
        position, event = positioned
        refused: dict[tuple[str, int], str] = {}
        with self.db.transaction(discard=True) as tx:  # only finds out
            if self._claim(tx, claims, position)() != len(claims):
                raise PositionsMoved()
            for target in self.targets:
                name = target.tracking
                if position <= claims[name][0] or (name, position) in poisoned:
                    continue
                changes = Changeset(lambda: tx, target.physical)
                try:
                    target.model.apply(event, changes, position)
                except Exception as exc:
                    if is_database_error(exc):
                        raise
                    refused[(name, position)] = quarantine.describe(exc)
                    continue
                try:
                    tx.execute("SAVEPOINT isolating")
                    changes.flush(tx)
                    tx.execute("RELEASE SAVEPOINT isolating")
                except Exception as exc:
                    if not is_refusal(exc):
                        raise
                    tx.execute("ROLLBACK TO SAVEPOINT isolating")
                    refused[(name, position)] = quarantine.describe(exc)
                    log.error(
                        "the database refuses the rows read model %s makes of the event"
                        " at position %s (%s): %s; it is quarantined",
                        name,
                        position,
                        topic_of(event),
                        refused[(name, position)],
                    )
        return refused

    def _evict_oldest_half(self) -> None:
        """Rows first cached longest ago are least likely to be touched again (events of one
        stream cluster in time), so they go first."""
        for rows in self._rows.values():
            for key in list(islice(rows, len(rows) // 2)):
                del rows[key]

    def _forget(self) -> None:
        """What this runner believed about the tables may be wrong now."""
        self._claims = self._written = None
        self._rows = {}

    def _absent(self, table: Table, key: Key) -> bool:
        assert self._written is not None
        return key not in self._written.get(table, ())

    def _publish(self, position: int, changed: set[str]) -> None:
        """Tell this process (`on_progress`) how far it got and which tables changed."""
        self.published = max(self.published, position)
        if self.on_progress is not None:
            self.on_progress(self.names, position, changed)
