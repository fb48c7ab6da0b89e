"""Record the WordPress plugin's onboarding test: authorised by the site's API key (or an
editor of the site's account). The site was tested before (`app.sync.observations`, after
`check` passed); only a successful test creates the integration, so a failed test leaves
nothing behind."""

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
from app.commands.store import Store
from app.platforms import ConnectionResult


class OnboardWordPress(msgspec.Struct, frozen=True, kw_only=True):
    site_id: str
    api_key: str
    site_url: str
    editor_account_id: str | None = None
    """Set when an authenticated editor (or above) calls; their account may stand in for
    the key."""
    result: ConnectionResult | None = None
    """The test's verdict (None only for `check`, before the test)."""
    duration_ms: int = 0


@dataclass(frozen=True)
class Onboarded:
    result: ConnectionResult
    integration_id: str | None
    position: int


def check(cmd: OnboardWordPress, store: Store) -> Site:
    """Whether the caller may test this site, before anything is sent to it."""
    site = authorise(cmd, store)
    if not is_http_url(cmd.site_url):
        raise ValidationFailed([FieldError("site_url", "must be an absolute http(s) URL")])
    return site


def handle(cmd: OnboardWordPress, store: Store, ctx: Context) -> Onboarded:
    site = check(cmd, store)
    assert cmd.result is not None, "test the site before recording the onboarding"
    ctx = msgspec.structs.replace(ctx, account_id=site.account_id)
    if not cmd.result.success and _existing(store, site) is None:
        return Onboarded(cmd.result, None, 0)
    return _record(cmd, store, ctx, site, cmd.result, cmd.duration_ms)


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


def _record(
    cmd: OnboardWordPress,
    store: Store,
    ctx: Context,
    site: Site,
    result: ConnectionResult,
    duration_ms: int,
) -> Onboarded:
    integration = _existing(store, site)
    new: create_integration.NewIntegration | None = None
    if integration is None and result.success:
        try:
            new = create_integration.prepare(
                store,
                site,
                platform="wordpress",
                config={"site_url": cmd.site_url},
                credentials={"api_key": cmd.api_key},
            )
        except DuplicateIntegration:  # created concurrently: use that one
            integration = _existing(store, site)
        else:
            integration = new.integration
    if integration is None:
        return Onboarded(result, None, 0)
    integration.record_connection_test(
        success=result.success,
        message=result.message,
        duration_ms=duration_ms,
        details={"code": result.code, **result.details},
    )
    position = new.save(store, ctx) if new else store.save(integration, ctx=ctx).position
    return Onboarded(result, str(integration.id) if result.success else None, position)
