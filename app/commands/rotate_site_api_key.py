"""Give a site a new API key; the old one stops working as soon as this returns."""

from __future__ import annotations

import msgspec

from app.api_keys import generate_api_key, site_key_statements
from app.commands.context import Context
from app.commands.create_site import SiteCreated
from app.commands.store import Store


class RotateSiteApiKey(msgspec.Struct, frozen=True, kw_only=True):
    site_id: str


def handle(cmd: RotateSiteApiKey, store: Store, ctx: Context) -> SiteCreated:
    site = store.get_site(cmd.site_id, ctx.account_id)
    api_key = generate_api_key()
    key_hash = store.hasher.hash(api_key)
    site.rotate_api_key(key_hash)
    recorded = store.save(
        site, ctx=ctx, statements=site_key_statements(str(site.id), site.account_id, key_hash)
    )
    return SiteCreated(site=site, api_key=api_key, position=recorded.position)
