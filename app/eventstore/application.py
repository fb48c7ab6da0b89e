"""The one eventsourcing Application holding every stream of the service."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Notification, Transcoder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import Environment, EnvType

from app.eventstore.group_commit import GroupCommitter, Pending
from app.eventstore.metadata import EventMetadata, stamp
from app.eventstore.replay import EventDecoder
from app.eventstore.statements import Statement
from app.eventstore.transcoder import MsgspecTranscoder


class ConcurrentWrite(Exception):
    """Another writer appended to one of the streams first; reload and try again."""


class Recorded(msgspec.Struct, frozen=True):
    """Where the saved events landed: the last position is what readers wait for."""

    position: int
    versions: dict[str, int]


class EventStore(Application[UUID]):
    name = "Integrations"

    def __init__(self, env: EnvType, snapshot_intervals: dict[Any, int] | None = None) -> None:
        self.snapshotting_intervals = dict(snapshot_intervals or {})  # type: ignore[misc]
        self.listeners: list[Callable[[int], None]] = []
        """Called with the new position after every append made through this process."""
        super().__init__(env)
        self._decoder = EventDecoder(self.mapper.transcoder.decode)
        self.committer = GroupCommitter(self._insert)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Configuration comes from `Settings` only, never from stray environment variables."""
        return Environment(name, dict(env or {}))

    def construct_transcoder(self) -> Transcoder:
        return MsgspecTranscoder()

    def record(
        self,
        *aggregates: Aggregate,
        metadata: EventMetadata,
        statements: Sequence[Statement] = (),
    ) -> Recorded:
        """Append the aggregates' pending events atomically, with `statements` in the same
        transaction (shared with saves arriving at the same moment: group commit). Raises
        `ConcurrentWrite` when a stream moved on since it was loaded."""
        processing = ProcessingEvent[UUID]()
        processing.collect_events(*aggregates)
        for event in processing.events:
            stamp(event, metadata)
        if not processing.events:
            return Recorded(position=0, versions={})
        try:
            positions = self.committer.submit(Pending(aggregates, processing.events, statements))
        except IntegrityError as exc:
            raise ConcurrentWrite(str(exc)) from exc
        self._take_snapshots(processing)
        position = max(positions)
        for listener in self.listeners:
            listener(position)
        return Recorded(position=position, versions={str(a.id): a.version for a in aggregates})

    def _insert(self, group: Sequence[Pending]) -> list[int]:
        events = [event for member in group for event in member.events]
        statements = [statement for member in group for statement in member.statements]
        return [r.notification.id for r in self.events.put(events, statements=statements)]

    @property
    def head_sql(self) -> str:
        """A scalar query for the newest position (read models' statements embed it)."""
        table = self.recorder.events_table_name  # type: ignore[attr-defined]
        if isinstance(self.recorder, SQLiteApplicationRecorder):
            return f"SELECT MAX(rowid) FROM {table}"
        return f"SELECT MAX(notification_id) FROM {table}"

    def started(self, stream_id: UUID) -> tuple[str, tuple[Any]]:
        """A query (and its parameter) that finds a row when the stream has any event: one
        indexed read, for asking through any connection (the edge's async reads)."""
        table = self.recorder.events_table_name  # type: ignore[attr-defined]
        sqlite = isinstance(self.recorder, SQLiteApplicationRecorder)
        key = stream_id.hex if sqlite else stream_id  # how each recorder stores the id
        return f"SELECT 1 AS found FROM {table} WHERE originator_id = ? LIMIT 1", (key,)

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def read(self, after: int, limit: int, stop: int | None = None) -> Sequence[Notification]:
        return self.recorder.select_notifications(
            start=after, limit=limit, stop=stop, inclusive_of_start=False
        )

    def replay(self, after: int, limit: int, stop: int | None = None) -> list[tuple[int, Any]]:
        """(position, event) after a position, in order: the fast path for projection runners."""
        decode = self._decoder
        rows = self.recorder.select_rows(after, limit, stop)  # type: ignore[attr-defined]
        return [(row[0], decode(row)) for row in rows]

    def at(self, positions: Sequence[int]) -> list[Notification]:
        """The events at these positions, in position order."""
        return self.recorder.select_notifications_at(positions)  # type: ignore[attr-defined, no-any-return]

    def stream(self, stream_id: UUID, after_version: int, limit: int) -> list[Any]:
        """Events of one stream in version order, after a version."""
        return list(self.events.get(stream_id, gt=after_version or None, limit=limit))

    def decode(self, notification: Notification) -> Any:
        return self.mapper.to_domain_event(notification)
