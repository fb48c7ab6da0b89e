"""Every API route runs one guard (input, caller, throttling in one pass), and an app with a
route behind that guard that names no callers does not start."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Controller, Litestar, Router, get
from litestar.handlers import base
from litestar.testing import TestClient

from app.http.app import API
from app.http.guards import check_edges, edge
from tests.conftest import Api


def test_every_api_route_runs_exactly_one_guard(client: TestClient[Any]) -> None:
    api_handlers = [
        handler
        for route in client.app.routes
        if route.path.startswith(API)
        for handler in getattr(route, "route_handlers", [])
        if handler.http_methods != {"OPTIONS"}
    ]
    assert len(api_handlers) > 25  # all of them, not an empty walk
    many = {str(h): len(h.resolve_guards()) for h in api_handlers if len(h.resolve_guards()) != 1}
    assert not many


def test_a_read_copies_its_route_handler_once(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Litestar copies the handler for each guard it runs: one guard, one copy."""
    integration = api.create_integration(api.create_site()["id"])
    copies: list[object] = []
    real_copy = base.copy

    def counting_copy(value: Any) -> Any:
        copies.append(value)
        return real_copy(value)

    monkeypatch.setattr(base, "copy", counting_copy)
    response = api.get(f"/integrations/{integration['id']}/sync-status")
    assert response.status_code == 200, response.text
    assert len(copies) == 1


def test_a_route_behind_the_edge_must_name_its_callers() -> None:
    class Forgotten(Controller):
        path = "/forgotten"

        @get("/")
        async def read(self) -> dict[str, str]:
            return {}

    app = Litestar(route_handlers=[Router(path=API, guards=[edge], route_handlers=[Forgotten])])
    with pytest.raises(RuntimeError, match="names no callers"):
        check_edges(app)
