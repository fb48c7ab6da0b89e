"""A handler's dependencies are resolved one after another: none of them waits, so the task
group Litestar would create per request for independent ones is never made."""

from __future__ import annotations

from typing import Any

import pytest
from litestar._kwargs import kwargs_model

from tests.conftest import Api


def test_a_read_with_several_dependencies_makes_no_task_group(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    integration = api.create_integration(api.create_site()["id"])

    def no_task_group(*_: Any, **__: Any) -> Any:
        raise AssertionError("a task group was created to resolve dependencies")

    monkeypatch.setattr(kwargs_model, "create_task_group", no_task_group)
    for path in (f"/integrations/{integration['id']}/sync-status", "/integrations/"):
        response = api.get(path)  # reads + principal; services + reads + principal
        assert response.status_code == 200, response.text
