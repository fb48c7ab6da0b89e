"""A projection keeps one read model: its tables, and one short handler per event type.

Handlers change rows through a `Batch` (see batch.py): reads are cached for the batch and
every changed row is written once when the batch ends. Table names are prefixable so
`verify` can rebuild a projection into scratch tables and compare."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from app.database import Tx
from app.projections.batch import Batch, Table

Handler = Callable[[Any, Any, Batch, int], None]


def on(*event_types: type) -> Callable[[Handler], Handler]:
    """Mark a method as the handler of these event classes."""

    def mark(method: Handler) -> Handler:
        method.__handles__ = event_types
        return method

    return mark


class Projection:
    name: ClassVar[str]
    """Tracking name; also what `projections rebuild NAME` takes."""
    schema: ClassVar[tuple[Table, ...]]
    handlers: ClassVar[dict[type, Handler]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.handlers = {}
        for base in reversed(cls.__mro__):
            for member in vars(base).values():
                for event_type in getattr(member, "__handles__", ()):
                    cls.handlers[event_type] = member

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.tracking_name = prefix + self.name
        self.t = {table.name: prefix + table.name for table in self.schema}
        self.tables = {prefix + table.name: table for table in self.schema}
        """Physical table name -> its definition."""

    def ddl(self) -> list[str]:
        return [sql for name, table in self.tables.items() for sql in table.ddl(name)]

    def apply(self, event: Any, batch: Batch, position: int) -> None:
        handler = self.handlers.get(type(event))
        if handler is not None:
            handler(self, event, batch, position)

    def clear(self, tx: Tx) -> None:
        for table in self.tables:
            tx.execute(f"DELETE FROM {table}")
