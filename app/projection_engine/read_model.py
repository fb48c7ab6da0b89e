"""What a read model declares: its tables and one short handler per event type.

Handlers are methods marked with `@on(EventClass, …)`; an event is handled by the handler of
its own class or, failing that, of the nearest base class (so `@on(EventSourced.Event)` sees
every event). Handlers change rows only through the `Changeset` they are given."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from app.projection_engine.changeset import Changeset, Key

Handler = Callable[[Any, Any, "Changeset", int], None]
"""(read model, event, changeset, position)"""


class Table:
    """One read table. Queries name it as `str(table)`: the view of its read model's
    version, which always shows that version's live generation. The engine writes the
    physical tables of each generation (`name_v<version>_g<generation>`) and swaps the view
    when a new generation has caught up, so no reader ever sees a partly built table."""

    __slots__ = ("append_only", "columns", "indexes", "key", "name", "version")

    def __init__(
        self,
        name: str,
        columns: dict[str, str],
        key: tuple[str, ...],
        indexes: tuple[tuple[str, ...], ...] = (),
        *,
        append_only: bool = False,
    ) -> None:
        self.name = name
        self.columns = columns
        """Column name -> SQL type and constraints, in order."""
        self.key = key
        self.indexes = indexes
        self.append_only = append_only
        """Rows are only ever inserted (logs, feeds)."""
        self.version = 0
        """Set by the read model that owns the table."""

    def __str__(self) -> str:
        return self.view

    @property
    def view(self) -> str:
        return f"{self.name}_v{self.version}"

    def physical(self, generation: int) -> str:
        """The table that holds one generation of this version's rows."""
        return f"{self.name}_v{self.version}_g{generation}"

    def __repr__(self) -> str:
        return f"Table({self.name!r})"

    def ddl(self, physical: str) -> list[str]:
        columns = ", ".join(f"{name} {kind}" for name, kind in self.columns.items())
        return [
            f"CREATE TABLE IF NOT EXISTS {physical} ({columns},"
            f" PRIMARY KEY ({', '.join(self.key)}))",
            *self.index_ddl(physical),
        ]

    def index_ddl(self, physical: str) -> list[str]:
        """The secondary indexes (a rebuild drops them and builds them again at the end)."""
        return [
            f"CREATE INDEX IF NOT EXISTS {physical}_ix{n} ON {physical} ({', '.join(index)})"
            for n, index in enumerate(self.indexes)
        ]

    def drop_indexes_sql(self, physical: str) -> list[str]:
        return [f"DROP INDEX IF EXISTS {physical}_ix{n}" for n in range(len(self.indexes))]

    def upsert_sql(self, physical: str) -> str:
        names = list(self.columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in names if c not in self.key)
        return (
            f"INSERT INTO {physical} ({', '.join(names)}) VALUES"
            f" ({', '.join('?' * len(names))}) ON CONFLICT ({', '.join(self.key)})"
            f" DO UPDATE SET {updates}"
        )


def on(*event_types: type) -> Callable[[Handler], Handler]:
    """Mark a method as the handler of these event classes (and their subclasses)."""

    def mark(method: Handler) -> Handler:
        setattr(method, "__handles__", event_types)  # noqa: B010 - a marker on a function
        return method

    return mark


class ReadModel:
    name: ClassVar[str]
    """What `projections rebuild NAME` takes."""
    version: ClassVar[int] = 1
    """Raise it when the tables' columns or the handlers' meaning change: the new version is
    built beside the old one and takes over when it has caught up."""
    tables: ClassVar[tuple[Table, ...]]
    _declared: ClassVar[dict[type, Handler]]
    _resolved: ClassVar[dict[type, Handler | None]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "version" in cls.__dict__ and "tables" not in cls.__dict__:
            raise TypeError(f"{cls.__name__}: a new version declares its own tables")
        for table in cls.__dict__.get("tables", ()):
            table.version = cls.version
        cls._declared, cls._resolved = {}, {}
        for base in reversed(cls.__mro__):
            declared_here: set[type] = set()
            for member in vars(base).values():
                for event_type in getattr(member, "__handles__", ()):
                    if event_type in declared_here:
                        raise TypeError(f"{base.__name__} handles {event_type.__name__} twice")
                    declared_here.add(event_type)
                    cls._declared[event_type] = member

    @classmethod
    def handler_for(cls, event_type: type) -> Handler | None:
        """The handler of this class of event: its own, else its nearest base's."""
        if event_type not in cls._resolved:
            cls._resolved[event_type] = next(
                (cls._declared[t] for t in event_type.__mro__ if t in cls._declared), None
            )
        return cls._resolved[event_type]

    def rows_wanted(self, event: Any) -> Iterable[tuple[Table, Key]]:
        """The rows this event's handler will read by key (the runner reads a batch's rows
        in one statement per table before applying it); none by default."""
        return ()

    def apply(self, event: Any, changes: Changeset, position: int) -> None:
        handler = self.handler_for(type(event))
        if handler is not None:
            handler(self, event, changes, position)
