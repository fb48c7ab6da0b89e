"""An async client that talks to the app in-process and runs its lifespan (as a server would)."""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Litestar
from litestar.testing import AsyncTestClient


def asgi_client(
    app: Litestar, base_url: str, headers: Mapping[str, str] | None = None
) -> AsyncTestClient[Litestar]:
    """Errors come back as responses (500), not raised, so a test sees what a client would."""
    client: AsyncTestClient[Litestar] = AsyncTestClient(
        app, base_url=base_url, raise_server_exceptions=False
    )
    client.headers.update(headers or {})
    return client
