"""SQL that must commit in the same transaction as a batch of events (the credential key
store, the sync worker's tracking position)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec


class Statement(msgspec.Struct, frozen=True):
    """One parameterised statement written with `?` placeholders."""

    sql: str
    params: Sequence[Any] = ()

    def for_postgres(self) -> str:
        return postgres_sql(self.sql)


def postgres_sql(sql: str) -> str:
    """Translate `?` placeholders to psycopg's `%s` (no literal `?` or `%` in our SQL)."""
    return sql.replace("%", "%%").replace("?", "%s")
