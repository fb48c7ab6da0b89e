"""Envelope encryption of integration credentials, with crypto-shredding.

Each integration gets its own AES-256 data key. The data key is wrapped by the newest master
key (`INTEGRATIONS_MASTER_KEYS`) and kept in the key store table beside that master key's id;
events and snapshots only ever hold ciphertext. Deleting an integration deletes its wrapped
data key in the same transaction as the `integration.deleted` event, after which no master
key can recover the credentials, while the rest of the history stays readable."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.aggregates.integration import SealedCredentials
from app.aggregates.time import iso
from app.api_keys import ApiKeyHasher
from app.database import Database
from app.eventstore import Statement

log = logging.getLogger(__name__)
SWEEP_ATTEMPTS, SWEEP_PAUSE = 120, 0.5
KID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
KEY_STORE_DDL = (
    "CREATE TABLE IF NOT EXISTS credential_keys ("
    " integration_id TEXT PRIMARY KEY,"
    " master_key_id TEXT NOT NULL,"
    " wrapped_key TEXT NOT NULL,"
    " created_at TEXT NOT NULL)"
)


class CredentialsUnavailable(Exception):
    """The data key is gone (shredded) or no configured master key can unwrap it."""


class MasterKeys:
    """The configured master keys, newest first."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("at least one master key is required")
        self.keys = dict(keys)
        self.newest = keys[0][0]

    @classmethod
    def parse(cls, spec: str) -> MasterKeys:
        keys = []
        for item in filter(None, (part.strip() for part in spec.split(","))):
            kid, _, encoded = item.partition(":")
            if not KID.match(kid):
                raise ValueError(f"master key id {kid!r} must match {KID.pattern}")
            try:
                key = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"master key {kid!r} is not valid base64") from None
            if len(key) != 32:
                raise ValueError(f"master key {kid!r} must be 32 bytes, got {len(key)}")
            keys.append((kid, key))
        if len({kid for kid, _ in keys}) != len(keys):
            raise ValueError("master key ids must be unique")
        return cls(keys)

    @staticmethod
    def generate_spec(kid: str = "dev1") -> str:
        return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"

    def wrap(self, data_key: bytes, context: str) -> tuple[str, str]:
        return self.newest, _seal(self.keys[self.newest], data_key, context)

    def unwrap(self, kid: str, wrapped: str, context: str) -> bytes:
        if kid not in self.keys:
            raise CredentialsUnavailable(f"master key {kid!r} is not configured")
        return _open(self.keys[kid], wrapped, context)

    def derived(self, purpose: str) -> list[tuple[str, bytes]]:
        """Per-purpose subkeys (HMAC of the purpose under each master key), newest first."""
        return [
            (kid, hmac.new(key, purpose.encode(), hashlib.sha256).digest())
            for kid, key in self.keys.items()
        ]


