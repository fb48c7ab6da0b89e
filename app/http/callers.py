"""Who is calling, decided at the edge in one pass: a WordPress site's (or plugin
integration's) `X-Api-Key`, then the delivery's signature. The route gets a complete
`Context` and a `Sender`; commands only load, decide and save.

The site key is looked up in the write side's key table (committed with the event that set
it), so a rotated key is refused, and the new one accepted, the moment rotation returns,
however far the read models lag. Which integration the site's key reaches is read in the
same statement from the integration summaries."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

import msgspec
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook, WebhookVerificationError

from app.aggregates.errors import (
    IntegrationInactive,
    IntegrationNotFound,
    InvalidSignature,
    Unauthenticated,
)
from app.aggregates.integration import Integration
from app.api_keys import SITE_KEYS, ApiKeyHasher
from app.commands.context import Context
from app.commands.store import Store
from app.database import Row
from app.projections.integration_summaries import SUMMARIES
from app.projections.sites import SITES
from app.reads import Reads

TOLERANCE_SECONDS = 5 * 60
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
UNIX_SECONDS = re.compile(r"^[0-9]{1,12}$")
SIGNATURE_ENTRIES = re.compile(r"^v[0-9]+,[A-Za-z0-9+/=]+( v[0-9]+,[A-Za-z0-9+/=]+)*$")
COLUMNS = "i.id AS integration_id, i.is_active, i.credential_fields"
BY_SITE_KEY = (
    f"SELECT {COLUMNS}, k.site_id, k.account_id, k.key_hash FROM {SITE_KEYS} k"
    f" LEFT JOIN {SUMMARIES} i ON i.site_id = k.site_id AND i.platform = 'wordpress'"
    " AND i.deleted_at IS NULL WHERE k.key_hash IN ({marks})"
)
BY_INTEGRATION_KEY = (
    f"SELECT {COLUMNS}, s.id AS site_id, s.account_id, i.api_key_hash AS key_hash"
    f" FROM {SUMMARIES} i JOIN {SITES} s ON s.id = i.site_id"
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

    def context(self, request_id: str) -> Context:
        return Context(
            account_id=self.account_id, actor=f"site:{self.site_id}", request_id=request_id
        )


async def identify(reads: Reads, hasher: ApiKeyHasher, api_key: str) -> Sender:
    """The active sender an `X-Api-Key` names."""
    return ensure_active(await find_sender(reads, hasher, api_key))


def ensure_active(sender: Sender) -> Sender:
    if not sender.active:
        raise IntegrationInactive("the WordPress integration is inactive; activate it first")
    return sender


async def find_sender(reads: Reads, hasher: ApiKeyHasher, api_key: str) -> Sender:
    """The sender an `X-Api-Key` names: a site's key, else a WordPress integration's key
    (one shared by several integrations names none). Looked up by keyed hash, one indexed
    statement, confirmed in constant time."""
    if not api_key:
        raise Unauthenticated("send the site's API key in the X-Api-Key header")
    hashes = hasher.candidates(api_key)
    marks = ",".join("?" * len(hashes))
    row = await reads.one(BY_SITE_KEY.format(marks=marks), hashes)
    if row is None:
        rows = await reads.all(BY_INTEGRATION_KEY.format(marks=marks), hashes)
        row = rows[0] if len(rows) == 1 else None
    if row is None or not hasher.matches(api_key, row["key_hash"]):
        raise Unauthenticated("the X-Api-Key is not the key of a site or of an integration")
    return _sender(row)


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
