"""`?wait` on a sync never answers 404 for a run it accepted, even when the projections that
would show the run are not running."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"embedded_workers": False, "read_your_writes_timeout": 0.1}


def test_waiting_for_a_run_the_read_side_has_not_seen_answers_202(api: Api) -> None:
    site = api.post("/sites/", json={"name": "Blog", "url": "https://blog.example.com"}).json()
    integration = api.post(
        "/integrations/",
        json={
            "site_id": site["id"],
            "platform": "wordpress",
            "credentials_json": {"api_key": "wp-key-0123456789"},
        },
    ).json()
    response = api.post(
        f"/integrations/{integration['id']}/sync/?wait=5", json={"direction": "metadata"}
    )
    assert response.status_code == 202, response.text
    sync_id = response.json()["sync_id"]
    assert response.headers["location"].endswith(f"/syncs/{sync_id}/")
    assert api.services.read_side.position() == 0
