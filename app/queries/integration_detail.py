"""What an integration looks like now: `GET /integrations/{id}/` and every write's answer."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.errors import IntegrationNotFound
from app.aggregates.integration import Integration
from app.aggregates.time import iso
from app.database import Database, Row
from app.projections.integration_summaries import SUMMARIES
from app.reads import Reads

MASK = "********"


class IntegrationView(msgspec.Struct, kw_only=True):
    id: str
    account_id: str
    site_id: str
    platform: str
    platform_type: str
    config_json: dict[str, Any]
    api_key: str | None
    credential_fields: list[str]
    is_active: bool
    sync_enabled: bool
    sync_status: str
    last_sync_at: str | None
    sync_error: str | None
    created_at: str
    updated_at: str
    version: int


def masked_api_key(platform: str, fields: list[str], hint: str | None) -> str | None:
    if platform != "wordpress" or "api_key" not in fields:
        return None
    return MASK + (hint or "")


def view_of_row(row: Row) -> IntegrationView:
    fields = msgspec.json.decode(row["credential_fields"])
    return IntegrationView(
        id=row["id"],
        account_id=row["account_id"],
        site_id=row["site_id"],
        platform=row["platform"],
        platform_type=row["platform_type"],
        config_json=msgspec.json.decode(row["config_json"]),
        api_key=masked_api_key(row["platform"], fields, row["api_key_hint"]),
        credential_fields=fields,
        is_active=bool(row["is_active"]),
        sync_enabled=bool(row["sync_enabled"]),
        sync_status=row["sync_status"],
        last_sync_at=row["last_sync_at"],
        sync_error=row["sync_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def view_of_aggregate(integration: Integration) -> IntegrationView:
    fields = list(integration.credentials["fields"])
    return IntegrationView(
        id=str(integration.id),
        account_id=integration.account_id,
        site_id=integration.site_id,
        platform=integration.platform,
        platform_type=integration.platform_type,
        config_json=integration.config,
        api_key=masked_api_key(
            integration.platform, fields, integration.credentials["api_key_hint"]
        ),
        credential_fields=fields,
        is_active=integration.is_active,
        sync_enabled=integration.sync_enabled,
        sync_status=integration.sync_status,
        last_sync_at=integration.last_sync_at,
        sync_error=integration.sync_error,
        created_at=iso(integration.created_on),
        updated_at=iso(integration.modified_on),
        version=integration.version,
    )


def summary_row(db: Database, account_id: str, integration_id: str) -> Row | None:
    """The row for an integration of this account, deleted ones included."""
    return db.one(
        f"SELECT * FROM {SUMMARIES} WHERE id = ? AND account_id = ?",
        (integration_id, account_id),
    )


async def integration_detail(
    reads: Reads, *, account_id: str, integration_id: str
) -> IntegrationView:
    row = await reads.one(
        f"SELECT * FROM {SUMMARIES} WHERE id = ? AND account_id = ? AND deleted_at IS NULL",
        (integration_id, account_id),
    )
    if row is None:
        raise IntegrationNotFound()
    return view_of_row(row)
