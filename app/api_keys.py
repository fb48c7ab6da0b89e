"""Site and plugin API keys: random, shown once, stored only as keyed hashes.

A hash is `<master key id>:<hex HMAC-SHA256>` under a subkey derived from that master key,
so lookups are one indexed equality per configured master key (never a scan) and adding a
master key does not invalidate existing keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from app.aggregates.site import Site
from app.eventstore.statements import Statement

if TYPE_CHECKING:
    from app.credentials import MasterKeys
    from app.database import Tx
    from app.eventstore import EventStore

PURPOSE = "api-key-hash"


def generate_api_key() -> str:
    return "wpk_" + secrets.token_urlsafe(32)


class ApiKeyHasher:
    def __init__(self, master_keys: MasterKeys) -> None:
        self._keys = master_keys.derived(PURPOSE)

    def hash(self, api_key: str) -> str:
        kid, key = self._keys[0]
        return f"{kid}:{_digest(key, api_key)}"

    def candidates(self, api_key: str) -> list[str]:
        """Every hash this key could be stored under, one per configured master key."""
        return [f"{kid}:{_digest(key, api_key)}" for kid, key in self._keys]

    def matches(self, api_key: str, stored: str | None) -> bool:
        """Constant-time: compares against each candidate without short-circuiting."""
        if not stored:
            return False
        found = False
        for candidate in self.candidates(api_key):
            found |= hmac.compare_digest(candidate.encode(), stored.encode())
        return found


def _digest(key: bytes, api_key: str) -> str:
    return hmac.new(key, api_key.encode(), hashlib.sha256).hexdigest()


# -- the write side's key table ----------------------------------------------------------

SITE_KEYS = "site_keys"
"""Each site's current key hash, written in the transaction that records the key, so a
rotated key is refused (and the new one accepted) the moment the command returns, however
far the read models lag."""

SITE_KEYS_DDL = (
    f"CREATE TABLE IF NOT EXISTS {SITE_KEYS} ("
    " key_hash TEXT PRIMARY KEY,"
    " site_id TEXT NOT NULL UNIQUE,"
    " account_id TEXT NOT NULL)"
)


def site_key_statements(site_id: str, account_id: str, key_hash: str) -> list[Statement]:
    """Replace the site's key (one row per site; the old hash goes in the same commit)."""
    return [
        Statement(f"DELETE FROM {SITE_KEYS} WHERE site_id = ?", (site_id,)),
        Statement(
            f"INSERT INTO {SITE_KEYS} (key_hash, site_id, account_id) VALUES (?, ?, ?)",
            (key_hash, site_id, account_id),
        ),
    ]


def create_site_keys(tx: Tx, events: EventStore, empty: bool) -> None:
    """Create the key table; when it arrives in a store that already has events, fill it
    once with each site's latest key, read from the events (the source that cannot lag)."""
    new = SITE_KEYS not in tx.tables()
    tx.execute(SITE_KEYS_DDL)
    if not new or empty:
        return
    keys: dict[str, tuple[str, str]] = {}
    position = 0
    while batch := events.read(position, 1000):
        for notification in batch:
            if notification.topic in (Site.Created.TOPIC, Site.ApiKeyRotated.TOPIC):
                event = events.decode(notification)
                site_id = str(event.originator_id)
                account = getattr(event, "account_id", None) or keys[site_id][0]
                keys[site_id] = (account, event.api_key_hash)
        position = batch[-1].id
    for site_id, (account_id, key_hash) in keys.items():
        for statement in site_key_statements(site_id, account_id, key_hash):
            tx.run(statement)
