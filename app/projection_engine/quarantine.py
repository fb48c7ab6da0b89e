"""Events a read model could not apply, set aside so the read side never stalls on one.

An event whose handler raises, or whose rows the database refuses (an integer a column cannot
hold, NUL in PostgreSQL text), is recorded here for that read model with the error, in the
same transaction that moves the read model past it; every other read model applies it as
usual. Open entries make readiness fail, naming the read model, until an operator retries
them (after a fix) or skips them (`integrations projections quarantine`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from app.aggregates.envelope import topic_of
from app.aggregates.time import iso
from app.database import Database, Tx

TABLE = "projection_quarantine"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " read_model TEXT NOT NULL, position BIGINT NOT NULL, stream_id TEXT NOT NULL,"
    " version INTEGER NOT NULL, topic TEXT NOT NULL, error TEXT NOT NULL,"
    " state TEXT NOT NULL, quarantined_at TEXT NOT NULL, PRIMARY KEY (read_model, position))"
)
OPEN, SKIPPED = "open", "skipped"
MAX_ERROR = 2000


class Quarantined(msgspec.Struct, frozen=True, kw_only=True):
    read_model: str
    position: int
    stream_id: str
    version: int
    topic: str
    error: str
    state: str
    quarantined_at: str


def describe(exc: BaseException) -> str:
    """What went wrong, in a line (never a value: rows may hold what a log must not)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:MAX_ERROR]


def record(tx: Tx, read_model: str, position: int, event: Any, error: str) -> None:
    tx.execute(
        f"INSERT INTO {TABLE} (read_model, position, stream_id, version, topic, error, state,"
        " quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (read_model, position)"
        " DO UPDATE SET error = excluded.error, state = excluded.state",
        (
            read_model,
            position,
            str(event.originator_id),
            event.originator_version,
            topic_of(event),
            error,
            OPEN,
            iso(datetime.now(UTC)),
        ),
    )


def entries(
    db: Database, *, states: tuple[str, ...] = (OPEN,), read_models: list[str] | None = None
) -> list[Quarantined]:
    sql = f"SELECT * FROM {TABLE} WHERE state IN ({','.join('?' * len(states))})"
    params: list[Any] = list(states)
    if read_models is not None:
        sql += f" AND read_model IN ({','.join('?' * len(read_models)) or 'NULL'})"
        params += read_models
    rows = db.all(sql + " ORDER BY position, read_model", params)
    return [msgspec.convert(row, Quarantined) for row in rows]


def set_state(
    db: Database, state: str, read_model: str | None = None, position: int | None = None
) -> int:
    """Change open entries (all, or one read model's, or one position's); how many."""
    sql = f"UPDATE {TABLE} SET state = ? WHERE state = ?"
    params: list[Any] = [state, OPEN]
    for column, value in (("read_model", read_model), ("position", position)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    with db.transaction(write=True) as tx:
        tx.execute(sql, params)
        return tx.rowcount


def release(tx: Tx, read_model: str, position: int) -> None:
    tx.execute(f"DELETE FROM {TABLE} WHERE read_model = ? AND position = ?", (read_model, position))
