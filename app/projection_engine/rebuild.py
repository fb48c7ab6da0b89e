"""Generations being built from the first event, beside the live ones, in one replay.

They replay into new, empty tables without their secondary indexes (each index is built once,
at the end, which is far cheaper than inserting into it row by row), never looking for rows
they have not written. When they have caught up with the live generations, `go_live` builds
the indexes and, in one transaction that proves no position moved meanwhile, points each
version's views at its new generation."""

from __future__ import annotations

from collections.abc import Sequence

from app.database import Database, Tx
from app.eventstore import EventStore
from app.projection_engine import generations
from app.projection_engine.generations import Generation
from app.projection_engine.read_model import ReadModel
from app.projection_engine.runner import ProjectionRunner, Target, start_tracking


class Moved(Exception):
    """A position moved while switching; the switch waits for the next round."""


class Build:
    def __init__(
        self,
        store: EventStore,
        db: Database,
        building: Sequence[tuple[ReadModel, Generation]],
        batch_size: int,
    ) -> None:
        self.db = db
        self.building = list(building)
        with db.transaction(write=True) as tx:
            for model, generation in building:
                self.create_tables(tx, model, generation, with_indexes=False)
        self.targets = [Target.of(model, generation) for model, generation in building]
        self.runner = ProjectionRunner(store, db, self.targets, batch_size=batch_size)
        if self.runner.position() == 0 and all(
            p == 0 for p in self.runner.read_positions().values()
        ):
            self.runner.replaying_into_empty()

    @property
    def generations(self) -> list[Generation]:
        return [generation for _, generation in self.building]

    @staticmethod
    def create_tables(
        tx: Tx, model: ReadModel, generation: Generation, *, with_indexes: bool
    ) -> None:
        """Tables (without secondary indexes while it builds) and its tracking position."""
        for table in model.tables:
            statements = table.ddl(generation.physical(table))
            tx.execute(statements[0])
            if with_indexes or generation.state == generations.LIVE:
                for statement in statements[1:]:
                    tx.execute(statement)
        start_tracking(tx, generation.tracking)

    def step(self, stop: int | None) -> int:
        """Apply the next batch, up to `stop` (where the live generations are)."""
        return self.runner.step(stop)

    def position(self) -> int:
        return self.runner.published

    def go_live(self, live: dict[str, Generation]) -> bool:
        """Take over from the live generations (by read model name) when every position is
        where this process saw it; False when one moved (try again next round)."""
        with self.db.transaction(write=True) as tx:
            for target in self.targets:
                for table, physical in target.physical.items():
                    for statement in table.index_ddl(physical):
                        tx.execute(statement)
        position = self.position()
        names = [g.tracking for g in self.generations] + [
            live[model.name].tracking for model, _ in self.building if model.name in live
        ]
        try:
            with self.db.transaction(write=True) as tx:
                tx.execute(
                    "UPDATE projection_tracking SET writer = 'switch' WHERE name IN"
                    f" ({','.join('?' * len(names))}) AND position = ?",
                    [*names, position],
                )
                if tx.rowcount != len(names):
                    raise Moved()  # rolls the transaction back
                for model, generation in self.building:
                    generations.go_live(tx, model, generation)
        except Moved:
            return False
        return True
