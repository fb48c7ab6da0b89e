"""Change an integration: merge-patch config and credentials, switch flags."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates import rules
from app.aggregates.integration import Integration
from app.commands.context import Context
from app.commands.results import Saved
from app.commands.store import Store


class UpdateIntegration(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    config_patch: dict[str, Any] | None = None
    credentials_patch: dict[str, Any] | None = None
    is_active: bool | None = None
    sync_enabled: bool | None = None
    expected_version: int | None = None


def handle(cmd: UpdateIntegration, store: Store, ctx: Context) -> Saved[Integration]:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    integration.ensure_version(cmd.expected_version)
    config = rules.merge_patch(integration.config, cmd.config_patch or {})
    credentials = _patched_credentials(store, integration, cmd.credentials_patch)
    rules.validate(integration.platform, config, credentials)
    if cmd.config_patch:
        integration.change_config(cmd.config_patch)
    if credentials is not None:
        integration.replace_credentials(store.vault.reseal(cmd.integration_id, credentials))
    if cmd.is_active is not None:
        integration.set_active(cmd.is_active)
    if cmd.sync_enabled is not None:
        integration.set_sync_enabled(cmd.sync_enabled)
    if not integration.pending_events:
        return Saved(integration, 0)
    return Saved(integration, store.save(integration, ctx=ctx).position)


def _patched_credentials(
    store: Store, integration: Integration, patch: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The credentials after the patch, or None when the patch changes nothing."""
    if not patch:
        return None
    current = store.vault.open(str(integration.id), integration.credentials)
    patched: dict[str, Any] = rules.merge_patch(current, patch)
    return None if patched == current else patched
