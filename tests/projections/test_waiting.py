"""A request waits for its projection on the event loop (`Progress.reached`): woken by the
position's arrival from any thread, by the tracking table when nothing is heard, and never
holding a worker thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from app.bootstrap import Services
from app.database import Database
from app.projection_engine.waiting import Progress
from tests.conftest import Api

NAMES = ["a_v1_g1", "b_v1_g1"]


@pytest.fixture
def progress(services: Services) -> Progress:
    watched = Progress(services.db)
    watched.watch(NAMES)
    return watched


def set_tracking(db: Database, position: int) -> None:
    with db.transaction(write=True) as tx:
        for name in NAMES:
            tx.execute("DELETE FROM projection_tracking WHERE name = ?", (name,))
            tx.execute(
                "INSERT INTO projection_tracking (name, position, writer) VALUES (?, ?, '')",
                (name, position),
            )


def test_a_position_heard_from_another_thread_answers_every_waiter(progress: Progress) -> None:
    async def main() -> list[bool]:
        waiting = [asyncio.create_task(progress.reached(p, 5.0, 5.0)) for p in (3, 4, 4)]
        await asyncio.sleep(0.05)
        assert not any(task.done() for task in waiting)
        threading.Thread(target=progress.heard, args=(NAMES[:1], 4)).start()
        await asyncio.sleep(0.05)
        assert not any(task.done() for task in waiting)  # one read model is not there yet
        threading.Thread(target=progress.heard, args=(NAMES[1:], 4)).start()
        return list(await asyncio.wait_for(asyncio.gather(*waiting), 2.0))

    assert asyncio.run(main()) == [True, True, True]
    assert progress._waiters == []


def test_with_nothing_heard_a_waiter_reads_the_tracking_table(
    services: Services, progress: Progress
) -> None:
    async def main() -> bool:
        waiting = asyncio.create_task(progress.reached(7, 5.0, 0.05))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        set_tracking(services.db, 7)  # a runner that announces nothing
        return await asyncio.wait_for(waiting, 2.0)

    assert asyncio.run(main()) is True


def test_a_position_that_never_comes_times_out(progress: Progress) -> None:
    async def main() -> bool:
        return await progress.reached(9, 0.2, 0.05)

    assert asyncio.run(main()) is False
    assert progress._waiters == []


def test_a_write_answered_after_its_projection_holds_no_thread_meanwhile(
    api: Api, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_thread_waits(*_: Any) -> bool:
        raise AssertionError("a worker thread waited for the projection")

    monkeypatch.setattr(Progress, "wait_for", no_thread_waits)
    site = api.create_site()  # read-your-writes: the created integration's GET sees it
    integration = api.create_integration(site["id"])
    assert api.get(f"/integrations/{integration['id']}/").status_code == 200
    delivered = api.client.post(
        "/api/v1/integration/webhooks/wordpress/status/",
        json={"post_id": 1, "status": "publish"},
        headers={"X-Api-Key": site["api_key"], "webhook-id": "held-no-thread"},
    )
    assert delivered.status_code == 200, delivered.text
    log = api.get(f"/integrations/{integration['id']}/sync-events/")
    assert log.json()["results"][0]["event_type"] == "webhook"  # newest first
