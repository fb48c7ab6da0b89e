"""The fast path through the store for projection runners (live followers and rebuilds).

Rows are read as plain tuples and turned straight into domain events the way the library's
mapper does it (topic, transcoded state, upcasts), without its per-row `Notification` and
id-conversion objects. Stream ids are memoised as `StreamId`s, which are `UUID`s that also
remember their text: a replay meets each stream many times, and handlers key rows by it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, SafeUUID

from eventsourcing.utils import resolve_topic

Row = tuple[int, Any, int, str, bytes]
"""(position, originator id as stored, version, topic, state)"""
STREAM_IDS_KEPT = 100_000


class StreamId(UUID):
    """A UUID that formats itself once."""

    __slots__ = ("_text",)
    _text: str

    def __str__(self) -> str:
        return self._text


def stream_id(value: UUID | str) -> StreamId:
    parsed = value if isinstance(value, UUID) else UUID(value)
    text = str(parsed)
    sid = object.__new__(StreamId)
    object.__setattr__(sid, "int", parsed.int)
    object.__setattr__(sid, "is_safe", SafeUUID.unknown)
    object.__setattr__(sid, "_text", text)
    return sid


class EventDecoder:
    """Decodes stored rows into domain events, as `Mapper.to_domain_event` would (no cipher
    or compressor is configured for this store)."""

    def __init__(self, decode_state: Callable[[bytes], dict[str, Any]]) -> None:
        self._decode_state = decode_state
        self._classes: dict[str, tuple[type, int]] = {}
        self._ids: dict[Any, StreamId] = {}

    def __call__(self, row: Row) -> Any:
        _, originator_id, version, topic, state = row
        found = self._classes.get(topic)
        if found is None:
            cls = resolve_topic(topic)
            found = self._classes[topic] = (cls, getattr(cls, "class_version", 1))
        cls, class_version = found
        event_state = self._decode_state(state)
        sid = self._ids.get(originator_id)
        if sid is None:
            if len(self._ids) >= STREAM_IDS_KEPT:
                self._ids.clear()
            sid = self._ids[originator_id] = stream_id(originator_id)
        event_state["originator_id"] = sid
        event_state["originator_version"] = version
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        event: Any = object.__new__(cls)
        object.__setattr__(event, "__dict__", event_state)
        return event
