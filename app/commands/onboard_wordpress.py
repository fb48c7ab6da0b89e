"""The WordPress plugin's onboarding test: authorised by the site's API key (or an editor of
the site's account), it tests the site first and only then creates the integration, so a
failed test leaves nothing behind."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from app.aggregates.errors import (
    DuplicateIntegration,
    FieldError,
    Forbidden,
    SiteNotFound,
    ValidationFailed,
)
from app.aggregates.integration import Integration
from app.aggregates.rules import is_http_url
from app.aggregates.site import Site
from app.commands import create_integration
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.store import Store
from app.commands.test_connection import run_test
from app.platforms import ConnectionResult


class OnboardWordPress(msgspec.Struct, frozen=True, kw_only=True):
    site_id: str
    api_key: str
    site_url: str
    editor_account_id: str | None = None
    """Set when an authenticated editor (or above) calls; their account may stand in for
    the key."""


@dataclass(frozen=True)
class Onboarded:
    result: ConnectionResult
    integration_id: str | None
    position: int


def handle(cmd: OnboardWordPress, store: Store, ctx: Context) -> Onboarded:
    site = authorise(cmd, store)
    if not is_http_url(cmd.site_url):
        raise ValidationFailed([FieldError("site_url", "must be an absolute http(s) URL")])
    ctx = msgspec.structs.replace(ctx, account_id=site.account_id)
    result, duration_ms = run_test(store.platforms("wordpress", {"site_url": cmd.site_url}, {}))
    existing = _existing(store, site)
    if not result.success and existing is None:
        return Onboarded(result, None, 0)
    return with_retries(lambda: _record(cmd, store, ctx, site, result, duration_ms))


def authorise(cmd: OnboardWordPress, store: Store) -> Site:
    site = store.load(Site, cmd.site_id, SiteNotFound())
    key_matches = store.hasher.matches(cmd.api_key, site.api_key_hash)
    if not key_matches and cmd.editor_account_id != site.account_id:
        raise Forbidden("the API key does not match this site's key")
    return site


def _existing(store: Store, site: Site) -> Integration | None:
    slot = store.get_slot(str(site.id), "wordpress")
    if slot is None or slot.holder is None:
        return None
    return store.get_integration(slot.holder, site.account_id)


def _record(cmd: OnboardWordPress, store: Store, ctx: Context, site: Site,
            result: ConnectionResult, duration_ms: int) -> Onboarded:
    integration = _existing(store, site)
    new: create_integration.NewIntegration | None = None
    if integration is None and result.success:
        try:
            new = create_integration.prepare(store, site, platform="wordpress",
                                             config={"site_url": cmd.site_url},
                                             credentials={"api_key": cmd.api_key})
        except DuplicateIntegration:  # created concurrently: use that one
            integration = _existing(store, site)
        else:
            integration = new.integration
    if integration is None:
        return Onboarded(result, None, 0)
    integration.record_connection_test(
        success=result.success, message=result.message, duration_ms=duration_ms,
        details={"code": result.code, **result.details})
    position = new.save(store, ctx) if new else store.save(integration, ctx=ctx).position
    return Onboarded(result, str(integration.id) if result.success else None, position)
