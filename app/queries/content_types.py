"""Which post types and taxonomies an integration knows (pushed by the plugin or synced)."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.errors import IntegrationNotFound
from app.database import Database
from app.queries.integration_detail import summary_row


def content_types(db: Database, *, account_id: str, integration_id: str) -> dict[str, Any]:
    row = summary_row(db, account_id, integration_id)
    if row is None or row["deleted_at"] is not None:
        raise IntegrationNotFound()
    found = msgspec.json.decode(row["config_json"]).get("content_types")
    return found if isinstance(found, dict) else {}
