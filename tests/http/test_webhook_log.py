"""The inbound webhook log: every delivery attempt with its verdict, once; refusals are kept
there and never as events; the log is bounded per integration; a failure to log never fails
a delivery."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.bootstrap import Services
from app.cli import main
from tests.conftest import Api, cli_env, count_events
from tests.http.test_webhooks import PLUGIN_KEY, STATUS, Blog, blog, new_secret, signed

SECRET = new_secret()
BODY = json.dumps(STATUS).encode()


@pytest.fixture
def wp(api: Api) -> Blog:
    return blog(api)


def log_of(wp: Blog, query: str = "") -> list[dict[str, Any]]:
    response = wp.api.get(f"{wp.path}webhook-deliveries/?{query}")
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def signed_now(msg_id: str, body: bytes = BODY, minutes: int = 0) -> dict[str, str]:
    return signed(SECRET, body, msg_id, datetime.now(UTC) + timedelta(minutes=minutes))


def deactivate(wp: Blog) -> None:
    assert wp.api.patch(wp.path, json={"is_active": False}).status_code == 200


TOO_LARGE = json.dumps({**STATUS, "title": "x" * 70_000}).encode()
INVALID = json.dumps({**STATUS, "extra": 1}).encode()
ATTEMPTS: list[tuple[str, Callable[[Blog], None] | None, bytes, Callable[[str], Any], int]] = [
    ("accepted", None, BODY, lambda m: signed_now(m), 200),
    ("duplicate", None, BODY, lambda m: signed_now("msg_accepted"), 200),
    ("bad_signature", None, BODY, lambda m: {**signed_now(m), "webhook-signature": "v1,AAAA"}, 401),
    ("stale_timestamp", None, BODY, lambda m: signed_now(m, minutes=-6), 401),
    ("invalid_body", None, INVALID, lambda m: signed_now(m, INVALID), 400),
    ("too_large", None, TOO_LARGE, lambda m: {"webhook-id": m}, 413),
    ("inactive", deactivate, BODY, lambda m: signed_now(m), 409),
]


def test_each_verdict_is_logged_once_and_only_accepted_ones_are_events(
    api: Api,
    services: Services,
) -> None:
    wp = blog(api, webhook_secret=SECRET)
    for verdict, before_sending, body, headers, status in ATTEMPTS:
        if before_sending:
            before_sending(wp)
        events = count_events(services)
        msg_id = f"msg_{verdict}"
        answer = wp.deliver(body, **headers(msg_id))
        assert answer.status_code == status, (verdict, answer.text)
        assert count_events(services) == events + (verdict == "accepted"), verdict
        newest = log_of(wp)[0]
        assert newest["verdict"] == verdict
        expected_id = "msg_accepted" if verdict == "duplicate" else msg_id
        assert newest["delivery_id"] == expected_id
        assert newest["size_bytes"] == len(body)
        assert newest["request_id"] == answer.headers["x-request-id"]
    entries = log_of(wp)
    assert [e["verdict"] for e in entries] == [a[0] for a in reversed(ATTEMPTS)]
    assert SECRET not in json.dumps(entries) and wp.key not in json.dumps(entries)


def test_unknown_keys_name_no_integration_and_are_logged_nowhere(
    wp: Blog,
    services: Services,
) -> None:
    events = count_events(services)
    assert wp.deliver(key="wpk_not-a-key", **{"webhook-id": "msg_1"}).status_code == 401
    assert wp.deliver(key=PLUGIN_KEY + "x", **{"webhook-id": "msg_2"}).status_code == 401
    assert count_events(services) == events
    assert log_of(wp) == []


@pytest.mark.parametrize("settings_overrides", [{"webhook_log_size": 3}])
def test_the_log_keeps_the_newest_attempts_per_integration(api: Api) -> None:
    wp, other = blog(api), blog(api)
    assert other.deliver(**{"webhook-id": "other_1"}).status_code == 200
    for n in range(6):
        body = INVALID if n % 2 else BODY
        assert wp.deliver(body, **{"webhook-id": f"msg_{n}"}).status_code in (200, 400)
    entries = log_of(wp)
    assert [e["delivery_id"] for e in entries] == ["msg_5", "msg_4", "msg_3"]
    assert [e["verdict"] for e in entries] == ["invalid_body", "accepted", "invalid_body"]
    first = wp.api.get(f"{wp.path}webhook-deliveries/?limit=2").json()
    rest = log_of(wp, f"limit=2&cursor={first['next_cursor']}")
    assert first["results"] + rest == entries
    assert [e["delivery_id"] for e in log_of(other)] == ["other_1"]


def test_a_failure_to_log_never_fails_a_delivery(
    wp: Blog,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("the log table is gone")

    monkeypatch.setattr(services.webhook_attempts, "_write", broken)
    assert wp.deliver(**{"webhook-id": "msg_1"}).status_code == 200
    assert wp.deliver(**{"webhook-id": "msg_1"}).status_code == 200  # duplicate
    assert wp.deliver(b"{not json", **{"webhook-id": "msg_2"}).status_code == 400
    assert count_events(services, "integration.webhook_received") == 1
    integration = wp.integration["id"]
    assert [r.message for r in caplog.records if r.name == "app.webhook_attempts"] == [
        f"could not log the webhook attempt msg_1 (duplicate) of integration {integration}",
        f"could not log the webhook attempt msg_2 (invalid_body) of integration {integration}",
    ]
    assert [e["verdict"] for e in log_of(wp)] == ["accepted"]  # written with its event


def test_an_accepted_delivery_and_its_log_row_commit_in_one_transaction(
    wp: Blog,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    committer = services.events.committer
    before = committer.transactions
    separate: list[Any] = []  # the log's own transactions (duplicates and refusals)
    write = services.webhook_attempts._write
    monkeypatch.setattr(services.webhook_attempts, "_write", lambda a: separate.append(write(a)))
    assert wp.deliver(**{"webhook-id": "msg_1"}).status_code == 200
    assert committer.transactions == before + 1 and separate == []
    assert [e["delivery_id"] for e in log_of(wp)] == ["msg_1"]

    def lost(_: Any) -> list[int]:
        raise RuntimeError("the connection dropped at commit")

    monkeypatch.setattr(committer, "_commit", lost)
    assert wp.deliver(**{"webhook-id": "msg_2"}).status_code == 500
    monkeypatch.undo()
    assert count_events(services, "integration.webhook_received") == 1
    assert [e["delivery_id"] for e in log_of(wp)] == ["msg_1"]  # neither the event nor its row


def test_the_cli_prints_the_webhook_log(
    wp: Blog,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert wp.deliver(**{"webhook-id": "msg_1"}).status_code == 200
    assert wp.deliver(INVALID, **{"webhook-id": "msg_2"}).status_code == 400
    cli_env(monkeypatch, services)
    assert main(["webhooks", "attempts", wp.integration["id"]]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["time", "verdict", "size", "delivery", "id"]
    assert [row.split()[2:] for row in rows] == [
        ["invalid_body", str(len(INVALID)), "msg_2"],
        ["accepted", str(len(BODY)), "msg_1"],
    ]
    assert main(["webhooks", "attempts", wp.integration["id"], "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["verdict"] for line in lines] == ["invalid_body", "accepted"]


def test_a_repeated_delivery_is_answered_from_one_read_without_the_write_path(
    wp: Blog,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert wp.deliver(**{"webhook-id": "msg_1"}).json() == {"ok": True, "duplicate": False}

    def no_writes(*_: Any) -> None:
        raise AssertionError("a repeat reached the write path")

    monkeypatch.setattr(services, "decide", no_writes)
    again = wp.deliver(**{"webhook-id": "msg_1"})
    assert again.status_code == 200, again.text
    assert again.json() == {"ok": True, "duplicate": True}
    assert [e["verdict"] for e in log_of(wp)] == ["duplicate", "accepted"]
