"""Throwaway databases for benchmarks: a SQLite file in a temporary directory, or a fresh
PostgreSQL database on the local server (dropped afterwards)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN_URL = os.environ.get(
    "INTEGRATIONS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def scratch_database(kind: str) -> Iterator[tuple[str, str]]:
    """(database url, directory for var/) for one benchmark run."""
    with tempfile.TemporaryDirectory(prefix="integrations-bench-") as directory:
        if kind == "sqlite":
            yield f"sqlite:///{directory}/bench.db", directory
            return
        name = f"integrations_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", directory
        finally:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_env(database_url: str, directory: str) -> dict[str, str]:
    """Environment for the service's own processes (CLI, server) in a benchmark."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("INTEGRATIONS_")}
    return keep | {
        "INTEGRATIONS_DATABASE_URL": database_url,
        "INTEGRATIONS_VAR_DIR": f"{directory}/var",
        "INTEGRATIONS_LOG_LEVEL": "WARNING",
    }
