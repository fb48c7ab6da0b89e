"""The followers' fast read path decodes exactly what the library's mapper decodes, and a
rebuild replays without secondary indexes but always ends with all of them."""

from __future__ import annotations

from typing import Any

import pytest

from app.bootstrap import Services
from app.database import Database
from app.projections import read_models
from tests.conftest import write_mixed_history


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
    sql = (
        "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()"
        if db.dialect == "postgres"
        else "SELECT name FROM sqlite_master WHERE type = 'index'"
    )
    return {row["name"] for row in db.all(sql) if "_ix" in row["name"]}


def test_a_new_generation_builds_without_secondary_indexes_and_ends_with_all(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_mixed_history(services)
    services.read_side.catch_up()
    live = {t.name: services.read_side.physical(t) for m in read_models() for t in m.tables}
    models = services.read_side.models
    seen: list[set[str]] = []
    original = type(models[0]).apply

    def apply(self: Any, event: Any, changes: Any, position: int) -> None:
        if not seen and any("_g2" in name for name in changes.physical.values()):
            seen.append(indexes(services.db))
        original(self, event, changes, position)

    monkeypatch.setattr(type(models[0]), "apply", apply)
    services.read_side.rebuild(models)
    rebuilt = {t.name: services.read_side.physical(t) for m in read_models() for t in m.tables}
    declared = {
        f"{rebuilt[t.name]}_ix{n}"
        for m in read_models()
        for t in m.tables
        for n in range(len(t.indexes))
    }
    assert all(name.endswith("_g2") for name in rebuilt.values())
    assert seen and seen[0] & declared == set()
    assert indexes(services.db) >= declared
    assert rebuilt != live
