"""Failures the client cannot fix: a 503 it may retry, a 500 it can quote; never a trace."""

from __future__ import annotations

import logging

import pytest
from eventsourcing.persistence import OperationalError

from tests.conftest import Api


def test_an_unreachable_database_is_a_503_with_retry_after(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def locked(*args: object, **kwargs: object) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr("app.http.integrations.integration_list", locked)
    response = api.get("/integrations/")
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/service-unavailable"
    assert response.headers["retry-after"] == "2"


def test_an_unexpected_error_is_a_500_with_an_id_that_is_logged(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("app.http.integrations.integration_list", broken)
    with caplog.at_level(logging.ERROR):
        response = api.get("/integrations/")
    body = response.json()
    assert response.status_code == 500
    assert body["type"] == "/problems/internal-error" and len(body["error_id"]) == 32
    assert "secret internals" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if body["error_id"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None
