"""`INTEGRATIONS_DATABASE_URL`: which database, parsed once. PostgreSQL URLs go through
psycopg's own conninfo parser, so every libpq parameter they carry (`sslmode`,
`host=/socket/dir`, `application_name`, …) reaches every connection the service opens."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote, urlencode

import msgspec
from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict, make_conninfo


class SettingsError(ValueError):
    """A setting is missing or malformed; the process should not start."""


USAGE = (
    "INTEGRATIONS_DATABASE_URL must be sqlite:///relative.db, sqlite:////absolute.db or "
    "postgresql://user:password@host:port/dbname[?sslmode=…]"
)


class DatabaseURL(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["sqlite", "postgres"]
    path: str = ""
    params: dict[str, str] = {}
    """libpq connection parameters (PostgreSQL)."""

    @classmethod
    def parse(cls, url: str) -> DatabaseURL:
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if not path or "\x00" in path:
                raise SettingsError(f"{USAGE} (the sqlite URL has no path)")
            return cls(kind="sqlite", path=path)
        if url.startswith(("postgresql://", "postgres://")):
            return cls(kind="postgres", params=_postgres_params(url))
        raise SettingsError(USAGE)

    @property
    def dbname(self) -> str:
        return self.params.get("dbname", "")

    def with_dbname(self, dbname: str) -> DatabaseURL:
        return msgspec.structs.replace(self, params={**self.params, "dbname": dbname})

    def conninfo(self, **extra: Any) -> str:
        """A libpq connection string with every parameter of the URL (and `extra`)."""
        return make_conninfo("", **{**self.params, **extra})

    def url(self) -> str:
        """Back to a URL (every parameter as a query parameter, which libpq accepts)."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        rest = urlencode({k: v for k, v in self.params.items() if k != "dbname"})
        return f"postgresql:///{quote(self.dbname, safe='')}?{rest}"

    def describe(self) -> str:
        """Where the database is, for messages (never the password)."""
        if self.kind == "sqlite":
            return f"SQLite file {self.path}"
        host = self.params.get("host", "localhost")
        return f"PostgreSQL database {self.dbname!r} at {host}:{self.params.get('port', '5432')}"


def _postgres_params(url: str) -> dict[str, str]:
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    except ProgrammingError as exc:
        raise SettingsError(f"{USAGE}: {str(exc).strip()}") from None
    if not params.get("dbname"):
        raise SettingsError(f"{USAGE} (the URL names no database)")
    if any("\x00" in value for value in params.values()):
        raise SettingsError(f"{USAGE} (a parameter contains NUL)")
    return params
