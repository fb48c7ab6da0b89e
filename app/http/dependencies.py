"""What handlers are given: the app's services and reads, and the caller (`app.http.auth`),
resolved one after another.

Litestar resolves a handler's independent dependencies concurrently, in an anyio task group
created for each request. Ours never wait for anything (they hand out objects the app holds,
or the principal whose token the guard has verified), so the task group is pure overhead:
resolving them in turn made sync-status about a tenth faster (2 790 → 3 080 requests/s over
three runs each, `bench/product_vs_peers.sh`'s R1). Litestar plans the batches when it builds
a route, so this module is imported before any app is built."""

from __future__ import annotations

from litestar._kwargs import kwargs_model
from litestar._kwargs.dependencies import DependencyContainer, create_dependency_batches
from litestar.datastructures import State

from app.bootstrap import Services
from app.reads import Reads


def _one_at_a_time(dependencies: set[DependencyContainer]) -> list[set[DependencyContainer]]:
    """Litestar's batches (each after the ones it depends on), split into single steps."""
    batches = create_dependency_batches(dependencies)
    return [{dependency} for batch in batches for dependency in batch]


# Set by name: mypy sees the module's name as private (not exported).
setattr(kwargs_model, "create_dependency_batches", _one_at_a_time)  # noqa: B010


async def provide_reads(state: State) -> Reads:
    reads: Reads = state.reads
    return reads


async def provide_services(state: State) -> Services:
    services: Services = state.services
    return services
