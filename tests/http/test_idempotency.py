"""`Idempotency-Key` on every POST that creates or starts something: a retry (also a
concurrent one) makes one effect and gets the first answer; another body is a 422."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Api, count_events

LOOPBACK = "http://127.0.0.1:9/"  # outbound calls to it are refused by the guard, never sent


class Routes:
    """The creating POSTs, each with a body, another body, and the event it causes once."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.site = api.create_site(url=LOOPBACK)
        self.wp = api.create_integration(self.site["id"])
        site, wp = self.site["id"], self.wp["id"]
        self.cases: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any] | None, str]] = {
            "create_site": (
                "/sites/",
                {"name": "A", "url": "https://a.example.com"},
                {"name": "B", "url": "https://a.example.com"},
                "site.created",
            ),
            "rotate_key": (f"/sites/{site}/rotate-api-key/", None, None, "site.api_key_rotated"),
            "create_integration": (
                "/integrations/",
                {"site_id": site, "platform": "custom"},
                {"site_id": site, "platform": "shopify"},
                "integration.created",
            ),
            "sync": (
                f"/integrations/{wp}/sync/",
                {"direction": "metadata"},
                {"direction": "from_external"},
                "integration.sync_requested",
            ),
            "test_connection": (
                f"/integrations/{wp}/test-connection/",
                None,
                None,
                "integration.connection_tested",
            ),
            "onboarding": (
                "/integrations/test-connection/",
                {"site_id": site, "api_key": self.site["api_key"], "site_url": LOOPBACK},
                {
                    "site_id": site,
                    "api_key": self.site["api_key"],
                    "site_url": "http://127.0.0.1:10/",
                },
                "idempotency.answered",
            ),
        }

    def send(self, route: str, key: str, *, other: bool = False) -> Any:
        path, body, other_body, _ = self.cases[route]
        chosen = other_body if other else body
        kwargs = {} if chosen is None else {"json": chosen}
        return self.api.post(path, headers={"Idempotency-Key": key}, **kwargs)

    def effects(self, route: str) -> int:
        return count_events(self.api.services, self.cases[route][3])


@pytest.fixture
def routes(api: Api) -> Routes:
    return Routes(api)


ROUTES = [
    "create_site",
    "rotate_key",
    "create_integration",
    "sync",
    "test_connection",
    "onboarding",
]


def _settle(routes: Routes, route: str, answer: Any) -> None:
    """A sync's run writes its own events from the worker: let it finish before counting."""
    if route == "sync":
        run = answer.headers["location"].removeprefix(Api.BASE)
        _until(lambda: routes.api.get(run).json()["status"] in ("success", "failed"))


@pytest.mark.parametrize("route", ROUTES)
def test_a_retry_with_the_same_key_answers_the_first_response_and_changes_nothing(
    routes: Routes,
    route: str,
) -> None:
    before = routes.effects(route)
    first = routes.send(route, "retry-1")
    assert first.status_code < 300, first.text
    _settle(routes, route, first)
    events = count_events(routes.api.services)
    again = routes.send(route, "retry-1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert routes.effects(route) == before + 1
    assert count_events(routes.api.services) == events


@pytest.mark.parametrize("route", ROUTES)
def test_concurrent_requests_with_one_key_make_one_effect(routes: Routes, route: str) -> None:
    before = routes.effects(route)
    answers = _at_once(4, lambda: routes.send(route, "together"))
    assert len({(a.status_code, a.text) for a in answers}) == 1, [a.text for a in answers]
    assert answers[0].status_code < 300
    assert routes.effects(route) == before + 1


@pytest.mark.parametrize("route", ["create_site", "create_integration", "sync", "onboarding"])
def test_the_same_key_with_another_body_is_a_422(routes: Routes, route: str) -> None:
    first = routes.send(route, "k")
    assert first.status_code < 300
    _settle(routes, route, first)
    before = count_events(routes.api.services)
    reused = routes.send(route, "k", other=True)
    assert reused.status_code == 422
    assert reused.headers["content-type"].startswith("application/problem+json")
    assert reused.json()["type"] == "/problems/idempotency-key-reused"
    assert count_events(routes.api.services) == before


def test_keys_are_scoped_per_account_and_route(routes: Routes, other_api: Api) -> None:
    mine = routes.send("create_site", "shared")
    theirs = other_api.post(
        "/sites/",
        json={"name": "A", "url": "https://a.example.com"},
        headers={"Idempotency-Key": "shared"},
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != mine.json()["id"]
    integration = routes.send("create_integration", "shared")
    assert integration.status_code == 201  # same key, another route: its own request


def test_a_retried_sync_after_the_run_finished_starts_no_second_run(routes: Routes) -> None:
    first = routes.send("sync", "nightly")
    run = first.headers["location"].removeprefix(Api.BASE)
    _until(lambda: routes.api.get(run).json()["status"] in ("success", "failed"))
    runs = routes.effects("sync")
    again = routes.send("sync", "nightly")
    assert again.status_code == 202 and again.json() == first.json()
    assert routes.effects("sync") == runs


def test_an_answer_holding_an_api_key_is_never_stored_in_plaintext(routes: Routes) -> None:
    created = routes.send("create_site", "secret").json()
    rotated = routes.send("rotate_key", "secret").json()
    services = routes.api.services
    table = "stored_events" if services.db.dialect == "sqlite" else "integrations_events"
    states = [bytes(row["state"]) for row in services.db.all(f"SELECT state FROM {table}")]
    for key in (created["api_key"], rotated["api_key"]):
        assert not any(key.encode() in state for state in states)
    assert routes.send("rotate_key", "secret").json() == rotated  # yet retries get it back


def _at_once(count: int, call: Callable[[], Any]) -> list[Any]:
    answers: list[Any] = []
    barrier = threading.Barrier(count)

    def one() -> None:
        barrier.wait()
        answers.append(call())

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
