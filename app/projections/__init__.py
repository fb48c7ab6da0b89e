"""The read models: one module per question the read side answers, each with its tables and
its event handlers. The engine that applies events to them is `app.projection_engine`."""

from __future__ import annotations

from app.projection_engine.read_model import ReadModel
from app.projections.content_index import ContentIndex
from app.projections.event_feed import EventFeed
from app.projections.health_issues import IntegrationHealthIssues
from app.projections.integration_health import IntegrationHealth
from app.projections.integration_summaries import IntegrationSummaries
from app.projections.integration_timeline import IntegrationTimeline
from app.projections.sites import Sites
from app.projections.sync_event_log import SyncEventLog
from app.projections.sync_queue import SyncQueue
from app.projections.sync_runs import SyncRuns
from app.projections.sync_schedules import SyncSchedules


def read_models() -> list[ReadModel]:
    """Every read model the service keeps, in the order the runner applies them."""
    return [
        IntegrationSummaries(),
        Sites(),
        SyncEventLog(),
        EventFeed(),
        SyncRuns(),
        IntegrationHealth(),
        ContentIndex(),
        SyncQueue(),
        SyncSchedules(),
        IntegrationHealthIssues(),
        IntegrationTimeline(),
    ]
