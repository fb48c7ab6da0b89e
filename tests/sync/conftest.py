"""A WordPress imitation on loopback and an integration connected to it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LOOPBACK_PLATFORMS, Api
from tests.wordpress_site import APP_PASSWORD, WordPressSite


ONE_ATTEMPT = {**LOOPBACK_PLATFORMS, "sync_attempts": 1}
"""A failing site fails the run at once (retries have their own tests)."""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return ONE_ATTEMPT


class Connected:
    """An integration connected to the imitation site, and shortcuts to sync it."""

    def __init__(self, api: Api, site: WordPressSite, **credentials: Any) -> None:
        self.api, self.site = api, site
        owner_site = api.create_site(url=site.base_url)
        self.integration = api.create_integration(owner_site["id"], credentials_json={
            "api_key": "plugin-key-0001", "username": "admin", "app_password": APP_PASSWORD,
            **credentials})
        self.path = f"/integrations/{self.integration['id']}/"

    def sync(self, direction: str, wait: float = 15, **body: Any) -> dict[str, Any]:
        response = self.api.post(f"{self.path}sync/?wait={wait}",
                                 json={"direction": direction, **body})
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()
        return run

    def get(self, suffix: str) -> Any:
        response = self.api.get(self.path + suffix)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def connected(api: Api, site: WordPressSite) -> Connected:
    return Connected(api, site)
