"""A projection keeps one read model: its tables, and one short handler per event type.

Handlers only write (upserts, `INSERT … SELECT`), never read back, so a batch of events can be
pipelined to PostgreSQL in one round trip. Table names are prefixable so `verify` can
rebuild a projection into scratch tables and compare."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from app.database import Tx

Handler = Callable[[Any, Any, Tx, int], None]


def on(*event_types: type) -> Callable[[Handler], Handler]:
    """Mark a method as the handler of these event classes."""

    def mark(method: Handler) -> Handler:
        method.__handles__ = event_types  # type: ignore[attr-defined]
        return method

    return mark


class Projection:
    name: ClassVar[str]
    """Tracking name; also what `projections rebuild NAME` takes."""
    tables: ClassVar[dict[str, str]]
    """Table name -> the columns `verify` orders rows by (its primary key)."""
    schema: ClassVar[tuple[str, ...]]
    """DDL with `{table}` placeholders for every name in `tables`."""
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
        self.t = {name: prefix + name for name in self.tables}

    def ddl(self) -> list[str]:
        return [statement.format(**self.t) for statement in self.schema]

    def apply(self, event: Any, tx: Tx, position: int) -> None:
        handler = self.handlers.get(type(event))
        if handler is not None:
            handler(self, event, tx, position)

    def clear(self, tx: Tx) -> None:
        for table in self.t.values():
            tx.execute(f"DELETE FROM {table}")
