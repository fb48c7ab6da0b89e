"""Liveness and readiness (no authentication), and the problem type explanations."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath

from app.bootstrap import Services
from app.http.problems import TYPES

READY_WITHIN = 0.9
"""Seconds: a probe gets an answer within a second, whatever state the database is in."""


class SetAside(msgspec.Struct, kw_only=True):
    read_model: str
    position: int
    topic: str
    error: str


class Readiness(msgspec.Struct, kw_only=True):
    status: str
    database: str
    projection_position: int | None = None
    head_position: int | None = None
    projection_lag: int | None = None
    quarantined: list[SetAside] = []
    """Events a read model could not apply (`integrations projections quarantine`)."""
    building: list[str] = []
    """Read models of this version of the service with no live generation yet."""
    throttling: str = "in-process"
    """`redis` (shared), `in-process` (no Redis configured) or `degraded` (Redis is
    configured but unreachable: each worker counts alone until it is back)."""


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", operation_id="live")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", operation_id="ready")
    async def ready(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Readiness]:
        """503 when the database is unreachable, a read model lags more than
        `INTEGRATIONS_READY_MAX_LAG` events (reads would be stale), or a read model set an
        event aside that nobody retried or skipped (its reads may be wrong)."""
        throttling = await request.app.state.throttle.probe()
        try:
            with anyio.fail_after(READY_WITHIN):
                status = await anyio.to_thread.run_sync(
                    services.projection_status, abandon_on_cancel=True
                )
        except Exception as exc:
            body = Readiness(
                status="unavailable", database=type(exc).__name__, throttling=throttling
            )
            return Response(body, status_code=503, headers={"Retry-After": "1"})
        lagging = status.max_lag > services.settings.ready_max_lag
        verdict = (
            "building"
            if status.missing
            else "quarantined"
            if status.quarantined
            else "lagging"
            if lagging
            else "ready"
        )
        body = Readiness(
            status=verdict,
            database="ok",
            projection_position=status.head - status.max_lag,
            head_position=status.head,
            projection_lag=status.max_lag,
            quarantined=[
                msgspec.convert(q, SetAside, from_attributes=True) for q in status.quarantined
            ],
            building=status.missing,
            throttling=throttling,
        )
        if verdict != "ready":
            return Response(body, status_code=503, headers={"Retry-After": "5"})
        return Response(body)


@get(
    "/problems/{slug:str}",
    operation_id="explainProblem",
    tags=["health"],
    media_type="text/plain",
    responses={
        404: ResponseSpec(
            data_container=str,
            media_type="text/plain",
            generate_examples=False,
            description="No problem type has this slug.",
        )
    },
)
async def explain_problem(slug: FromPath[str]) -> Response[str]:
    kind = TYPES.get(slug)
    if kind is None:
        return Response("unknown problem type\n", status_code=404, media_type="text/plain")
    return Response(
        f"{kind.title} ({kind.status})\n\n{kind.explanation}\n", media_type="text/plain"
    )
