"""`/metrics` parses as Prometheus text and its counters move with the traffic sent; webhook
verdicts are counted once each; readiness fails while a read model lags too far."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.bootstrap import Services
from app.commands.dispatch import with_retries
from app.eventstore import ConcurrentWrite
from app.http.app import create_app
from tests.conftest import Api, count_events, make_settings, write_mixed_history
from tests.http.test_webhooks import BODY, SECRET, STATUS, Blog, blog, signed

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient[Any]) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_and_commands_are_counted_by_route_and_status(api: Api) -> None:
    before = scrape(api.client)
    site = api.create_site()
    api.create_integration(site["id"])
    for _ in range(3):
        assert api.get("/integrations/").status_code == 200
    assert api.get("/integrations/nope/").status_code == 404
    after = scrape(api.client)
    route = {
        "method": "GET",
        "path": "/api/v1/integration/integrations",
        "status_code": "200",
        "app_name": "integrations",
    }
    total = "integrations_http_requests_total"
    assert value(after, total, **route) - value(before, total, **route) == 3
    missing = {
        **route,
        "path": "/api/v1/integration/integrations/{integration_id}",
        "status_code": "404",
    }
    assert value(after, total, **missing) - value(before, total, **missing) == 1
    count = "integrations_http_request_duration_seconds_count"
    assert value(after, count, **route) - value(before, count, **route) == 3
    made = {"command": "CreateIntegration", "outcome": "ok"}
    commands = "integrations_commands_total"
    assert value(after, commands, **made) - value(before, commands, **made) == 1


def test_write_conflicts_are_counted_and_retried() -> None:
    def counts() -> tuple[float, float]:
        from prometheus_client import REGISTRY

        conflicts = (
            REGISTRY.get_sample_value("integrations_write_conflicts_total", {"command": "Probe"})
            or 0.0
        )
        done = (
            REGISTRY.get_sample_value(
                "integrations_commands_total", {"command": "Probe", "outcome": "ok"}
            )
            or 0.0
        )
        return conflicts, done

    attempts = iter([ConcurrentWrite("lost"), ConcurrentWrite("lost"), None])

    def flaky() -> str:
        failure = next(attempts)
        if failure:
            raise failure
        return "saved"

    before = counts()
    assert with_retries(flaky, name="Probe") == "saved"
    after = counts()
    assert (after[0] - before[0], after[1] - before[1]) == (2, 1)


def _deactivated(wp: Blog) -> Blog:
    assert wp.api.patch(wp.path, json={"is_active": False}).status_code == 200
    return wp


DELIVERIES: dict[str, Callable[[Blog, Blog], Any]] = {
    "accepted": lambda wp, _: wp.deliver(STATUS, **{"webhook-id": "msg_a"}),
    "duplicate": lambda wp, _: wp.deliver(STATUS, **{"webhook-id": "msg_a"}),
    "unknown_key": lambda wp, _: wp.deliver(STATUS, key="wpk_not-a-key"),
    "bad_signature": lambda _, signing: signing.deliver(
        BODY, **signed("whsec_" + "QUJD" * 8, BODY, "msg_s")
    ),
    "stale_timestamp": lambda _, signing: signing.deliver(
        BODY, **{**signed(SECRET, BODY, "msg_t"), "webhook-timestamp": "1000000000"}
    ),
    "too_large": lambda wp, _: wp.deliver({**STATUS, "title": "x" * 70_000}),
    "invalid_body": lambda wp, _: wp.deliver({"post_id": 1}),
    "inactive": lambda wp, _: _deactivated(wp).deliver(STATUS),
}


def test_each_webhook_verdict_is_counted_once_and_only_acceptance_writes(
    api: Api,
    services: Services,
) -> None:
    wp, signing = blog(api), Api(api.client, services, account_id="account-s")
    signing_blog = blog(signing, webhook_secret=SECRET)
    verdicts = "integrations_webhook_deliveries_total"
    for verdict, deliver in DELIVERIES.items():
        before, events = scrape(api.client), count_events(services)
        status = deliver(wp, signing_blog).status_code
        after = scrape(api.client)
        moved = {
            v: value(after, verdicts, verdict=v) - value(before, verdicts, verdict=v)
            for v in DELIVERIES
        }
        assert moved == {v: int(v == verdict) for v in DELIVERIES}, (verdict, status)
        grew = count_events(services) - events
        assert grew == (1 if verdict == "accepted" else 0) + (verdict == "inactive"), verdict


def test_projection_lag_is_exported_and_readiness_fails_past_the_limit(
    database_url: str,
    tmp_path: Any,
) -> None:
    services = Services(
        make_settings(database_url, tmp_path, embedded_workers=False, ready_max_lag=5)
    )
    try:
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            write_mixed_history(services, sites=2, patches=1)
            lagging = client.get("/health/ready")
            assert lagging.status_code == 503 and lagging.json()["status"] == "lagging"
            head = services.events.max_position()
            lag = value(
                scrape(client),
                "integrations_projection_lag_events",
                projection="integration_summaries",
            )
            assert lag == head > 5
            services.read_side.catch_up()
            assert client.get("/health/ready").status_code == 200
            assert (
                value(
                    scrape(client),
                    "integrations_projection_lag_events",
                    projection="sync_event_log",
                )
                == 0
            )
    finally:
        services.close()


@pytest.mark.parametrize(
    "name",
    [
        "integrations_sync_runs_total",
        "integrations_outbound_requests_total",
        "integrations_sync_run_duration_seconds",
    ],
)
def test_every_service_metric_is_described(api: Api, name: str) -> None:
    text = api.client.get("/metrics").text
    assert f"# HELP {name} " in text and f"# TYPE {name} " in text


def test_each_event_projected_live_is_observed_with_its_delay(api: Api) -> None:
    before, events = scrape(api.client), count_events(api.services)
    site = api.create_site()
    api.create_integration(site["id"])  # answered once projected: observed by then
    after = scrape(api.client)
    count, total = (
        "integrations_projection_delay_seconds_count",
        "integrations_projection_delay_seconds_sum",
    )
    assert value(after, count) - value(before, count) == count_events(api.services) - events
    assert 0 < value(after, total) - value(before, total) < 60
