"""JSON log lines carry the ids bound to the request (or sync run) that wrote them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app.logs import ContextFilter, JsonFormatter, bind, bound, clear
from tests.conftest import Api
from tests.http.test_webhooks import STATUS, blog


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines into a buffer, as `INTEGRATIONS_LOG_FORMAT=json`."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def parsed(buffer: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_webhook_delivery_logs_its_request_and_integration_ids(
    api: Api,
    json_lines: io.StringIO,
) -> None:
    wp = blog(api)
    answer = wp.deliver(STATUS, **{"X-Request-ID": "req-hook-1", "webhook-id": "msg_1"})
    assert answer.status_code == 200
    lines = [line for line in parsed(json_lines) if line.get("request_id") == "req-hook-1"]
    verdict = next(line for line in lines if line["logger"] == "app.http.webhooks")
    assert verdict["integration_id"] == wp.integration["id"]
    assert verdict["message"] == "webhook delivery msg_1: accepted"
    access = next(line for line in lines if line["logger"] == "app.http.access")
    assert access["integration_id"] == wp.integration["id"]
    assert access["message"].startswith("POST /api/v1/integration/webhooks/wordpress/status")
    assert {"time", "level", "pid"} <= verdict.keys()


def test_ids_in_a_path_are_bound_and_requests_do_not_leak_into_each_other(
    api: Api,
    json_lines: io.StringIO,
) -> None:
    integration = api.create_integration(api.create_site()["id"])
    api.get(f"/integrations/{integration['id']}/", headers={"X-Request-ID": "req-a"})
    api.get("/integrations/", headers={"X-Request-ID": "req-b"})
    by_request = {
        line["request_id"]: line
        for line in parsed(json_lines)
        if line["logger"] == "app.http.access"
    }
    assert by_request["req-a"]["integration_id"] == integration["id"]
    assert "integration_id" not in by_request["req-b"]


def test_bound_ids_are_scoped_to_their_block(json_lines: io.StringIO) -> None:
    clear()
    bind(request_id="r1")
    with bound(sync_id="s1", integration_id=None):
        logging.getLogger("app.sync").info("inside")
    logging.getLogger("app.sync").info("outside")
    inside, outside = parsed(json_lines)[-2:]
    assert (inside["request_id"], inside["sync_id"]) == ("r1", "s1")
    assert "integration_id" not in inside
    assert outside["request_id"] == "r1" and "sync_id" not in outside
    clear()
