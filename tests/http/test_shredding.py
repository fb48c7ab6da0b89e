"""Shredding that holds on disk: after DELETE no copy of the wrapped data key stays in the
SQLite file or its WAL; on PostgreSQL (whose dead rows, WAL and backups keep bytes a while)
the key table is vacuumed, and once the master key is rotated and the old one dropped, a key
read from a dead row cannot be unwrapped with any configured key."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from litestar.testing import TestClient

from app.bootstrap import Services
from app.credentials import CredentialsUnavailable, MasterKeys, _context
from app.http.app import create_app
from app.settings import DatabaseURL
from tests.conftest import MASTER_KEY, Api, make_settings, reset_postgres
from tests.http.test_credentials import running
from tests.processes import wait_until

NEW_KEY = "test2:" + base64.b64encode(b"n" * 32).decode()


def wrapped_key(services: Services, integration_id: str) -> str:
    return str(
        services.db.value(
            "SELECT wrapped_key FROM credential_keys WHERE integration_id = ?", (integration_id,)
        )
    )


def sqlite_bytes(services: Services) -> bytes:
    base = Path(services.settings.database.path)
    return b"".join(p.read_bytes() for p in (base, Path(f"{base}-wal")) if p.exists())


def test_a_deleted_key_leaves_no_copy_in_the_sqlite_file_or_wal(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'shred.db'}", tmp_path)
    with (
        running(settings) as services,
        TestClient(create_app(services, manage_lifecycle=False)) as client,
    ):
        deleted_key_is_swept(Api(client, services, account_id="acc"))


def deleted_key_is_swept(api: Api) -> None:
    site = api.create_site()
    kept = api.create_integration(site["id"])
    doomed = api.create_integration(
        site["id"], platform="custom", credentials_json={"token": "t" * 20}
    )
    secret = wrapped_key(api.services, doomed["id"]).encode()
    assert secret in sqlite_bytes(api.services)

    assert api.delete(f"/integrations/{doomed['id']}/").status_code == 204
    wait_until(lambda: secret not in sqlite_bytes(api.services), 30, "the key to be swept")
    assert wrapped_key(api.services, kept["id"]).encode() in sqlite_bytes(api.services)


@pytest.mark.postgres
def test_a_dead_rows_key_cannot_be_unwrapped_after_rotation(
    postgres_database: DatabaseURL, tmp_path: Path
) -> None:
    reset_postgres(postgres_database)
    url = postgres_database.url()
    with running(make_settings(url, tmp_path)) as services:
        with TestClient(create_app(services, manage_lifecycle=False)) as client:
            api = Api(client, services, account_id="acc")
            site = api.create_site()
            kept = api.create_integration(site["id"])
            doomed = api.create_integration(
                site["id"], platform="custom", credentials_json={"token": "t" * 20}
            )
            row = services.db.one(
                "SELECT * FROM credential_keys WHERE integration_id = ?", (doomed["id"],)
            )  # what a dead row or a backup would keep
            assert api.delete(f"/integrations/{doomed['id']}/").status_code == 204
        wait_until(
            lambda: services.db.value(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables"
                " WHERE relname = 'credential_keys'"
            ),
            30,
            "the key table to be vacuumed",
        )
    assert row is not None
    with running(make_settings(url, tmp_path, master_keys=f"{NEW_KEY},{MASTER_KEY}")) as both:
        assert both.vault.rewrap_all() == 1  # the kept integration's key
    only_new = MasterKeys.parse(NEW_KEY)
    for kid in (row["master_key_id"], only_new.newest):
        with pytest.raises(CredentialsUnavailable):
            only_new.unwrap(kid, row["wrapped_key"], _context(doomed["id"]))
    with running(make_settings(url, tmp_path, master_keys=NEW_KEY)) as rotated:
        integration = rotated.store.get_integration(kept["id"], "acc")
        assert rotated.vault.open(kept["id"], integration.credentials)["api_key"]
