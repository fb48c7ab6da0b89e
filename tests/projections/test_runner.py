"""Projections apply every event exactly once, also across crashes and competing runners."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from app.aggregates.integration import Integration
from app.bootstrap import Services
from app.projection_engine.runner import ProjectionRunner, Target
from app.projection_engine.verify import verify
from app.projections import read_models
from app.projections.event_feed import FEED
from app.projections.integration_summaries import SUMMARIES
from app.projections.sync_event_log import LOG, entry_for
from tests.conftest import live_targets, write_mixed_history


class Crash(BaseException):
    """The process stopping mid-batch (a kill), not a handler bug: bugs are quarantined."""

    pass


def crashing_at(services: Services, position: int) -> list[Target]:
    projections = live_targets(services, read_models())
    summaries = projections[0].model
    original = summaries.apply

    def apply(event: Any, tx: Any, at: int) -> None:
        if at == position:
            raise Crash(f"killed at {position}")
        original(event, tx, at)

    summaries.apply = apply  # type: ignore[method-assign]
    return projections


def log_entries_expected(services: Services) -> int:
    notifications = services.events.read(0, 100_000)
    return sum(entry_for(services.events.decode(n)) is not None for n in notifications)


def test_crash_mid_batch_commits_nothing_and_restart_matches_a_rebuild(
    services: Services,
) -> None:
    write_mixed_history(services)
    head = services.events.max_position()
    crash_at = next(
        p
        for p, e in services.events.replay(head // 2, 100)  # one it applies
        if isinstance(e, Integration.Event)
    )
    doomed = ProjectionRunner(
        services.events, services.db, crashing_at(services, crash_at), batch_size=7
    )
    with pytest.raises(Crash):
        doomed.catch_up()
    position = doomed.position()
    assert 0 < position < crash_at <= position + 7
    assert services.db.value(f"SELECT MAX(position) FROM {FEED}") == position

    restarted = ProjectionRunner(services.events, services.db, live_targets(services), batch_size=7)
    restarted.catch_up()
    assert restarted.position() == head
    assert verify(services.events, services.db, live_targets(services)) == []
    assert services.db.value(f"SELECT COUNT(*) FROM {LOG}") == log_entries_expected(services)
    assert services.db.value(f"SELECT COUNT(*) FROM {FEED}") == head


def test_competing_runners_apply_each_event_once(services: Services) -> None:
    write_mixed_history(services, sites=8)
    runners = [
        ProjectionRunner(services.events, services.db, live_targets(services), batch_size=3)
        for _ in range(3)
    ]
    errors: list[BaseException] = []

    def drive(runner: ProjectionRunner) -> None:
        try:
            runner.catch_up()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=drive, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert runners[0].position() == services.events.max_position()
    assert verify(services.events, services.db, live_targets(services)) == []
    assert services.db.value(f"SELECT COUNT(*) FROM {LOG}") == log_entries_expected(services)


def test_verify_names_a_tampered_row(services: Services) -> None:
    alive = write_mixed_history(services, sites=2)
    services.read_side.catch_up()
    assert verify(services.events, services.db, live_targets(services)) == []
    with services.db.transaction(write=True) as tx:
        tx.execute(
            f"UPDATE {services.read_side.physical(SUMMARIES)} SET sync_status = 'failed'"
            " WHERE id = ?",
            (alive[0],),
        )
    differences = verify(services.events, services.db, live_targets(services))
    assert len(differences) == 1
    assert alive[0] in differences[0] and "sync_status" in differences[0]


def test_reset_and_rebuild_gives_identical_rows(services: Services) -> None:
    write_mixed_history(services, sites=3)
    runner = ProjectionRunner(services.events, services.db, live_targets(services))
    runner.catch_up()
    before = {
        t: services.db.all(f"SELECT * FROM {t} ORDER BY 1") for p in read_models() for t in p.tables
    }
    runner.reset()
    assert services.db.value(f"SELECT COUNT(*) FROM {SUMMARIES}") == 0
    runner.catch_up()
    after = {
        t: services.db.all(f"SELECT * FROM {t} ORDER BY 1") for p in read_models() for t in p.tables
    }
    assert after == before


def test_a_small_row_cache_still_gives_the_same_rows(services: Services) -> None:
    write_mixed_history(services, sites=4)
    tiny = ProjectionRunner(services.events, services.db, live_targets(services), batch_size=5)
    tiny.reset()
    tiny.cache_limit = 7
    tiny.catch_up()
    assert verify(services.events, services.db, live_targets(services)) == []


def test_a_batch_applied_by_another_runner_right_after_a_reset_is_noticed(
    services: Services,
) -> None:
    """A rebuild assumes its emptied tables hold only what it wrote; a follower's batch in
    between must not be overwritten by rows the rebuild believes new."""
    write_mixed_history(services)
    rebuild = ProjectionRunner(services.events, services.db, live_targets(services), batch_size=20)
    rebuild.reset()
    follower = ProjectionRunner(services.events, services.db, live_targets(services), batch_size=20)
    assert follower.step() == 20
    rebuild.catch_up()
    assert rebuild.position() == services.events.max_position()
    assert verify(services.events, services.db, live_targets(services)) == []


Deliver = Callable[[int, int, str | None, str], None]


def webhooks_of_one_integration(services: Services) -> tuple[str, Deliver]:
    """A mixed history's first integration, projected, and a function that records the
    webhook delivery `d-<n>` for one of its posts: (n, post id, content id, status)."""
    from app.commands import record_webhook
    from app.commands.context import Context

    integration_id = write_mixed_history(services, sites=1)[0]
    services.read_side.catch_up()
    site_id = services.db.value(
        f"SELECT site_id FROM {services.read_side.physical(SUMMARIES)} WHERE id = ?",
        (integration_id,),
    )
    ctx = Context(account_id="account-a", actor="site:test", request_id="webhooks")

    def deliver(n: int, post_id: int, content_id: str | None, status: str) -> None:
        command = record_webhook.RecordWebhook(
            integration_id=integration_id,
            site_id=str(site_id),
            delivery_id=f"d-{n}",
            kind="status",
            post_id=post_id,
            content_id=content_id,
            status=status,
        )
        assert not record_webhook.handle(command, services.store, ctx).duplicate

    return integration_id, deliver


def test_a_batch_reads_the_rows_its_webhooks_want_in_one_statement_per_table(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows a batch's handlers name up front (`rows_wanted`) are read with one SELECT per
    table; the rows match what reading them one by one (a rebuild) gives."""
    from app.projection_engine.changeset import Changeset
    from app.projections.content_index import IDS, POSTS

    integration_id, deliver = webhooks_of_one_integration(services)
    for n, post_id in enumerate([1, 2, 3]):  # rows that exist before the batch
        deliver(n, post_id, f"c-{post_id}", "publish" if n % 2 else "draft")
    services.read_side.catch_up()
    batch = [(1, "c-1"), (2, "c-9"), (4, "c-4"), (4, None), (5, "c-3"), (1, "c-1")]
    for n, (post_id, content_id) in enumerate(batch, start=10):  # repeats, a remap, a new
        deliver(n, post_id, content_id, "publish" if n % 2 else "draft")  # post, a taken id

    one_by_one: list[tuple[str, Any]] = []
    many: list[str] = []
    load, select_many = Changeset._load, Changeset._select_many

    def counted_load(self: Changeset, table: Any, key: Any) -> Any:
        one_by_one.append((table.name, key))
        return load(self, table, key)

    def counted_select_many(self: Changeset, table: Any, keys: Any) -> Any:
        many.append(table.name)
        return select_many(self, table, keys)

    monkeypatch.setattr(Changeset, "_load", counted_load)
    monkeypatch.setattr(Changeset, "_select_many", counted_select_many)
    fresh = ProjectionRunner(services.events, services.db, live_targets(services))  # no cache
    assert fresh.step() == 6
    posts = {(integration_id, post_id) for post_id, _ in batch}
    content_ids = {(integration_id, content_id) for _, content_id in batch if content_id}
    assert not {key for table, key in one_by_one if table == POSTS.name} & posts
    assert not {key for table, key in one_by_one if table == IDS.name} & content_ids
    assert sorted(many) == sorted([POSTS.name, IDS.name])
    monkeypatch.undo()
    assert verify(services.events, services.db, live_targets(services)) == []


