"""Record the site's post types and taxonomies, pushed by the WordPress plugin (with the
site's API key) or by an editor; `content-types/` answers with them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from app.aggregates.errors import Forbidden, IntegrationNotFound
from app.aggregates.integration import Integration
from app.aggregates.site import Site
from app.aggregates.time import iso, parse_iso
from app.commands.context import Context
from app.commands.results import Saved
from app.commands.store import Store


class UpdateStructure(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    post_types: dict[str, Any]
    taxonomies: dict[str, Any]
    plugin_connection_enabled: bool | None = None
    two_way_sync_enabled: bool | None = None
    timestamp: str | None = None
    site_api_key: str | None = None
    """When the plugin calls: the key that must match the site's (or the integration's)."""


def handle(cmd: UpdateStructure, store: Store, ctx: Context) -> Saved[Integration]:
    integration = _authorised(cmd, store, ctx)
    if cmd.site_api_key is not None:
        ctx = Context(
            account_id=integration.account_id,
            actor=f"site:{integration.site_id}",
            request_id=ctx.request_id,
        )
    before = integration.config.get("content_types") or {}
    integration.update_structure(
        content_types={
            "post_types": cmd.post_types,
            "taxonomies": cmd.taxonomies,
            "plugin_connection_enabled": _flag(
                cmd.plugin_connection_enabled, before, "plugin_connection_enabled"
            ),
            "two_way_sync_enabled": _flag(cmd.two_way_sync_enabled, before, "two_way_sync_enabled"),
            "last_structure_fetch": _when(cmd.timestamp),
        },
        source="plugin" if cmd.site_api_key else "user",
    )
    return Saved(integration, store.save(integration, ctx=ctx).position)


def _authorised(cmd: UpdateStructure, store: Store, ctx: Context) -> Integration:
    if cmd.site_api_key is None:
        return store.get_integration(cmd.integration_id, ctx.account_id)
    integration = store.load(Integration, cmd.integration_id, IntegrationNotFound())
    integration.ensure_live()
    site = store.load(Site, integration.site_id, IntegrationNotFound())
    if not (
        store.hasher.matches(cmd.site_api_key, site.api_key_hash)
        or store.hasher.matches(cmd.site_api_key, integration.credentials["api_key_hash"])
    ):
        raise Forbidden("the API key does not match this integration's site")
    return integration


def _flag(given: bool | None, before: dict[str, Any], name: str) -> bool:
    return bool(before.get(name, False)) if given is None else given


def _when(timestamp: str | None) -> str:
    """The plugin's timestamp when it is a valid time, else now."""
    if timestamp:
        try:
            return iso(parse_iso(timestamp))
        except ValueError:
            pass
    return iso(datetime.now(UTC))
