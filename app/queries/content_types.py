"""Which post types and taxonomies an integration knows (pushed by the plugin or synced)."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.errors import IntegrationNotFound
from app.projections.integration_summaries import SUMMARIES
from app.reads import Reads


async def content_types(reads: Reads, *, account_id: str, integration_id: str) -> dict[str, Any]:
    row = await reads.one(
        f"SELECT config_json FROM {SUMMARIES} WHERE id = ? AND account_id = ?"
        " AND deleted_at IS NULL",
        (integration_id, account_id),
    )
    if row is None:
        raise IntegrationNotFound()
    found = msgspec.json.decode(row["config_json"]).get("content_types")
    return found if isinstance(found, dict) else {}