class RoundTrips:
    """What the client waits for PostgreSQL to answer: a statement outside a pipeline, a
    pipeline (however many statements it carries), a transaction's `BEGIN` and its end."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def count(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import contextlib

        import psycopg

        seen = self.seen
        execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany
        pipeline, transaction = psycopg.Connection.pipeline, psycopg.Connection.transaction

        def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
            if self.connection._pipeline is None:
                seen.append("execute")
            return execute(self, *args, **kwargs)

        def counted_executemany(self: Any, *args: Any, **kwargs: Any) -> Any:
            if self.connection._pipeline is None:
                seen.append("executemany")
            return executemany(self, *args, **kwargs)

        @contextlib.contextmanager
        def counted_pipeline(self: Any) -> Any:
            outermost = self._pipeline is None
            with pipeline(self) as entered:
                yield entered
            if outermost:
                seen.append("pipeline")

        @contextlib.contextmanager
        def counted_transaction(self: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append("BEGIN" if self._pipeline is None else "BEGIN (pipelined)")
            with transaction(self, *args, **kwargs) as entered:
                yield entered
            seen.append("COMMIT" if self._pipeline is None else "COMMIT (pipelined)")

        monkeypatch.setattr(psycopg.Cursor, "execute", counted_execute)
        monkeypatch.setattr(psycopg.Cursor, "executemany", counted_executemany)
        monkeypatch.setattr(psycopg.Connection, "pipeline", counted_pipeline)
        monkeypatch.setattr(psycopg.Connection, "transaction", counted_transaction)


def test_a_live_batch_on_postgres_takes_five_round_trips(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read the events, read the rows they want (every table at once), then `BEGIN`, one
    pipeline (tracking, every table's writes, the announcement) and `COMMIT`."""
    if services.db.dialect != "postgres":
        pytest.skip("round trips are PostgreSQL's")

    _, deliver = webhooks_of_one_integration(services)
    runner = ProjectionRunner(services.events, services.db, live_targets(services))
    runner.announce = True
    deliver(0, 0, "c-0", "publish")
    assert runner.step() == 1  # the runner knows its positions from here on, as a live one does
    for n in range(1, 6):  # new posts and content ids: rows to look for, none cached
        deliver(n, n, f"c-{n}", "publish")
    trips = RoundTrips()
    trips.count(monkeypatch)
    assert runner.step() == 5
    monkeypatch.undo()
    assert trips.seen == ["execute", "pipeline", "BEGIN", "pipeline", "COMMIT"]
    assert verify(services.events, services.db, live_targets(services)) == []
