"""What an integration looked like at a past version or moment (time travel)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from app.aggregates.errors import FieldError, IntegrationNotFound, ValidationFailed
from app.aggregates.integration import Integration
from app.aggregates.time import iso
from app.database import Database
from app.eventstore import EventStore
from app.projections.event_feed import FEED
from app.queries.integration_detail import IntegrationView, summary_row, view_of_aggregate


def integration_at(
    events: EventStore,
    db: Database,
    *,
    account_id: str,
    integration_id: str,
    version: int | None = None,
    as_of: datetime | None = None,
    include_deleted: bool = False,
) -> IntegrationView:
    row = summary_row(db, account_id, integration_id)
    if row is None or (row["deleted_at"] is not None and not include_deleted):
        raise IntegrationNotFound()
    if as_of is not None:  # with `version` too: the earlier of the two states
        at_time = db.value(
            f"SELECT MAX(version) FROM {FEED} WHERE stream_id = ? AND occurred_at <= ?",
            (integration_id, iso(as_of)),
        )
        if at_time is None:
            raise IntegrationNotFound("the integration did not exist at that time")
        version = int(at_time) if version is None else min(version, int(at_time))
    if version is None or version < 1:
        raise ValidationFailed([FieldError("version", "must be 1 or more")])
    if version > row["version"]:
        raise IntegrationNotFound(f"the integration has no version {version}")
    integration: Any = events.repository.get(UUID(integration_id), version=version)
    assert isinstance(integration, Integration)
    return view_of_aggregate(integration)
