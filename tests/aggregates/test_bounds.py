"""Given any path to an aggregate (CLI, worker, a future route), when a value no read model
can hold reaches it, then it is a validation error and no event is recorded."""

from __future__ import annotations

from uuid import uuid4

import pytest

from app.aggregates.errors import ValidationFailed
from app.aggregates.site import Site
from app.aggregates.sync_run import SyncRun
from app.aggregates.webhook_delivery import WebhookDelivery


def _delivery(**changes: object) -> WebhookDelivery:
    fields: dict[str, object] = dict(
        integration_id="i",
        site_id="s",
        delivery_id="d",
        kind="status",
        post_id=1,
        content_id="c",
        status="publish",
        post_type="post",
        url=None,
        title="t",
        modified_at=None,
        metadata=None,
    )
    return WebhookDelivery(**(fields | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "a\x00b"},
        {"post_id": 2**63},
        {"status": "pub\x1flish"},
        {"metadata": {"k\x00": "v"}},
        {"metadata": {"n": 2**64}},
        {"metadata": {"x": float("inf")}},
        {"content_id": "\ud800"},
    ],
)
def test_a_new_stream_with_an_unstorable_value_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _delivery(**changes)
    assert refused.value.errors[0].field.split(".")[0] in changes


def test_a_command_method_refuses_before_recording() -> None:
    site = Site(
        id=uuid4(),
        account_id="a",
        name="Blog",
        url="https://b.example",  # type: ignore[call-arg]
        api_key_hash="h",
    )
    with pytest.raises(ValidationFailed):
        site.rotate_api_key("h\x00")
    assert len(site.pending_events) == 1 and site.api_key_hash == "h"


def test_nesting_beyond_the_bound_is_refused() -> None:
    run = SyncRun(
        id=uuid4(),
        integration_id="i",
        direction="from_external",  # type: ignore[call-arg]
        content_types=[],
        items=[],
    )
    run.claim(
        claim_id="c1", worker="w1", now="2026-12-02T00:00:00Z", lease_until="2026-12-02T00:01:00Z"
    )
    deep: object = 1
    for _ in range(40):
        deep = {"a": deep}
    with pytest.raises(ValidationFailed):
        run.record_pulled([{"external_id": 1, "extra": deep}], {"pulled": 1})


def test_text_with_tabs_and_newlines_is_kept() -> None:
    site = Site(
        id=uuid4(),
        account_id="a",
        name="one\n\ttwo\r\n",
        url="u",  # type: ignore[call-arg]
        api_key_hash="h",
    )
    assert site.name == "one\n\ttwo\r\n"
