"""Before anything is written: is the configured database there? A wrong URL, a server that
is down or a database that does not exist ends start-up with one line saying what to do."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from app.settings import Settings, SettingsError

HINTS = (
    ("does not exist", "create it (createdb) or fix the database name"),
    ("password authentication failed", "check the user and password"),
    ("connection refused", "is the server running, and on that host and port?"),
    ("could not translate host name", "check the host name"),
    ("timeout expired", "is the server reachable from here?"),
    ("too many clients", "the server has no connection slot left; see the connection budget"),
)


def check_database(settings: Settings) -> None:
    database = settings.database
    if database.kind == "sqlite":
        _check_sqlite_directory(Path(database.path).parent)
        return
    try:
        psycopg.connect(database.conninfo(connect_timeout=5)).close()
    except psycopg.Error as exc:
        text = str(exc).strip()
        reason = (
            " ".join(text.splitlines()[0].rpartition("failed: ")[2].split())
            if text
            else type(exc).__name__
        )
        hint = next((h for needle, h in HINTS if needle in text.lower()), "check the URL")
        raise SettingsError(
            f"INTEGRATIONS_DATABASE_URL: cannot connect to {database.describe()}: {reason} ({hint})"
        ) from None


def _check_sqlite_directory(directory: Path) -> None:
    existing = next((p for p in (directory, *directory.parents) if p.exists()), Path("."))
    if not existing.is_dir() or not _writable(existing):
        raise SettingsError(
            f"INTEGRATIONS_DATABASE_URL: cannot create the SQLite file under "
            f"{directory} ({existing} is not a writable directory)"
        )


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK | os.X_OK)
