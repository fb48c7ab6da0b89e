"""`GET /metrics`: Prometheus text. HTTP requests are counted by Litestar's Prometheus
middleware; the service's own counters live in `app.metrics`; projection lag is read from the
tracking positions and the store's head at scrape time, so it is right wherever the
projections run. With several workers every worker answers for all of them (multiprocess)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.plugins.prometheus import PrometheusConfig
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.bootstrap import Services
from app.http.calls import run
from app.metrics import MULTIPROC_ENV
from app.queries.projection_status import ProjectionStatus

HTTP_METRICS = PrometheusConfig(
    app_name="integrations", prefix="integrations_http", group_path=True
)
"""Requests by method, route template and status, with latency histograms."""


class ProjectionLag(Collector):
    """Gauges for one scrape, from positions read just before it."""

    def __init__(self, status: ProjectionStatus) -> None:
        self.status = status

    def collect(self) -> Iterable[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            "integrations_projection_lag_events",
            "Events a read model has still to apply.",
            labels=["projection"],
        )
        position = GaugeMetricFamily(
            "integrations_projection_position",
            "Last event a read model applied.",
            labels=["projection"],
        )
        for read_model in self.status.projections:
            lag.add_metric([read_model.name], read_model.lag)
            position.add_metric([read_model.name], read_model.position)
        head = GaugeMetricFamily(
            "integrations_event_store_head_position",
            "Position of the newest stored event.",
            value=self.status.head,
        )
        return [lag, position, head, self._quarantined()]

    def _quarantined(self) -> GaugeMetricFamily:
        gauge = GaugeMetricFamily(
            "integrations_projection_quarantined_events",
            "Events a read model set aside (open).",
            labels=["projection"],
        )
        for read_model in self.status.projections:
            gauge.add_metric(
                [read_model.name],
                sum(q.read_model == read_model.name for q in self.status.quarantined),
            )
        return gauge


def exposition(status: ProjectionStatus) -> bytes:
    """Every worker's counters (multiprocess mode) or this process's, then the lag."""
    counters = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)  # type: ignore[no-untyped-call]
    lag = CollectorRegistry()
    lag.register(ProjectionLag(status))
    return generate_latest(counters) + generate_latest(lag)


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get("/", operation_id="metrics")
    async def metrics(self, services: NamedDependency[Services]) -> Response[bytes]:
        status = await run(services.projection_status)
        return Response(exposition(status), headers={"Content-Type": CONTENT_TYPE_LATEST})
