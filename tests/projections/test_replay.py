"""The followers' fast read path decodes exactly what the library's mapper decodes, and a
rebuild replays without secondary indexes but always ends with all of them."""

from __future__ import annotations

from typing import Any

import pytest

from app.bootstrap import Services
from app.database import Database
from app.projection_engine.runner import ProjectionRunner
from app.projections import read_models
from tests.conftest import write_mixed_history


class Crash(BaseException):
    """The process stopping mid-batch (a kill), not a handler bug: bugs are quarantined."""

    pass


def test_replay_decodes_every_event_as_the_library_does(services: Services) -> None:
    write_mixed_history(services)
    expected = [(n.id, services.events.decode(n)) for n in services.events.read(0, 10_000)]
    replayed = services.events.replay(0, 10_000)
    assert [p for p, _ in replayed] == [p for p, _ in expected]
    for (_, mine), (_, theirs) in zip(replayed, expected, strict=True):
        assert type(mine) is type(theirs)
        assert vars(mine) == vars(theirs)
        assert str(mine.originator_id) == str(theirs.originator_id)
        assert hash(mine.originator_id) == hash(theirs.originator_id)

    first, third, fifth = expected[0][0], expected[2][0], expected[4][0]
    window = services.events.replay(first, 10, stop=fifth)
    assert [p for p, _ in window] == [p for p, _ in expected[1:5]]
    assert [p for p, _ in services.events.replay(first, 2)] == [expected[1][0], third]
    assert services.events.replay(expected[-1][0], 10) == []


def indexes(db: Database) -> set[str]:
    sql = ("SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()"
           if db.dialect == "postgres" else
           "SELECT name FROM sqlite_master WHERE type = 'index'")
    return {row["name"] for row in db.all(sql) if "_ix" in row["name"]}


def test_a_rebuild_drops_secondary_indexes_and_builds_them_again(services: Services) -> None:
    write_mixed_history(services)
    before = indexes(services.db)
    declared = {f"{table.name}_ix{n}" for p in read_models() for table in p.tables
                for n in range(len(table.indexes))}
    assert before >= declared

    projections = read_models()
    seen: list[set[str]] = []
    original = projections[0].apply

    def apply(event: Any, batch: Any, position: int) -> None:
        if not seen:
            seen.append(indexes(services.db))
        original(event, batch, position)

    projections[0].apply = apply  # type: ignore[method-assign]
    runner = ProjectionRunner(services.events, services.db, projections, batch_size=50)
    runner.reset()
    with runner.indexes_deferred():
        runner.catch_up()
    assert seen[0] & declared == set()
    assert indexes(services.db) == before

    def crash(event: Any, batch: Any, position: int) -> None:
        raise Crash()

    projections[0].apply = crash  # type: ignore[method-assign]
    runner = ProjectionRunner(services.events, services.db, projections, batch_size=50)
    runner.reset()
    with pytest.raises(Crash), runner.indexes_deferred():
        runner.catch_up()
    assert indexes(services.db) == before