class CredentialVault:
    def __init__(self, master_keys: MasterKeys, db: Database, hasher: ApiKeyHasher) -> None:
        self.master_keys = master_keys
        self.db = db
        self.hasher = hasher
        self._sweeps: set[threading.Thread] = set()
        self._closing = threading.Event()

    def seal_new(
        self, integration_id: str, credentials: Mapping[str, Any]
    ) -> tuple[SealedCredentials, Statement]:
        """Seal with a fresh data key; the statement stores it with the creating events."""
        data_key = AESGCM.generate_key(bit_length=256)
        kid, wrapped = self.master_keys.wrap(data_key, _context(integration_id))
        store = Statement(
            "INSERT INTO credential_keys (integration_id, master_key_id, wrapped_key, created_at)"
            " VALUES (?, ?, ?, ?)",
            (integration_id, kid, wrapped, iso(datetime.now(UTC))),
        )
        return self._seal(data_key, integration_id, credentials), store

    def seal_blob(self, owner_id: str, plaintext: bytes) -> tuple[str, Statement]:
        """Seal one value under its own new data key (e.g. a secret kept for an idempotent
        retry); the statement stores the key, and deleting that row shreds the value."""
        data_key = AESGCM.generate_key(bit_length=256)
        kid, wrapped = self.master_keys.wrap(data_key, _context(owner_id))
        store = Statement(
            "INSERT INTO credential_keys (integration_id, master_key_id, wrapped_key, created_at)"
            " VALUES (?, ?, ?, ?)",
            (owner_id, kid, wrapped, iso(datetime.now(UTC))),
        )
        return _seal(data_key, plaintext, owner_id), store

    def open_blob(self, owner_id: str, sealed: str) -> bytes:
        return _open(self._data_key(owner_id), sealed, owner_id)

    def reseal(self, integration_id: str, credentials: Mapping[str, Any]) -> SealedCredentials:
        return self._seal(self._data_key(integration_id), integration_id, credentials)

    def open(self, integration_id: str, sealed: SealedCredentials) -> dict[str, Any]:
        data_key = self._data_key(integration_id)
        plaintext = _open(data_key, sealed["ciphertext"], integration_id)
        return msgspec.json.decode(plaintext)  # type: ignore[no-any-return]

    @staticmethod
    def shred(integration_id: str) -> Statement:
        """Delete the data key, with the events that record the deletion (then `sweep`)."""
        return Statement("DELETE FROM credential_keys WHERE integration_id = ?", (integration_id,))

    def close(self) -> None:
        """Stop sweeping (the pool is about to close)."""
        self._closing.set()
        for thread in list(self._sweeps):
            thread.join(5)

    def sweep(self) -> threading.Thread:
        """After a shred, in the background: leave no copy of deleted keys in the database's
        files where it can (SQLite: the WAL checkpointed and truncated, retried while readers
        hold it; PostgreSQL: the table vacuumed; its WAL and backups keep bytes, which key
        rotation covers, see the README)."""
        thread = threading.Thread(target=self._sweep, name="key-sweep", daemon=True)
        self._sweeps.add(thread)
        thread.start()
        return thread

    def _sweep(self) -> None:
        try:
            for _ in range(SWEEP_ATTEMPTS):
                if self._closing.is_set():
                    return
                try:
                    if self.db.compact("credential_keys"):
                        return
                except Exception:
                    log.warning("sweeping deleted data keys failed; retrying", exc_info=True)
                self._closing.wait(SWEEP_PAUSE)
        finally:
            self._sweeps.discard(threading.current_thread())
        log.warning(
            "deleted data keys may stay in the database files until its next "
            "checkpoint: readers kept the WAL busy"
        )

    def rewrap_all(self) -> int:
        """Re-wrap every data key under the newest master key (after adding a new one)."""
        with self.db.transaction(write=True) as tx:
            rows = tx.all(
                "SELECT * FROM credential_keys WHERE master_key_id <> ?", (self.master_keys.newest,)
            )
            for row in rows:
                context = _context(row["integration_id"])
                key = self.master_keys.unwrap(row["master_key_id"], row["wrapped_key"], context)
                kid, wrapped = self.master_keys.wrap(key, context)
                tx.execute(
                    "UPDATE credential_keys SET master_key_id = ?, wrapped_key = ?"
                    " WHERE integration_id = ?",
                    (kid, wrapped, row["integration_id"]),
                )
        return len(rows)

    def _seal(
        self, data_key: bytes, integration_id: str, credentials: Mapping[str, Any]
    ) -> SealedCredentials:
        api_key = credentials.get("api_key")
        return SealedCredentials(
            ciphertext=_seal(data_key, msgspec.json.encode(dict(credentials)), integration_id),
            fields=sorted(credentials),
            api_key_hint=api_key[-4:] if isinstance(api_key, str) and len(api_key) >= 8 else None,
            api_key_hash=self.hasher.hash(api_key) if isinstance(api_key, str) else None,
        )

    def _data_key(self, integration_id: str) -> bytes:
        row = self.db.one(
            "SELECT * FROM credential_keys WHERE integration_id = ?", (integration_id,)
        )
        if row is None:
            raise CredentialsUnavailable("the credentials of this integration were destroyed")
        return self.master_keys.unwrap(
            row["master_key_id"], row["wrapped_key"], _context(integration_id)
        )


def _context(integration_id: str) -> str:
    return f"data-key:{integration_id}"


def _seal(key: bytes, plaintext: bytes, context: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext, context.encode())
    return "v1:" + base64.b64encode(nonce + sealed).decode()


def _open(key: bytes, token: str, context: str) -> bytes:
    try:
        raw = base64.b64decode(token.removeprefix("v1:"))
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode())
    except (InvalidTag, binascii.Error, ValueError):
        raise CredentialsUnavailable("ciphertext does not open with this key") from None
