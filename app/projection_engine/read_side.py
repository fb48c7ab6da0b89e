"""This process's read side: keeps the read models of its code's versions up to date, builds
new generations beside the live ones, switches views, and knows how far everything got.

For each read model version it leads (see `leadership`), one runner applies new events to
the live generation in batches, and a `Build` replays a building generation from the first
event in the same thread; when the build has reached the live generation's position, one
transaction (compare-and-set on both positions) points the version's views at it. A version
with no live generation yet (new code) goes live as soon as its build reaches the head. The
versions this process does not lead are kept by another process: their progress reaches
this one through announcements (PostgreSQL NOTIFY) or the tracking table."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import anyio.to_thread

from app import metrics
from app.database import Database, Tx
from app.eventstore import EventStore
from app.projection_engine import generations, quarantine
from app.projection_engine.generations import BUILDING, LIVE, Generation
from app.projection_engine.leadership import Leadership
from app.projection_engine.read_model import ReadModel, Table
from app.projection_engine.rebuild import Build
from app.projection_engine.runner import ProjectionRunner, Target, create_tracking
from app.projection_engine.waiting import Progress

log = logging.getLogger(__name__)
REFRESH = 1.0
"""Seconds between looks at the registry when nothing announced a change."""
RETIRE_EVERY = 10.0


def key_of(model: ReadModel) -> str:
    return version_key(model.name, model.version)


def version_key(name: str, version: int) -> str:
    """The leadership of one read model version. Version 0 (tables from before versions)
    was kept by the old code's single `projections` follower, under that lock."""
    return "projections" if version == 0 else f"read_model:{name}:v{version}"


