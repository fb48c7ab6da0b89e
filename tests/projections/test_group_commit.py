"""Commands that save at the same moment share one transaction, and a conflict in a group
fails only the command that collided."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from app.aggregates.site import Site
from app.bootstrap import Services
from app.eventstore import ConcurrentWrite, EventMetadata
from tests.conftest import Api, count_events
from tests.processes import wait_until

META = EventMetadata(actor="user:test", request_id="group")


def hold_first_commit(services: Services, until: Callable[[], bool]) -> None:
    """Make the first transaction wait until `until()` (the others queue meanwhile)."""
    committer = services.events.committer
    commit = committer._commit
    first = threading.Event()

    def held(group: Any) -> list[int]:
        if not first.is_set():
            first.set()
            wait_until(until, 10, "the other saves to queue")
        return commit(group)

    committer._commit = held


def test_concurrent_deliveries_share_transactions_and_each_lands_once(api: Api) -> None:
    site = api.create_site()
    api.create_integration(site["id"])
    key = {"X-Api-Key": site["api_key"]}
    committer = api.services.events.committer
    before, events_before = committer.transactions, count_events(api.services)
    hold_first_commit(api.services, lambda: len(committer._queue) >= 19)

    def deliver(n: int) -> int:
        response = api.client.post(
            "/api/v1/integration/webhooks/wordpress/status/",
            json={"post_id": n + 1, "status": "publish"},
            headers={**key, "webhook-id": f"d-{n}"},
        )
        return int(response.status_code)

    results: list[int] = []
    threads = [threading.Thread(target=lambda n=n: results.append(deliver(n))) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [200] * 20
    assert count_events(api.services) - events_before == 20
    assert committer.transactions - before < 20


def test_a_conflict_in_a_group_fails_only_the_command_that_collided(
    services: Services,
) -> None:
    sites = [
        Site(
            id=uuid.uuid4(),
            account_id="acc",
            name=f"s{n}",
            url="https://s.io",  # type: ignore[call-arg]
            api_key_hash="k:0",
        )
        for n in range(4)
    ]
    services.events.record(*sites, metadata=META)
    stale = services.store.load(Site, sites[0].id, LookupError())
    fresh = services.store.load(Site, sites[0].id, LookupError())
    others = [services.store.load(Site, s.id, LookupError()) for s in sites[1:]]
    for site in [stale, fresh, *others]:
        site.rotate_api_key("k:1")
    committer = services.events.committer
    hold_first_commit(services, lambda: len(committer._queue) >= 4)
    outcomes: dict[str, str] = {}

    def save(name: str, site: Site) -> None:
        try:
            services.events.record(site, metadata=META)
            outcomes[name] = "saved"
        except ConcurrentWrite:
            outcomes[name] = "conflict"

    named = [("fresh", fresh), ("stale", stale), *((f"o{n}", s) for n, s in enumerate(others))]
    first = threading.Thread(target=save, args=named[0])
    first.start()
    wait_until(lambda: committer._leading, 5, "the first save to lead")
    threads = [threading.Thread(target=save, args=pair) for pair in named[1:]]
    for thread in threads:
        thread.start()
    for thread in [first, *threads]:
        thread.join(30)
    assert outcomes == {
        "fresh": "saved",
        "stale": "conflict",
        "o0": "saved",
        "o1": "saved",
        "o2": "saved",
    }
