"""A delivery's stream id is its identity: the same id for the same integration collides."""

from __future__ import annotations

from typing import Any

import pytest

from app.aggregates.errors import InvalidSignature
from app.aggregates.webhook_delivery import WebhookDelivery
from app.http.callers import check_signature_headers


def received(**changes: Any) -> WebhookDelivery:
    fields: dict[str, Any] = {
        "integration_id": "i-1",
        "site_id": "s-1",
        "delivery_id": "msg_1",
        "kind": "status",
        "post_id": 42,
        "content_id": "c-42",
        "status": "publish",
        "post_type": "post",
        "url": None,
        "title": None,
        "modified_at": None,
        "metadata": None,
    }
    return WebhookDelivery(**fields | changes)


def test_same_delivery_id_for_the_same_integration_is_the_same_stream() -> None:
    assert received().id == received(status="trash").id
    assert received().id == WebhookDelivery.create_id("i-1", "msg_1")


def test_other_delivery_id_or_other_integration_is_another_stream() -> None:
    assert received().id != received(delivery_id="msg_2").id
    assert received().id != received(integration_id="i-2").id


def test_a_delivery_is_one_event_under_the_webhook_received_topic() -> None:
    (event,) = received().collect_events()
    assert type(event).TOPIC == "integration.webhook_received"
    assert (event.integration_id, event.post_id, event.kind) == ("i-1", 42, "status")


NOW = 1_800_000_000


def headers(**changes: str) -> dict[str, str]:
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(NOW),
        "webhook-signature": "v1,c2ln",
    } | changes


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ({"webhook-id": ""}, "missing webhook-id"),
        (
            {"webhook-timestamp": "", "webhook-signature": ""},
            "missing webhook-timestamp, webhook-signature",
        ),
        ({"webhook-timestamp": "1.8e9"}, "Unix time"),
        ({"webhook-timestamp": str(NOW - 301)}, "5 minutes"),
        ({"webhook-timestamp": str(NOW + 301)}, "5 minutes"),
        ({"webhook-signature": "v1"}, "v1,<base64>"),
        ({"webhook-signature": "v1,abc,def"}, "v1,<base64>"),
    ],
)
def test_signature_headers_are_refused_with_their_reason(
    given: dict[str, str],
    reason: str,
) -> None:
    with pytest.raises(InvalidSignature, match=reason.replace("(", r"\(")):
        check_signature_headers(headers(**given), now=NOW)


def test_timestamps_within_five_minutes_either_way_pass() -> None:
    for moment in (NOW - 300, NOW + 300):
        check_signature_headers(headers(**{"webhook-timestamp": str(moment)}), now=NOW)
    check_signature_headers(headers(**{"webhook-signature": "v1,YQ== v1,Yg=="}), now=NOW)
