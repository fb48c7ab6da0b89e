"""Idempotent commands: look up a request's `Idempotency-Key`, claim it with the command's
effect (see `claims`), record the answer, and replay it to retries. Answers holding a secret
are sealed under a data key of their own in the key store, shredded once the key expires."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from uuid import UUID

import msgspec

from app.aggregates.idempotency import WINDOW, IdempotencyRecord
from app.aggregates.time import iso
from app.commands.claims import Claim, KeyAlreadyClaimed
from app.commands.context import Context
from app.commands.store import Store
from app.eventstore import ConcurrentWrite, Statement

PURPOSE = "idempotency-request"
POLL = 0.05


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    headers: dict[str, str]
    body: bytes


class Pending(msgspec.Struct, frozen=True):
    """The key is claimed (its effect happened) but the answer is not recorded yet."""

    record_id: UUID


def request_hash(store: Store, route: str, body: bytes) -> str:
    """A keyed digest of the request (route and body), so no body is kept in the record."""
    _, key = store.vault.master_keys.derived(PURPOSE)[0]
    return hmac.new(key, route.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def prepare(store: Store, record_id: UUID, route: str, digest: str) -> Answer | Pending | Claim:
    """The first answer (a retry), `Pending`, or a claim for this request to take effect
    with; `IdempotencyKeyReused` when the key came with another request."""
    record = store.find(IdempotencyRecord, record_id)
    if record is not None and not record.expired():
        record.check_request(digest)
        return Pending(record_id) if record.answer is None else opened(store, record)

    def build() -> IdempotencyRecord:
        current = store.find(IdempotencyRecord, record_id)
        if current is None:
            return IdempotencyRecord(
                id=record_id,
                route=route,
                request_hash=digest,  # type: ignore[call-arg]
                expires_at=IdempotencyRecord.expiry(),
            )
        if not current.expired():  # claimed since this request looked
            raise KeyAlreadyClaimed()
        current.reclaim(digest)
        return current

    return Claim(build, record_id, record.version if record is not None else 0)


def claimed_since(store: Store, claim: Claim) -> bool:
    """Whether another request claimed the key after this one looked."""
    return bool(store.events.stream(claim.record_id, claim.loaded_version, 1))


def record_answer(
    store: Store, claim: Claim, ctx: Context, answer: Answer, *, secret: bool
) -> None:
    """Keep the answer for retries (with the claim itself when the command saved nothing)."""
    record = claim.record or claim.build()
    statements = [shred_expired()]
    body = answer.body.decode()
    if secret:
        body, key_row = store.vault.seal_blob(_owner(record.id), answer.body)
        statements.append(key_row)
    record.record_answer(status=answer.status, headers=answer.headers, body=body, sealed=secret)
    try:
        store.events.record(record, metadata=ctx.metadata, statements=statements)
    except ConcurrentWrite:
        raise KeyAlreadyClaimed() from None


def await_answer(store: Store, record_id: UUID, timeout: float) -> Answer | None:
    """The winner's answer, once it has recorded it (None if not within `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        record = store.find(IdempotencyRecord, record_id)
        if record is not None and record.answer is not None:
            return opened(store, record)
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL)


def opened(store: Store, record: IdempotencyRecord) -> Answer:
    answer = record.answer or {}
    body = str(answer["body"])
    raw = store.vault.open_blob(_owner(record.id), body) if answer["sealed"] else body.encode()
    headers = answer["headers"]
    return Answer(
        status=int(str(answer["status"])),
        headers=dict(headers) if isinstance(headers, dict) else {},
        body=raw,
    )


def shred_expired() -> Statement:
    """Destroy the data keys of sealed answers whose keys have expired."""
    cutoff = iso(datetime.now(UTC) - WINDOW)
    return Statement(
        "DELETE FROM credential_keys WHERE integration_id LIKE 'idempotency:%' AND created_at < ?",
        (cutoff,),
    )


def _owner(record_id: UUID) -> str:
    return f"idempotency:{record_id}"
