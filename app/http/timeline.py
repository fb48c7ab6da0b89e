"""What happened to an integration: its timeline across streams (`history/`) and its inbound
webhook log (`webhook-deliveries/`). Admins also see deleted integrations'."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from app.aggregates.bounds import SINGLE_LINE
from app.http.guards import least_role
from app.http.openapi import USER, problems
from app.http.parameters import Cursor, Limit, Moment, PathId
from app.identity import Principal
from app.queries.integration_timeline import (
    PREFIXES,
    TimelineFilters,
    TimelinePage,
    integration_timeline,
)
from app.queries.webhook_deliveries import WebhookAttemptPage, webhook_deliveries
from app.reads import Reads

TypeFilter = Annotated[
    str | None,
    QueryParameter(
        max_length=200,
        pattern=SINGLE_LINE,
        description="An exact event type (`sync.completed`), or where events come from: "
        f"{', '.join(f'`{p}`' for p in PREFIXES)} (webhook deliveries are `webhook.`, "
        "though their type is `integration.webhook_received`); any other value ending in a "
        "dot is a prefix of the type.",
    ),
]


class TimelineController(Controller):
    path = "/integrations"
    tags = ["integrations"]
    opt = least_role("editor")

    @get(
        "/{integration_id:str}/history",
        operation_id="getIntegrationHistory",
        responses=problems(*USER, 404),
        description="Every event of the integration, its sync runs, its webhook deliveries, "
        "its slot and its health issues, oldest first (global position), secrets redacted.",
    )
    async def history(
        self,
        integration_id: PathId,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        type: TypeFilter = None,
        since: Moment = None,
        until: Moment = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> TimelinePage:
        return await integration_timeline(
            reads,
            account_id=principal.account_id,
            integration_id=integration_id,
            include_deleted=principal.at_least("admin"),
            filters=TimelineFilters(type=type, since=since, until=until),
            limit=limit,
            cursor=cursor,
        )

    @get(
        "/{integration_id:str}/webhook-deliveries",
        operation_id="listWebhookDeliveries",
        responses=problems(*USER, 404),
        description="The inbound webhook log: each delivery attempt with its verdict, newest "
        "first (the most recent `INTEGRATIONS_WEBHOOK_LOG_SIZE`). Refusals are kept here, "
        "never as events.",
    )
    async def webhook_deliveries(
        self,
        integration_id: PathId,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> WebhookAttemptPage:
        return await webhook_deliveries(
            reads,
            account_id=principal.account_id,
            integration_id=integration_id,
            include_deleted=principal.at_least("admin"),
            limit=limit,
            cursor=cursor,
        )
