"""Who is acting, for which account, in which request."""

from __future__ import annotations

import msgspec

from app.commands.claims import Claim
from app.eventstore import EventMetadata


class Context(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    actor: str
    request_id: str = ""
    claim: Claim | None = None
    """The request's `Idempotency-Key` claim, saved with the command's first events."""

    @property
    def metadata(self) -> EventMetadata:
        return EventMetadata(actor=self.actor, request_id=self.request_id)


def system_context(account_id: str = "", request_id: str = "") -> Context:
    return Context(account_id=account_id, actor="system", request_id=request_id)
