"""Which copies of each read model exist: the generations registry.

A read model's version is part of its tables' names; each version may have several
generations (copies built from the first event). At most one generation of a version is
`live` (its view points at it, queries read it); a `building` one catches up beside it and
takes over when it has; a `retired` one waits out a grace period and is dropped. A new
version starts as a building generation 1 while processes running the old code keep
serving (and keeping up) the old version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from app.aggregates.time import iso
from app.database import Database, Tx, json_text
from app.projection_engine.read_model import ReadModel, Table

TABLE = "read_model_generations"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " name TEXT NOT NULL, version INTEGER NOT NULL, generation INTEGER NOT NULL,"
    " state TEXT NOT NULL, tables TEXT NOT NULL, created_at TEXT NOT NULL, live_since TEXT,"
    " retired_at TEXT, PRIMARY KEY (name, version, generation))"
)
BUILDING, LIVE, RETIRED = "building", "live", "retired"
CHANNEL = "integrations_read_models"
"""Announced in the transaction that switches a view, so every process looks again."""


class Generation(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    version: int
    generation: int
    state: str
    tables: str
    """Its physical tables (JSON list), so any later code can drop them."""
    created_at: str
    live_since: str | None = None
    retired_at: str | None = None

    @property
    def tracking(self) -> str:
        """Its position's name in `projection_tracking` (version 0: the tables read models
        had before they were versioned)."""
        if self.version == 0:
            return self.name
        return f"{self.name}_v{self.version}_g{self.generation}"

    @property
    def physical_tables(self) -> list[str]:
        return list(msgspec.json.decode(self.tables))

    def physical(self, table: Table) -> str:
        return table.physical(self.generation)


def now() -> str:
    return iso(datetime.now(UTC))


def ensure(tx: Tx, model: ReadModel) -> None:
    """Give a read model version its first generation (building) unless it has one."""
    if (
        tx.value(
            f"SELECT COUNT(*) FROM {TABLE} WHERE name = ? AND version = ?",
            (model.name, model.version),
        )
        == 0
    ):
        _insert(tx, model, 1)


def adopt_legacy(tx: Tx, model: ReadModel, existing: set[str]) -> None:
    """Tables from before read models had versions: retired (dropped after the grace
    period, so code that still reads them has time to stop)."""
    legacy = [t.name for t in model.tables if t.name in existing]
    if legacy and not tx.value(f"SELECT COUNT(*) FROM {TABLE} WHERE name = ?", (model.name,)):
        tx.execute(
            f"INSERT INTO {TABLE} (name, version, generation, state, tables, created_at,"
            " retired_at) VALUES (?, 0, 0, ?, ?, ?, ?)",
            (model.name, RETIRED, json_text(legacy), now(), now()),
        )


def _insert(tx: Tx, model: ReadModel, number: int) -> None:
    tables = [table.physical(number) for table in model.tables]
    tx.execute(
        f"INSERT INTO {TABLE} (name, version, generation, state, tables, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (model.name, model.version, number, BUILDING, json_text(tables), now()),
    )


def request_rebuild(db: Database, model: ReadModel) -> Generation:
    """A fresh generation of the model's version, unless one is building already."""
    with db.transaction(write=True) as tx:
        building = _rows(
            tx, "name = ? AND version = ? AND state = ?", (model.name, model.version, BUILDING)
        )
        if building:
            return building[0]
        number = int(
            tx.value(
                f"SELECT COALESCE(MAX(generation), 0) + 1 FROM {TABLE}"
                " WHERE name = ? AND version = ?",
                (model.name, model.version),
            )
        )
        _insert(tx, model, number)
        return _rows(
            tx, "name = ? AND version = ? AND generation = ?", (model.name, model.version, number)
        )[0]


def of(db: Database, model: ReadModel, *states: str) -> list[Generation]:
    """The model version's generations in these states (all when none given)."""
    with db.transaction() as tx:
        return in_tx(tx, model, *states)


def in_tx(tx: Tx, model: ReadModel, *states: str) -> list[Generation]:
    where, params = "name = ? AND version = ?", [model.name, model.version]
    if states:
        where += f" AND state IN ({','.join('?' * len(states))})"
        params += states
    return _rows(tx, where, params)


def every(db: Database) -> list[Generation]:
    with db.transaction() as tx:
        return _rows(tx, "1 = 1", ())


def go_live(tx: Tx, model: ReadModel, generation: Generation) -> None:
    """Point the version's views at `generation` and retire the one they showed."""
    at = now()
    tx.execute(
        f"UPDATE {TABLE} SET state = ?, retired_at = ? WHERE name = ? AND version = ?"
        " AND state = ?",
        (RETIRED, at, model.name, model.version, LIVE),
    )
    tx.execute(
        f"UPDATE {TABLE} SET state = ?, live_since = ? WHERE name = ? AND version = ?"
        " AND generation = ?",
        (LIVE, at, model.name, model.version, generation.generation),
    )
    for table in model.tables:
        _replace_view(tx, table.view, generation.physical(table))
    if tx.dialect == "postgres":
        tx.execute("SELECT pg_notify(?, ?)", (CHANNEL, generation.tracking))


def expired(db: Database, models: list[ReadModel], grace: float) -> list[Generation]:
    """Generations nobody should read any more: retired ones, and older versions of these
    read models, once the current version has been live for `grace` seconds."""
    cutoff = iso(datetime.now(UTC) - timedelta(seconds=grace))
    found = []
    for model in models:
        live = of(db, model, LIVE)
        if not live or (live[0].live_since or "") > cutoff:
            continue
        with db.transaction() as tx:
            found += _rows(
                tx,
                "name = ? AND (version < ? OR (version = ? AND state = ?))"
                " AND COALESCE(retired_at, ?) <= ?",
                (model.name, model.version, model.version, RETIRED, cutoff, cutoff),
            )
    return found


def forget(tx: Tx, generation: Generation) -> None:
    tx.execute(
        f"DELETE FROM {TABLE} WHERE name = ? AND version = ? AND generation = ?",
        (generation.name, generation.version, generation.generation),
    )


def _replace_view(tx: Tx, view: str, physical: str) -> None:
    if tx.dialect == "postgres":
        tx.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {physical}")
    else:
        tx.execute(f"DROP VIEW IF EXISTS {view}")
        tx.execute(f"CREATE VIEW {view} AS SELECT * FROM {physical}")


def _rows(tx: Tx, where: str, params: Any) -> list[Generation]:
    rows = tx.all(f"SELECT * FROM {TABLE} WHERE {where} ORDER BY name, version, generation", params)
    return [msgspec.convert(row, Generation) for row in rows]
