"""Credentials are encrypted from the first event on and shredded on delete."""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.bootstrap import Services
from app.commands import create_integration, create_site
from app.commands.context import system_context
from app.credentials import CredentialsUnavailable
from app.settings import Settings
from tests.conftest import MASTER_KEY, Api, make_settings

WEBHOOK_SECRET = "whsec_" + "Y2FuYXJ5LXNlY3JldC1ieXRlcy0xMjM0NTY3ODkw"


def everything_stored(services: Services) -> str:
    """Every byte the database holds, as text (files for SQLite, every table for PostgreSQL)."""
    if services.db.dialect == "sqlite":
        base = Path(services.settings.database.path)
        files = [base, Path(f"{base}-wal")]
        return "".join(f.read_bytes().decode("latin-1") for f in files if f.exists())
    tables = services.db.all(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    dump = []
    for row in tables:
        name = row["table_name"]
        for record in services.db.all(f'SELECT t::text AS r FROM "{name}" t'):
            dump.append(record["r"])
    return "\n".join(dump)


def test_canary_credentials_appear_nowhere_but_can_be_used(
    api: Api,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = f"canary-{uuid.uuid4().hex}"
    site = api.create_site()
    responses = []
    created = api.post(
        "/integrations/",
        json={
            "site_id": site["id"],
            "platform": "wordpress",
            "credentials_json": {
                "api_key": f"{canary}-key",
                "username": "admin",
                "app_password": f"{canary}-pw",
                "webhook_secret": WEBHOOK_SECRET,
            },
        },
    )
    responses.append(created)
    path = f"/integrations/{created.json()['id']}/"
    for n in range(6):  # enough to take snapshots
        responses.append(
            api.patch(path, json={"credentials_json": {"app_password": f"{canary}-pw{n}"}})
        )
    for extra in ("", "history/", "sync-events/", "content-types/", "?version=1"):
        responses.append(api.get(path + extra))
    responses += [api.get("/integrations/"), api.get("/events/")]

    assert all(r.status_code < 300 for r in responses), [r.text for r in responses]
    for response in responses:
        assert canary not in response.text
        assert WEBHOOK_SECRET not in response.text
    stored = everything_stored(services)
    assert canary not in stored and WEBHOOK_SECRET not in stored
    assert canary not in caplog.text

    integration = services.store.get_integration(created.json()["id"], api.account_id)
    opened = services.vault.open(str(integration.id), integration.credentials)
    assert opened["api_key"] == f"{canary}-key"
    assert opened["app_password"] == f"{canary}-pw5"


def test_delete_shreds_the_data_key(api: Api, services: Services) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"], credentials_json={"api_key": "shred-me-123456"})
    first_event = services.events.stream(uuid.UUID(created["id"]), 0, 1)[0]
    sealed = first_event.credentials
    assert services.vault.open(created["id"], sealed)["api_key"] == "shred-me-123456"

    assert api.delete(f"/integrations/{created['id']}/").status_code == 204

    with pytest.raises(CredentialsUnavailable):
        services.vault.open(created["id"], sealed)
    keys_left = services.db.value(
        "SELECT COUNT(*) FROM credential_keys WHERE integration_id = ?", (created["id"],)
    )
    assert keys_left == 0
    history = api.get(f"/integrations/{created['id']}/history/?type=integration.").json()["results"]
    assert [e["type"] for e in history] == ["integration.created", "integration.deleted"]


def test_master_key_rotation_keeps_credentials_readable(
    database_url: str,
    tmp_path: Path,
) -> None:
    ctx = system_context("acc")
    with running(make_settings(database_url, tmp_path)) as old:
        site = old.execute(
            create_site.handle, create_site.CreateSite(name="s", url="https://s.io"), ctx
        ).site
        saved = old.execute(
            create_integration.handle,
            create_integration.CreateIntegration(
                site_id=str(site.id), platform="custom", credentials_json={"token": "rotate-me"}
            ),
            ctx,
        )
    integration_id = str(saved.aggregate.id)
    new_key = "test2:" + base64.b64encode(b"n" * 32).decode()
    both = make_settings(database_url, tmp_path, master_keys=f"{new_key},{MASTER_KEY}")
    with running(both) as rotated:
        assert rotated.vault.rewrap_all() == 1
        assert _credentials(rotated, integration_id) == {"token": "rotate-me"}
    with running(make_settings(database_url, tmp_path, master_keys=new_key)) as only_new:
        assert _credentials(only_new, integration_id) == {"token": "rotate-me"}


def _credentials(services: Services, integration_id: str) -> dict[str, str]:
    integration = services.store.get_integration(integration_id, "acc")
    return services.vault.open(integration_id, integration.credentials)


@contextmanager
def running(settings: Settings) -> Iterator[Services]:
    services = Services(settings)
    services.start()
    try:
        yield services
    finally:
        services.close()
