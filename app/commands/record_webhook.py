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
    Unauthenticated,
)
from app.aggregates.integration import Integration
from app.aggregates.webhook_delivery import WebhookDelivery
from app.commands.context import Context
from app.commands.store import Store
from app.database import Row
from app.eventstore import ConcurrentWrite
from app.platforms.wordpress_posts import rfc3339
from app.projections.integration_summaries import SUMMARIES
from app.projections.sites import SITES

TOLERANCE_SECONDS = 5 * 60
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
UNIX_SECONDS = re.compile(r"^[0-9]{1,12}$")
SIGNATURE_ENTRIES = re.compile(r"^v[0-9]+,[A-Za-z0-9+/=]+( v[0-9]+,[A-Za-z0-9+/=]+)*$")
COLUMNS = "i.id AS integration_id, i.is_active, i.credential_fields, s.id AS site_id, s.account_id"
BY_SITE_KEY = (
    f"SELECT {COLUMNS}, s.api_key_hash FROM {SITES} s LEFT JOIN {SUMMARIES} i"
    " ON i.site_id = s.id AND i.platform = 'wordpress' AND i.deleted_at IS NULL"
    " WHERE s.api_key_hash IN ({marks})"
)
BY_INTEGRATION_KEY = (
    f"SELECT {COLUMNS}, i.api_key_hash FROM {SUMMARIES} i"
    f" JOIN {SITES} s ON s.id = i.site_id"
    " WHERE i.api_key_hash IN ({marks}) AND i.platform = 'wordpress' AND i.deleted_at IS NULL"
    " LIMIT 2"
)


class Sender(msgspec.Struct, frozen=True, kw_only=True):
    """Who a delivery comes from, as its API key says."""

    site_id: str
    account_id: str
    integration_id: str
    signed: bool
    """The integration has a `webhook_secret`, so deliveries must be signed."""
    active: bool = True


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
    """Record a delivery from a sender `identify` accepted. The store decides duplicates:
    the look-up only spares a known repeat the write lock; a race is settled by the insert."""
    delivery = WebhookDelivery(
        integration_id=cmd.integration_id,
        site_id=cmd.site_id,
        delivery_id=cmd.delivery_id,
        kind=cmd.kind,
        post_id=cmd.post_id,
        content_id=cmd.content_id,
        status=cmd.status,
        post_type=cmd.post_type,
        url=cmd.url,
        title=None if cmd.title is None else html.unescape(cmd.title),
        modified_at=rfc3339(cmd.modified_gmt),
        metadata=cmd.metadata,
    )
    if store.events.stream(delivery.id, 0, 1):
        return Received(duplicate=True, position=0)
    try:
        return Received(duplicate=False, position=store.save(delivery, ctx=ctx).position)
    except ConcurrentWrite:  # the same id, saved a moment earlier by another request
        return Received(duplicate=True, position=0)


# -- who sent it -------------------------------------------------------------------------


def identify(store: Store, api_key: str) -> Sender:
    """The active sender an `X-Api-Key` names."""
    return ensure_active(find_sender(store, api_key))


def ensure_active(sender: Sender) -> Sender:
    if not sender.active:
        raise IntegrationInactive("the WordPress integration is inactive; activate it first")
    return sender


def find_sender(store: Store, api_key: str) -> Sender:
    """The sender an `X-Api-Key` names: a site's key, else a WordPress integration's key.
    Looked up by keyed hash in the read tables, confirmed in constant time."""
    if not api_key:
        raise Unauthenticated("send the site's API key in the X-Api-Key header")
    hashes = store.hasher.candidates(api_key)
    marks = ",".join("?" * len(hashes))
    row = store.db.one(BY_SITE_KEY.format(marks=marks), hashes)
    if row is None or not store.hasher.matches(api_key, row["api_key_hash"]):
        row = _by_integration_key(store, api_key, hashes, marks)
    if row is None:
        raise Unauthenticated("the X-Api-Key is not the key of a site or of an integration")
    return _sender(row)


def _by_integration_key(store: Store, api_key: str, hashes: list[str], marks: str) -> Row | None:
    """A key shared by several integrations names none of them."""
    rows = store.db.all(BY_INTEGRATION_KEY.format(marks=marks), hashes)
    if len(rows) != 1 or not store.hasher.matches(api_key, rows[0]["api_key_hash"]):
        return None
    return rows[0]


def _sender(row: Row) -> Sender:
    if row["integration_id"] is None:
        raise IntegrationNotFound("this site has no WordPress integration")
    fields = msgspec.json.decode(row["credential_fields"])
    return Sender(
        site_id=row["site_id"],
        account_id=row["account_id"],
        integration_id=row["integration_id"],
        signed="webhook_secret" in fields,
        active=bool(row["is_active"]),
    )


# -- whether it is signed right ----------------------------------------------------------


def verify_signature(store: Store, sender: Sender, headers: Mapping[str, str], body: bytes) -> None:
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
        raise InvalidSignature(
            "the webhook-signature matches none of the integration's webhook secrets"
        )


def check_signature_headers(headers: Mapping[str, str], now: float | None = None) -> None:
    """Clear reasons for what the library would only call invalid."""
    missing = [name for name in SIGNATURE_HEADERS if not headers.get(name)]
    if missing:
        raise InvalidSignature(
            f"missing {', '.join(missing)}: this integration requires signed deliveries"
        )
    sent = headers["webhook-timestamp"]
    if not UNIX_SECONDS.match(sent):
        raise InvalidSignature("webhook-timestamp must be Unix time in seconds")
    if abs((time.time() if now is None else now) - int(sent)) > TOLERANCE_SECONDS:
        raise InvalidSignature(
            "webhook-timestamp is more than 5 minutes away from now (a replay, or a skewed clock)"
        )
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
