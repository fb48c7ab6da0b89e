"""An event a read model cannot apply is set aside for that read model; nothing else stalls.

The poison is stored through a path that skips the edge and the aggregate's rules (a test
stands in for history written before a rule existed, or a bug)."""

from __future__ import annotations

import time
from typing import Any
from unittest.mock import patch

import pytest

from app.aggregates import bounds
from app.aggregates.integration import Integration
from app.cli import main
from app.commands.context import Context
from app.projection_engine import quarantine
from app.projection_engine.verify import verify
from app.projections.integration_summaries import IntegrationSummaries
from tests.conftest import Api, cli_env, live_targets


def services_tracking(api: Api, name: str) -> str:
    """The tracking name of a read model's live generation."""
    return next(t.tracking for t in live_targets(api.services) if t.model.name == name)


def poison(api: Api) -> int:
    """A single pull whose post id no BIGINT column can hold, saved without the rules (nor
    the bounds every aggregate checks before it records: history written before they existed)."""
    site = api.create_site()
    created = api.create_integration(site["id"])
    store = api.services.store
    integration = store.load(Integration, created["id"], LookupError())
    with patch.object(bounds, "check_fields", lambda fields: None):
        integration._content_pulled(
            content_id="c1",
            external_id=2**70,
            post_type=None,
            item=None,
            success=True,
            error=None,
            duration_ms=1,
        )
    ctx = Context(account_id=api.account_id, actor="user:test", request_id="poison")
    return store.save(integration, ctx=ctx).position


def test_a_poison_event_is_quarantined_and_nothing_else_stalls(
    api: Api,
    other_api: Api,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    position = poison(api)
    started = time.monotonic()
    created = other_api.create_site(name="Other")
    assert time.monotonic() - started < 1.5  # the write did not wait out a stalled runner
    assert [s["id"] for s in other_api.get("/sites/").json()["results"]] == [created["id"]]

    ready = api.client.get("/health/ready")
    assert ready.status_code == 503 and ready.json()["status"] == "quarantined"
    [entry] = ready.json()["quarantined"]
    assert entry["read_model"] == services_tracking(api, "sync_event_log")
    assert entry["position"] == position
    assert entry["topic"] == "integration.content_pulled"
    services = api.services
    assert any(
        "quarantined" in line
        for line in verify(services.events, services.db, live_targets(services))
    )
    cli_env(monkeypatch, services)
    assert main(["projections", "quarantine", "list"]) == 0
    listed = capsys.readouterr().out
    assert services_tracking(api, "sync_event_log") in listed and str(position) in listed

    assert main(["projections", "quarantine", "skip"]) == 0
    assert api.client.get("/health/ready").status_code == 200
    assert verify(services.events, services.db, live_targets(services)) == []
    assert main(["projections", "quarantine", "list"]) == 0
    assert capsys.readouterr().out == ""


def test_a_handler_bug_is_set_aside_and_retried_after_the_fix(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = IntegrationSummaries.apply
    broken_at: list[int] = []

    def buggy(self: Any, event: Any, changes: Any, position: int) -> None:
        if isinstance(event, Integration.Created) and not broken_at:
            broken_at.append(position)
            raise KeyError("a bug")
        original(self, event, changes, position)

    monkeypatch.setattr(IntegrationSummaries, "apply", buggy)
    site = api.create_site()
    api.create_integration(site["id"])
    assert api.get("/sites/").json()["results"], "the other read models went on"
    [entry] = quarantine.entries(api.services.db)
    assert entry.read_model == services_tracking(api, "integration_summaries")
    assert entry.position == broken_at[0] and "KeyError" in entry.error

    monkeypatch.setattr(IntegrationSummaries, "apply", original)  # the fix
    assert api.services.read_side.retry_quarantined() == (1, 0)
    assert quarantine.entries(api.services.db) == []
    assert verify(api.services.events, api.services.db, live_targets(api.services)) == []


def test_nul_in_text_is_set_aside_where_the_database_cannot_hold_it(api: Api) -> None:
    """PostgreSQL text cannot hold NUL (SQLite can): only there is the content index's row
    refused, and only the content index sets the delivery aside."""
    from app.aggregates.webhook_delivery import WebhookDelivery

    site = api.create_site()
    created = api.create_integration(site["id"])
    with patch.object(bounds, "check_fields", lambda fields: None):  # history from before
        delivery = WebhookDelivery(  # type: ignore[call-arg]
            integration_id=created["id"],
            site_id=site["id"],
            delivery_id="d1",
            kind="status",
            post_id=7,
            content_id="c7",
            status="publish",
            post_type="post",
            url=None,
            title="bad \x00 title",
            modified_at=None,
            metadata=None,
        )
    ctx = Context(account_id=api.account_id, actor="user:test", request_id="nul")
    position = api.services.store.save(delivery, ctx=ctx).position
    api.services.await_projection(position)
    quarantined = {q.read_model for q in quarantine.entries(api.services.db)}
    postgres = api.services.db.dialect == "postgres"
    assert quarantined == ({services_tracking(api, "content_index")} if postgres else set())
    assert (
        api.get(f"/integrations/{created['id']}/sync-events/").json()["results"][0]["event_type"]
        == "webhook"
    )
