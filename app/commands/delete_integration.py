"""Delete an integration: free its slot and destroy its data key in the same commit."""

from __future__ import annotations

import msgspec

from app.aggregates.base import EventSourced
from app.aggregates.integration import Integration
from app.commands.context import Context
from app.commands.results import Saved
from app.commands.store import Store


class DeleteIntegration(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    expected_version: int | None = None


def handle(cmd: DeleteIntegration, store: Store, ctx: Context) -> Saved[Integration]:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    integration.ensure_version(cmd.expected_version)
    integration.delete()
    changed: list[EventSourced] = [integration]
    slot = store.get_slot(integration.site_id, integration.platform)
    if slot is not None:
        slot.release(cmd.integration_id)
        changed.append(slot)
    recorded = store.save(*changed, ctx=ctx, statements=[store.vault.shred(cmd.integration_id)])
    store.vault.sweep()
    return Saved(integration, recorded.position)
