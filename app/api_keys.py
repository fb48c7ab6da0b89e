"""Site and plugin API keys: random, shown once, stored only as keyed hashes.

A hash is `<master key id>:<hex HMAC-SHA256>` under a subkey derived from that master key,
so lookups are one indexed equality per configured master key (never a scan) and adding a
master key does not invalidate existing keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.credentials import MasterKeys

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
