"""A full rebuild of every read model, blue/green: a new generation is built beside the live
one while writes go on, and the views switch to it once it has caught up. Readers polling
all the while never see fewer rows or older state, never a 5xx, and after the switch every
write made during the rebuild is visible."""

from __future__ import annotations

import threading
import time
from typing import Any

from app.projection_engine import generations
from app.projection_engine.generations import LIVE
from app.projection_engine.verify import verify
from tests.conftest import Api, live_targets, write_mixed_history


class Poller(threading.Thread):
    """Reads list, detail, sync events and debug status every 50 ms; keeps what it saw."""

    def __init__(self, api: Api, integration_id: str) -> None:
        super().__init__(daemon=True)
        self.api, self.integration_id = api, integration_id
        self.seen: list[tuple[int, int, int, int]] = []
        self.statuses: set[int] = set()
        self.done = threading.Event()

    def run(self) -> None:
        base = f"/integrations/{self.integration_id}"
        while not self.done.wait(0.05):
            answers = [
                self.api.get(path)
                for path in (
                    "/integrations/?limit=200",
                    f"{base}/",
                    f"{base}/sync-events/?limit=200",
                    f"{base}/debug-status/",
                )
            ]
            self.statuses |= {a.status_code for a in answers}
            if all(a.status_code == 200 for a in answers):
                listed, detail, log, debug = (a.json() for a in answers)
                self.seen.append(
                    (
                        len(listed["results"]),
                        detail["version"],
                        len(log["results"]),
                        debug["counters"]["events_total"],
                    )
                )


def rebuild_all(api: Api) -> set[tuple[str, int]]:
    read_side = api.services.read_side
    wanted = {
        (g.name, g.generation)
        for g in (generations.request_rebuild(api.services.db, m) for m in read_side.models)
    }
    read_side.changed()
    read_side.build_batch = 10  # many steps, interleaved with the writes
    return wanted


def test_a_blue_green_rebuild_never_shows_less_and_loses_no_write(api: Api) -> None:
    site = api.create_site()
    watched = api.create_integration(site["id"])
    write_mixed_history(api.services, sites=30, account_id=api.account_id, patches=10)
    poller = Poller(api, watched["id"])
    poller.start()
    wanted = rebuild_all(api)
    patches: list[dict[str, Any]] = []
    sites_created: list[str] = []
    deadline = time.monotonic() + 60
    while not wanted <= {(g.name, g.generation) for g in live(api)}:
        assert time.monotonic() < deadline, "the rebuild did not finish"
        patched = api.patch(
            f"/integrations/{watched['id']}/", json={"config_json": {"n": len(patches)}}
        )
        assert patched.status_code == 200, patched.text
        patches.append(patched.json())
        sites_created.append(api.create_site(name=f"During {len(patches)}")["id"])
    poller.done.set()
    poller.join(10)

    assert patches and poller.statuses == {200}
    assert len(poller.seen) > 5
    for before, after in zip(poller.seen, poller.seen[1:], strict=False):
        assert all(b <= a for b, a in zip(before, after, strict=True)), (before, after)
    detail = api.get(f"/integrations/{watched['id']}/").json()
    assert detail["version"] == patches[-1]["version"]
    assert detail["config_json"]["n"] == len(patches) - 1
    sites = {s["id"] for s in api.get("/sites/?limit=200").json()["results"]}
    assert set(sites_created) <= sites
    assert verify(api.services.events, api.services.db, live_targets(api.services)) == []


def live(api: Api) -> list[generations.Generation]:
    return [g for g in generations.every(api.services.db) if g.state == LIVE]
