"""Who caused an event and in which request: stamped on every event when it is saved, so
aggregates stay free of transport concerns."""

from __future__ import annotations

from typing import Any

import msgspec


class EventMetadata(msgspec.Struct, frozen=True, kw_only=True):
    actor: str
    request_id: str


SYSTEM = EventMetadata(actor="system", request_id="")


def stamp(event: Any, metadata: EventMetadata) -> None:
    """Events are frozen dataclasses; metadata lives beside their fields in `__dict__`."""
    object.__setattr__(event, "actor", metadata.actor)
    object.__setattr__(event, "request_id", metadata.request_id)


def metadata_of(event: Any) -> EventMetadata:
    state = event.__dict__
    return EventMetadata(actor=state.get("actor", "system"), request_id=state.get("request_id", ""))
