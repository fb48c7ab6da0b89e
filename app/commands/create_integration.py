"""Create an integration; the site-and-platform slot makes a second one a conflict."""

from __future__ import annotations

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


class CreateIntegration(msgspec.Struct, frozen=True, kw_only=True):
    site_id: str
    platform: str
    platform_type: str | None = None
    config_json: dict[str, Any] = {}
    credentials_json: dict[str, Any] = {}
    is_active: bool = True
    sync_enabled: bool = True


def handle(cmd: CreateIntegration, store: Store, ctx: Context) -> Saved[Integration]:
    site = store.get_site(cmd.site_id, ctx.account_id)
    config = with_defaults(cmd.platform, cmd.config_json, site, store.defaults)
    rules.validate(cmd.platform, config, cmd.credentials_json)
    integration_id = uuid4()
    slot = claim_slot(store, site, cmd.platform, str(integration_id))
    sealed, key_row = store.vault.seal_new(str(integration_id), cmd.credentials_json)
    integration = Integration(
        id=integration_id, account_id=site.account_id, site_id=str(site.id),
        platform=cmd.platform, platform_type=rules.check_platform_type(cmd.platform,
                                                                       cmd.platform_type),
        config=config, credentials=sealed, is_active=cmd.is_active,
        sync_enabled=cmd.sync_enabled,
    )
    recorded = store.save(integration, slot, ctx=ctx, statements=[key_row])
    return Saved(integration, recorded.position)


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
        return IntegrationSlot(site_id=str(site.id), platform=platform,
                               integration_id=integration_id)
    slot.claim(integration_id)
    return slot
