"""Record one WordPress webhook delivery: who sent it (the API key), whether it is signed
right (Standard Webhooks, when the integration has a `webhook_secret`), then exactly one
event, or `duplicate` when the store already holds that delivery id for the integration."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook, WebhookVerificationError

from app.aggregates.errors import (
    IntegrationInactive,
    IntegrationNotFound,
    InvalidSignature,
    SiteNotFound,
    Unauthenticated,
)
from app.aggregates.integration import Integration
from app.aggregates.site import Site
from app.aggregates.webhook_delivery import WebhookDelivery
from app.commands.context import Context
from app.commands.store import Store
from app.eventstore import ConcurrentWrite
from app.platforms.wordpress_posts import rfc3339
from app.queries.sites import site_by_api_key

TOLERANCE_SECONDS = 5 * 60
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
UNIX_SECONDS = re.compile(r"^[0-9]{1,12}$")
SIGNATURE_ENTRIES = re.compile(r"^v[0-9]+,[A-Za-z0-9+/=]+( v[0-9]+,[A-Za-z0-9+/=]+)*$")
INTEGRATION_BY_KEY = (
    "SELECT id FROM integration_summaries WHERE api_key_hash IN ({marks})"
    " AND platform = 'wordpress' AND deleted_at IS NULL LIMIT 2"
)


class Sender(msgspec.Struct, frozen=True, kw_only=True):
    """Who a delivery comes from, as its API key says."""

    site_id: str
    account_id: str
    integration_id: str
    signed: bool
    """The integration has a `webhook_secret`, so deliveries must be signed."""


class RecordWebhook(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    site_id: str
    delivery_id: str
    kind: Literal["status", "metadata"]
    post_id: int
    content_id: str | None = None
    status: str | None = None
    post_type: str | None = None
    url: str | None = None
    title: str | None = None
    modified_gmt: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class Received:
    duplicate: bool
    position: int
    """Global position of the new event (0 for a duplicate: nothing to wait for)."""


def handle(cmd: RecordWebhook, store: Store, ctx: Context) -> Received:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    if not integration.is_active:
        raise IntegrationInactive("the WordPress integration is inactive; activate it first")
    delivery = WebhookDelivery(
        integration_id=cmd.integration_id, site_id=cmd.site_id, delivery_id=cmd.delivery_id,
        kind=cmd.kind, post_id=cmd.post_id, content_id=cmd.content_id, status=cmd.status,
        post_type=cmd.post_type, url=cmd.url,
        title=None if cmd.title is None else html.unescape(cmd.title),
        modified_at=rfc3339(cmd.modified_gmt), metadata=cmd.metadata,
    )
    try:
        return Received(duplicate=False, position=store.save(delivery, ctx=ctx).position)
    except ConcurrentWrite:  # that delivery's stream exists: the store saw this id before
        return Received(duplicate=True, position=0)


# -- who sent it -------------------------------------------------------------------------


def identify(store: Store, api_key: str) -> Sender:
    """The sender an `X-Api-Key` names: a site's key, else a WordPress integration's key."""
    if not api_key:
        raise Unauthenticated("send the site's API key in the X-Api-Key header")
    hashes = store.hasher.candidates(api_key)
    integration = (_by_site_key(store, api_key, hashes)
                   or _by_integration_key(store, api_key, hashes))
    if integration is None:
        raise Unauthenticated("the X-Api-Key is not the key of a site or of an integration")
    return Sender(site_id=integration.site_id, account_id=integration.account_id,
                  integration_id=str(integration.id),
                  signed="webhook_secret" in integration.credentials["fields"])


def _by_site_key(store: Store, api_key: str, hashes: list[str]) -> Integration | None:
    """The site's WordPress integration, found through its slot (not a read table)."""
    row = site_by_api_key(store.db, hashes)
    if row is None:
        return None
    site = store.load(Site, row["id"], SiteNotFound())
    if not store.hasher.matches(api_key, site.api_key_hash):  # the read table lagged
        return None
    slot = store.get_slot(str(site.id), "wordpress")
    if slot is None or slot.holder is None:
        raise IntegrationNotFound("this site has no WordPress integration")
    return store.get_integration(slot.holder, site.account_id)


def _by_integration_key(store: Store, api_key: str, hashes: list[str]) -> Integration | None:
    """A key shared by several integrations names none of them."""
    marks = ",".join("?" * len(hashes))
    rows = store.db.all(INTEGRATION_BY_KEY.format(marks=marks), hashes)
    if len(rows) != 1:
        return None
    integration = store.load(Integration, rows[0]["id"], IntegrationNotFound())
    stored = integration.credentials["api_key_hash"]
    if integration.deleted or not store.hasher.matches(api_key, stored):
        return None
    return integration


# -- whether it is signed right ----------------------------------------------------------


def verify_signature(
    store: Store, sender: Sender, headers: Mapping[str, str], body: bytes
) -> None:
    """Refuse a delivery to a signing integration unless one of its secrets signed `body`
    (a list of secrets while rotating; a header may carry one `v1,` entry per secret)."""
    if not sender.signed:
        return
    check_signature_headers(headers)
    integration = store.load(Integration, sender.integration_id, IntegrationNotFound())
    credentials = store.vault.open(sender.integration_id, integration.credentials)
    secrets = credentials.get("webhook_secret")
    listed = secrets if isinstance(secrets, list) else [secrets]
    if not any(_signed_by(secret, headers, body) for secret in listed):
        raise InvalidSignature("the webhook-signature matches none of the integration's "
                               "webhook secrets")


def check_signature_headers(headers: Mapping[str, str], now: float | None = None) -> None:
    """Clear reasons for what the library would only call invalid."""
    missing = [name for name in SIGNATURE_HEADERS if not headers.get(name)]
    if missing:
        raise InvalidSignature(f"missing {', '.join(missing)}: this integration requires "
                               "signed deliveries")
    sent = headers["webhook-timestamp"]
    if not UNIX_SECONDS.match(sent):
        raise InvalidSignature("webhook-timestamp must be Unix time in seconds")
    if abs((time.time() if now is None else now) - int(sent)) > TOLERANCE_SECONDS:
        raise InvalidSignature("webhook-timestamp is more than 5 minutes away from now "
                               "(a replay, or a skewed clock)")
    if not SIGNATURE_ENTRIES.match(headers["webhook-signature"]):
        raise InvalidSignature("webhook-signature must be space-separated v1,<base64> entries")


def _signed_by(secret: object, headers: Mapping[str, str], body: bytes) -> bool:
    if not isinstance(secret, str):
        return False
    try:  # the library raises plain ValueErrors (bad base64, bad UTF-8) besides its own
        Webhook(secret).verify(body, dict(headers), json_parse=False)
    except (WebhookVerificationError, EmptyWebhookSecretError, ValueError):
        return False
    return True
