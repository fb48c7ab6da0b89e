"""Given events, when a command method runs, then these events (or this error)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from app.aggregates.errors import (
    Conflict,
    DuplicateIntegration,
    IntegrationInactive,
    IntegrationNotFound,
    StaleVersion,
    SyncAlreadyRunning,
)
from app.aggregates.integration import Integration, SealedCredentials
from app.aggregates.slot import IntegrationSlot

SEALED = SealedCredentials(
    ciphertext="v1:x", fields=["api_key"], api_key_hint="abcd", api_key_hash="k:h"
)


def an_integration(**overrides: object) -> Integration:
    fields = {
        "account_id": "a",
        "site_id": "s",
        "platform": "wordpress",
        "platform_type": "cms",
        "config": {"site_url": "https://x.io"},
        "credentials": SEALED,
        "is_active": True,
        "sync_enabled": True,
    } | overrides
    integration = Integration(id=uuid4(), **fields)  # type: ignore[arg-type]
    integration.collect_events()
    return integration


def topics(integration: Integration) -> list[str]:
    return [type(e).TOPIC for e in integration.collect_events()]


def test_created_integration_has_never_synced() -> None:
    integration = Integration(
        id=uuid4(),
        account_id="a",
        site_id="s",
        platform="custom",
        platform_type="custom",
        config={},
        credentials=SEALED,
        is_active=True,
        sync_enabled=True,
    )
    assert topics(integration) == ["integration.created"]
    assert integration.sync_status == "never_synced"


def test_config_patch_that_changes_nothing_records_nothing() -> None:
    integration = an_integration()
    integration.change_config({"site_url": "https://x.io"})
    assert topics(integration) == []
    integration.change_config({"site_url": None, "a": {"b": 1}})
    assert topics(integration) == ["integration.config_changed"]
    assert integration.config == {"a": {"b": 1}}


def test_switching_flags_records_only_real_changes() -> None:
    integration = an_integration()
    integration.set_active(True)
    integration.set_sync_enabled(False)
    integration.set_active(False)
    assert topics(integration) == ["integration.sync_disabled", "integration.deactivated"]


def test_deleted_integration_refuses_everything() -> None:
    integration = an_integration()
    integration.delete()
    assert topics(integration) == ["integration.deleted"]
    with pytest.raises(IntegrationNotFound):
        integration.change_config({"a": 1})
    with pytest.raises(IntegrationNotFound):
        integration.delete()


def test_stale_version_is_refused() -> None:
    integration = an_integration()
    integration.ensure_version(1)
    with pytest.raises(StaleVersion):
        integration.ensure_version(2)


def test_one_sync_at_a_time_and_only_when_active_and_enabled() -> None:
    integration = an_integration()
    integration.request_sync(sync_id="s1", direction="metadata")
    with pytest.raises(SyncAlreadyRunning):
        integration.request_sync(sync_id="s2", direction="metadata")
    integration.start_sync("s1")
    integration.finish_sync(
        sync_id="s1", outcome="success", error=None, finished_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert topics(integration) == [
        "integration.sync_requested",
        "integration.sync_started",
        "integration.sync_finished",
    ]
    assert (integration.sync_status, integration.last_success_at) == (
        "success",
        "2026-01-01T00:00:00.000000Z",
    )
    integration.set_sync_enabled(False)
    with pytest.raises(Conflict):
        integration.request_sync(sync_id="s3", direction="metadata")
    integration.set_sync_enabled(True)
    integration.set_active(False)
    with pytest.raises(IntegrationInactive):
        integration.request_sync(sync_id="s3", direction="metadata")


def test_finishing_a_run_that_is_not_the_current_one_records_nothing() -> None:
    integration = an_integration()
    integration.request_sync(sync_id="s1", direction="both")
    integration.collect_events()
    integration.finish_sync(
        sync_id="other", outcome="failed", error="x", finished_at=datetime.now(UTC)
    )
    assert topics(integration) == []
    assert integration.running_sync_id == "s1"


def test_slot_is_claimed_once_until_released() -> None:
    slot = IntegrationSlot(site_id="s", platform="wordpress", integration_id="i1")
    assert slot.id == IntegrationSlot.create_id("s", "wordpress")
    with pytest.raises(DuplicateIntegration):
        slot.claim("i2")
    slot.release("i1")
    slot.claim("i2")
    assert slot.holder == "i2"
