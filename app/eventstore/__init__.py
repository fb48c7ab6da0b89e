"""The event store: eventsourcing's Application with explicit topics, a msgspec transcoder,
event metadata (actor, request id) and statements that commit atomically with events."""

from app.eventstore.application import ConcurrentWrite, EventStore, Recorded
from app.eventstore.metadata import EventMetadata, metadata_of
from app.eventstore.statements import Statement

__all__ = ["ConcurrentWrite", "EventMetadata", "EventStore", "Recorded", "Statement", "metadata_of"]
