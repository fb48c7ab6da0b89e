"""One `Idempotency-Key` of one caller on one route: the request it was first used with and
the answer that request got.

The stream id is derived from (scope, route, key), and the record is claimed in the same
transaction as the command's effect, so two requests with the same key collide on the same
stream version in the store: one effect, and the loser answers from the winner's record. A
key expires after `WINDOW`; it is then claimed again at the next version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid5

from eventsourcing.domain import event

from app.aggregates.base import EventSourced
from app.aggregates.errors import DomainError
from app.aggregates.time import iso, parse_iso

NAMESPACE = UUID("9a3c1f0e-54d2-4b7e-8c1a-2f6d0e9b7a35")
WINDOW = timedelta(hours=24)


class IdempotencyKeyReused(DomainError):
    """The key was first used with another request body on this route."""


class IdempotencyRecord(EventSourced):
    TOPIC = "idempotency_record"
    id: UUID  # derived from (scope, route, key) by the command

    @staticmethod
    def create_id(scope: str, route: str, key: str) -> UUID:
        return uuid5(NAMESPACE, f"{scope} {route} {key}")

    class Created(EventSourced.Created):
        TOPIC = "idempotency.claimed"
        route: str
        request_hash: str
        expires_at: str

    @event(Created)
    def __init__(self, *, route: str, request_hash: str, expires_at: str) -> None:
        self.route = route
        self.request_hash = request_hash
        self.expires_at = expires_at
        self.answer: dict[str, object] | None = None

    @staticmethod
    def expiry(now: datetime | None = None) -> str:
        return iso((now or datetime.now(UTC)) + WINDOW)

    def expired(self, now: datetime | None = None) -> bool:
        return parse_iso(self.expires_at) <= (now or datetime.now(UTC))

    def check_request(self, request_hash: str) -> None:
        if request_hash != self.request_hash:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with a different request "
                "body; use a new key for a new request"
            )

    def reclaim(self, request_hash: str) -> None:
        """Use an expired key again, for a new request."""
        if self.expired():
            self._reclaimed(request_hash=request_hash, expires_at=self.expiry())

    class Reclaimed(EventSourced.Event):
        TOPIC = "idempotency.reclaimed"
        request_hash: str
        expires_at: str

    @event(Reclaimed)
    def _reclaimed(self, request_hash: str, expires_at: str) -> None:
        self.request_hash = request_hash
        self.expires_at = expires_at
        self.answer = None

    def record_answer(
        self, *, status: int, headers: dict[str, str], body: str, sealed: bool
    ) -> None:
        """`body` is the response's JSON text, or its ciphertext when it holds a secret."""
        if self.answer is None:
            self._answered(status=status, headers=headers, body=body, sealed=sealed)

    class Answered(EventSourced.Event):
        TOPIC = "idempotency.answered"
        status: int
        headers: dict[str, str]
        body: str
        sealed: bool

    @event(Answered)
    def _answered(self, status: int, headers: dict[str, str], body: str, sealed: bool) -> None:
        self.answer = {"status": status, "headers": headers, "body": body, "sealed": sealed}
