"""Create an integration; the site-and-platform slot makes a second one a conflict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import msgspec

from app.aggregates import rules
from app.aggregates.integration import Integration
from app.aggregates.site import Site
from app.aggregates.slot import IntegrationSlot
from app.commands.context import Context
from app.commands.results import Saved
from app.commands.store import Defaults, Store
from app.eventstore import Statement


class CreateIntegration(msgspec.Struct, frozen=True, kw_only=True):
    site_id: str
    platform: str
    platform_type: str | None = None
    config_json: dict[str, Any] = {}
    credentials_json: dict[str, Any] = {}
    is_active: bool = True
    sync_enabled: bool = True


@dataclass(frozen=True)
class NewIntegration:
    """An integration ready to save: with its slot claim and its key-store row."""

    integration: Integration
    slot: IntegrationSlot
    key_row: Statement

    def save(self, store: Store, ctx: Context) -> int:
        return store.save(self.integration, self.slot, ctx=ctx, statements=[self.key_row]).position


def handle(cmd: CreateIntegration, store: Store, ctx: Context) -> Saved[Integration]:
    site = store.get_site(cmd.site_id, ctx.account_id)
    new = prepare(
        store,
        site,
        platform=cmd.platform,
        platform_type=cmd.platform_type,
        config=cmd.config_json,
        credentials=cmd.credentials_json,
        is_active=cmd.is_active,
        sync_enabled=cmd.sync_enabled,
    )
    return Saved(new.integration, new.save(store, ctx))


def prepare(
    store: Store,
    site: Site,
    *,
    platform: str,
    config: dict[str, Any],
    credentials: dict[str, Any],
    platform_type: str | None = None,
    is_active: bool = True,
    sync_enabled: bool = True,
) -> NewIntegration:
    """Check the rules, claim the slot and seal the credentials; nothing is saved yet."""
    config = with_defaults(platform, config, site, store.defaults)
    rules.validate(platform, config, credentials)
    integration_id = uuid4()
    slot = claim_slot(store, site, platform, str(integration_id))
    sealed, key_row = store.vault.seal_new(str(integration_id), credentials)
    integration = Integration(  # type: ignore[call-arg]
        id=integration_id,
        account_id=site.account_id,
        site_id=str(site.id),
        platform=platform,
        platform_type=rules.check_platform_type(platform, platform_type),
        config=config,
        credentials=sealed,
        is_active=is_active,
        sync_enabled=sync_enabled,
    )
    return NewIntegration(integration, slot, key_row)


def with_defaults(
    platform: str, config: dict[str, Any], site: Site, defaults: Defaults
) -> dict[str, Any]:
    if platform == "wordpress":
        return {"site_url": site.url, **config}
    if platform == "shopify":
        return {"api_version": defaults.shopify_api_version, **config}
    return dict(config)


def claim_slot(store: Store, site: Site, platform: str, integration_id: str) -> IntegrationSlot:
    slot = store.get_slot(str(site.id), platform)
    if slot is None:
        return IntegrationSlot(
            site_id=str(site.id), platform=platform, integration_id=integration_id
        )
    slot.claim(integration_id)
    return slot