class ReadSide:
    def __init__(
        self,
        store: EventStore,
        db: Database,
        models: Sequence[ReadModel],
        leadership: Leadership,
        *,
        batch_size: int = 500,
        build_batch: int = 2000,
        grace: float = 300.0,
    ) -> None:
        self.store, self.db, self.models = store, db, list(models)
        self.leadership = leadership
        self.batch_size, self.build_batch, self.grace = batch_size, build_batch, grace
        self.progress = Progress(db)
        self.live = self._runner([])
        self.build: Build | None = None
        self.generations: dict[str, list[Generation]] = {}
        self._stale = threading.Event()
        self._stale.set()
        self._next_refresh = self._next_retire = 0.0

    # -- schema ----------------------------------------------------------------------

    def create_tables(self, tx: Tx, *, empty: bool) -> None:
        """The engine's tables, each version's first generation, and the tables of every
        generation that is live or building. With no events stored yet (`empty`) a first
        generation is live at once (nothing to build)."""
        create_tracking(tx)
        tx.execute(quarantine.DDL)
        tx.execute(generations.DDL)
        existing = set(tx.tables())
        for model in self.models:
            generations.adopt_legacy(tx, model, existing)
            generations.ensure(tx, model)
            for generation in generations.in_tx(tx, model, BUILDING, LIVE):
                Build.create_tables(tx, model, generation, with_indexes=empty)
                if (
                    empty
                    and generation.state == BUILDING
                    and not generations.in_tx(tx, model, LIVE)
                ):
                    generations.go_live(tx, model, generation)

    # -- the follower's step ----------------------------------------------------------

    def step(self) -> int:
        """Apply the next batch to the live generations this process leads, advance each
        build, switch the ones that caught up; how many events that took."""
        self._refresh_if_due()
        work = self.live.step() if self.live.targets else 0
        if self.build is not None:
            work += self._advance(self.build)
        if time.monotonic() >= self._next_retire:
            self._next_retire = time.monotonic() + min(RETIRE_EVERY, max(self.grace, 0.5))
            self.retire_expired()
        return work

    def changed(self) -> None:
        """The registry changed (an announcement): look again before the next batch."""
        self._stale.set()

    def _refresh_if_due(self) -> None:
        if self._stale.is_set() or time.monotonic() >= self._next_refresh:
            self.look()
        self._recompose([m for m in self.models if self._leads(m)])

    def look(self) -> None:
        """Read the registry: which generations are live and building now."""
        self._stale.clear()
        self._next_refresh = time.monotonic() + REFRESH
        found: dict[str, list[Generation]] = {}
        for generation in generations.every(self.db):
            found.setdefault(generation.name, []).append(generation)
        self.generations = found
        self.progress.watch([g.tracking for g in self._live_generations()])

    def _leads(self, model: ReadModel) -> bool:
        self.leadership.want(key_of(model))
        return self.leadership.leads(key_of(model))

    def _recompose(self, led: list[ReadModel]) -> None:
        live = [Target.of(m, g) for m in led if (g := self.generation(m, LIVE))]
        if [t.tracking for t in live] != self.live.names:
            self.live = self._runner(live)
        building = [(m, g) for m in led if (g := self.generation(m, BUILDING))]
        if not building:
            self.build = None
        elif self.build is None or self.build.building != building:
            log.info("building %s", ", ".join(g.tracking for _, g in building))
            self.build = Build(self.store, self.db, building, self.build_batch)

    def _runner(self, targets: list[Target]) -> ProjectionRunner:
        runner = ProjectionRunner(
            self.store, self.db, targets, batch_size=self.batch_size, announce=True
        )
        runner.on_progress = self.progress.heard
        runner.on_applied = _observe_delay
        return runner

    # -- builds and switches ---------------------------------------------------------

    def _advance(self, build: Build) -> int:
        """One batch of the build, up to where the live runner is; then the switch."""
        stop = self.live.published if self.live.targets else None
        done = build.step(stop)
        if done or (stop is not None and build.position() != stop):
            return done
        live = {m.name: g for m, _ in build.building if (g := self.generation(m, LIVE))}
        if build.go_live(live):
            log.info("%s live", ", ".join(g.tracking for g in build.generations))
            self.build = None
            self.look()
        return 1

    def generation(self, model: ReadModel, state: str) -> Generation | None:
        return next(
            (
                g
                for g in self.generations.get(model.name, ())
                if g.version == model.version and g.state == state
            ),
            None,
        )

    def _live_generations(self) -> list[Generation]:
        return [g for m in self.models if (g := self.generation(m, LIVE))]

    def retire_expired(self) -> int:
        """Drop generations nobody reads any more: retired ones after the grace period, and
        an older version's once the grace period has passed and no process leads it (a
        process still running the old code keeps it, and keeps it up to date)."""
        led = [m for m in self.models if self.leadership.leads(key_of(m))]
        current = {m.name: m.version for m in self.models}
        dropped = 0
        for generation in generations.expired(self.db, led, self.grace):
            older = generation.version < current[generation.name]
            key = version_key(generation.name, generation.version)
            if older:
                self.leadership.want(key)
                if not self.leadership.leads(key):
                    continue  # another process still leads it: maybe next round
            self._drop(generation)
            if older:
                self.leadership.give_up(key)
            dropped += 1
        return dropped

    def _drop(self, generation: Generation) -> None:
        with self.db.transaction(write=True) as tx:
            for table in generation.physical_tables:
                if generation.state == LIVE:  # an older version's: its views go with it
                    tx.execute(f"DROP VIEW IF EXISTS {table.rpartition('_g')[0]}")
                tx.execute(f"DROP TABLE IF EXISTS {table}")
            tx.execute("DELETE FROM projection_tracking WHERE name = ?", (generation.tracking,))
            tx.execute(
                f"DELETE FROM {quarantine.TABLE} WHERE read_model = ?", (generation.tracking,)
            )
            generations.forget(tx, generation)
        log.info("dropped %s (retired)", generation.tracking)

    # -- what readers wait for and see -----------------------------------------------

    def settle(self, timeout: float = 5.0) -> None:
        """Find out which read models this process leads before stepping on demand."""
        keys = {key_of(m) for m in self.models}
        for key in keys:
            self.leadership.want(key)
        self.leadership.settle(keys, timeout)

    def catch_up(self) -> int:
        """Step until there is nothing left to do (the CLI, tests)."""
        self.settle()
        total = 0
        while work := self.step():
            total += work
        return total

    def physical(self, table: Table) -> str:
        """The live generation's table behind `table`'s view (for tools that must write
        past the view, such as tests that tamper with a row)."""
        model = next(m for m in self.models if table in m.tables)
        generation = self.generation(model, LIVE) or self._look_for(model)
        return generation.physical(table)

    def _look_for(self, model: ReadModel) -> Generation:
        self.look()
        found = self.generation(model, LIVE)
        if found is None:
            raise LookupError(f"{model.name} v{model.version} has no live generation")
        return found

    def live_targets(self) -> list[Target]:
        """Every read model's live generation (whoever leads it)."""
        if not self.generations:
            self.look()
        return [Target.of(m, g) for m in self.models if (g := self.generation(m, LIVE))]

    def missing(self) -> list[str]:
        """Read models of this code's versions with no live generation yet."""
        self.look()
        return [f"{m.name} v{m.version}" for m in self.models if not self.generation(m, LIVE)]

    def rebuild(
        self, models: Sequence[ReadModel], progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Build a fresh generation of each model and return when all are live (this
        process builds what it leads; a process that leads a model builds it there)."""
        wanted = {
            (g.name, g.generation)
            for g in (generations.request_rebuild(self.db, m) for m in models)
        }
        self.changed()
        self.settle()
        while True:
            work = self.step()
            live = {(g.name, g.generation) for g in self._live_generations()}
            if wanted <= live:
                return self.store.max_position()
            if progress is not None and self.build is not None:
                progress(self.build.position(), self.store.max_position())
            if not work:
                time.sleep(0.05)
                self.changed()

    def retry_quarantined(
        self, read_model: str | None = None, position: int | None = None
    ) -> tuple[int, int]:
        runner = ProjectionRunner(self.store, self.db, self.live_targets())
        return runner.retry_quarantined(read_model, position)

    def wait_for(self, position: int, timeout: float, poll: float) -> bool:
        if not self.generations:
            self.look()
        return self.progress.wait_for(position, timeout, poll)

    async def reached(self, position: int, timeout: float, poll: float) -> bool:
        """`wait_for` on the event loop (see `Progress.reached`)."""
        if not self.generations:
            await anyio.to_thread.run_sync(self.look)
        return await self.progress.reached(position, timeout, poll)

    def position(self) -> int:
        """How far every live read model has got (the slowest one)."""
        if not self.generations:
            self.look()
        return self.progress.current()


def _observe_delay(applied: Sequence[tuple[int, Any]]) -> None:
    metrics.observe_projection_delay(event.timestamp for _, event in applied)
