"""Rebuild projections into scratch tables and compare them with the live ones, row by row,
at the same stream position. Differences name the table, the row key and the columns."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from app.database import Database, Row
from app.eventstore import EventStore
from app.projection_engine import quarantine
from app.projection_engine.runner import Progress, ProjectionRunner, Target

SCRATCH = "verify_"
CHUNK = 2000
MAX_REPORTED = 50


def verify(
    events: EventStore,
    db: Database,
    live: Sequence[Target],
    progress: Progress | None = None,
    attempts: int = 3,
) -> list[str]:
    """Differences between live read tables and a fresh rebuild (empty when they agree)."""
    live_runner = ProjectionRunner(events, db, live)
    set_aside = [
        f"{q.read_model}: the event at position {q.position} ({q.topic}) is quarantined: {q.error}"
        for q in live_runner.quarantined()
    ]
    differences: list[str] = []
    for _ in range(attempts):
        position = live_runner.position()
        differences = _compare_at(events, db, live, position, progress)
        if not differences or live_runner.position() == position:
            break
    return set_aside + differences


def _compare_at(
    events: EventStore,
    db: Database,
    live: Sequence[Target],
    position: int,
    progress: Progress | None,
) -> list[str]:
    scratch = [Target.named(target.model, SCRATCH) for target in live]
    runner = ProjectionRunner(events, db, scratch, batch_size=CHUNK)
    try:
        _drop(db, runner)
        with db.transaction(write=True) as tx:
            runner.create_tables(tx)
        runner.reset()
        with runner.indexes_deferred():
            runner.catch_up(stop=position, progress=progress)
        found: list[str] = []
        for target in live:
            for table, physical in target.physical.items():
                found += _compare_table(db, physical, runner.physical[table], list(table.key))
        return found[:MAX_REPORTED]
    finally:
        _drop(db, runner)


def _drop(db: Database, runner: ProjectionRunner) -> None:
    with db.transaction(write=True) as tx:
        for physical in runner.physical.values():
            tx.execute(f"DROP TABLE IF EXISTS {physical}")
        for name in runner.names:
            tx.execute("DELETE FROM projection_tracking WHERE name = ?", (name,))
            tx.execute(f"DELETE FROM {quarantine.TABLE} WHERE read_model = ?", (name,))


def _compare_table(db: Database, live: str, rebuilt: str, columns: list[str]) -> list[str]:
    found: list[str] = []
    left, right = _rows(db, live, columns), _rows(db, rebuilt, columns)
    a, b = next(left, None), next(right, None)
    while (a is not None or b is not None) and len(found) < MAX_REPORTED:
        ka = None if a is None else [a[c] for c in columns]
        kb = None if b is None else [b[c] for c in columns]
        if kb is None or (ka is not None and ka < kb):
            found.append(f"{live}: row {_show(columns, ka)} is not in the rebuild")
            a = next(left, None)
        elif ka is None or kb < ka:
            found.append(f"{live}: row {_show(columns, kb)} is missing from the live table")
            b = next(right, None)
        else:
            assert a is not None and b is not None
            found += [
                f"{live}: row {_show(columns, ka)} column {col}: live {a[col]!r}, "
                f"rebuilt {b[col]!r}"
                for col in a
                if a[col] != b.get(col)
            ]
            a, b = next(left, None), next(right, None)
    return found


def _rows(db: Database, table: str, key: list[str]) -> Iterator[Row]:
    """Every row in key order, fetched in chunks (constant memory)."""
    order = ", ".join(key)
    after: list[Any] | None = None
    while True:
        where = f"WHERE ({order}) > ({', '.join('?' * len(key))})" if after else ""
        chunk = db.all(f"SELECT * FROM {table} {where} ORDER BY {order} LIMIT {CHUNK}", after or [])
        yield from chunk
        if len(chunk) < CHUNK:
            return
        after = [chunk[-1][c] for c in key]


def _show(columns: list[str], key: list[Any] | None) -> str:
    return ", ".join(f"{c}={v!r}" for c, v in zip(columns, key or [], strict=False))
