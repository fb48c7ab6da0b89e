"""The account's event feed, in global order, for pollers (admin and above)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from app.bootstrap import Services
from app.http.calls import run
from app.http.guards import least_role
from app.http.openapi import USER, problems
from app.http.parameters import FeedLimit, Position
from app.identity import Principal
from app.queries.event_feed import FeedPage, event_feed


class EventController(Controller):
    path = "/events"
    tags = ["events"]
    opt = least_role("admin")

    @get(
        "/",
        operation_id="listAccountEvents",
        responses=problems(*USER),
        description="Positions are global across accounts and may have gaps; poll with "
        "`after=<next_after>`.",
    )
    async def list_events(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        after: Position = 0,
        limit: FeedLimit = 100,
    ) -> FeedPage:
        return await run(
            event_feed,
            services.db,
            services.events,
            account_id=principal.account_id,
            after=after,
            limit=limit,
        )
