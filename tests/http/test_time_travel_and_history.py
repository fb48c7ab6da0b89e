"""The state at a past version or moment, and the integration's own events in its history
(the timeline across its streams is tested in `test_timeline`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from tests.conftest import Api


def test_version_one_is_the_state_as_created(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    path = f"/integrations/{created['id']}/"
    for n in range(7):
        api.patch(path, json={"config_json": {"step": n}})
    at_one = api.get(f"{path}?version=1")
    assert at_one.status_code == 200
    assert at_one.json() == created
    assert at_one.headers["etag"] == '"1"'


def test_every_version_matches_the_state_recorded_after_each_command(api: Api) -> None:
    site = api.create_site()
    states = [api.create_integration(site["id"])]
    path = f"/integrations/{states[0]['id']}/"
    changes = [
        {"config_json": {"a": 1}},
        {"is_active": False},
        {"credentials_json": {"username": "admin", "app_password": "p p p"}},
        {"sync_enabled": False},
        {"config_json": {"a": None, "b": [1, 2]}},
        {"is_active": True},
        {"config_json": {"c": "x"}},
    ]
    for change in changes:
        states.append(api.patch(path, json=change).json())
    for state in states:
        assert api.get(f"{path}?version={state['version']}").json() == state


def test_version_beyond_the_last_or_below_one_is_refused(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    path = f"/integrations/{created['id']}/"
    assert api.get(f"{path}?version=2").status_code == 404
    assert api.get(f"{path}?version=0").status_code == 400


def test_as_of_gives_the_state_at_that_moment(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    path = f"/integrations/{created['id']}/"
    after_create = created["updated_at"]
    api.patch(path, json={"is_active": False})
    then = api.get(f"{path}?as_of={quote(after_create)}")
    assert then.status_code == 200
    assert then.json() == created
    before = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert api.get(f"{path}?as_of={quote(before)}").status_code == 404
    assert api.get(f"{path}?as_of=yesterday").status_code == 400


def test_history_lists_events_with_metadata_and_no_secrets(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(
        site["id"], credentials_json={"api_key": "history-canary-key-987"}
    )
    path = f"/integrations/{created['id']}/"
    api.patch(
        path,
        json={"credentials_json": {"api_key": "history-canary-key-654"}},
        headers={"X-Request-ID": "req-42"},
    )
    response = api.get(f"{path}history/?type=integration.")
    assert response.status_code == 200
    events = response.json()["results"]
    assert [(e["version"], e["type"]) for e in events] == [
        (1, "integration.created"),
        (2, "integration.credentials_changed"),
    ]
    assert events[1]["summary"] == "credentials replaced (fields: api_key)"
    assert events[1]["request_id"] == "req-42"
    assert all(e["actor"] == f"user:user-owner-{api.account_id}" for e in events)
    assert events[1]["data"]["credentials"]["ciphertext"] == "[redacted]"
    assert "history-canary-key" not in response.text


def test_history_pages_by_version(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    path = f"/integrations/{created['id']}/"
    for n in range(4):
        api.patch(path, json={"config_json": {"n": n}})
    first = api.get(f"{path}history/?type=integration.&limit=3").json()
    assert [e["version"] for e in first["results"]] == [1, 2, 3]
    rest = api.get(f"{path}history/?type=integration.&limit=3&cursor={first['next_cursor']}").json()
    assert [e["version"] for e in rest["results"]] == [4, 5]
    assert rest["next_cursor"] is None


def test_deleted_integrations_keep_history_for_admins_only(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    path = f"/integrations/{created['id']}/"
    api.delete(path)
    editor = Api(api.client, api.services, account_id=api.account_id, role="editor")
    assert editor.get(f"{path}history/").status_code == 404
    history = api.get(f"{path}history/?type=integration.")
    assert history.status_code == 200
    assert history.json()["results"][-1]["type"] == "integration.deleted"
    assert editor.get(f"{path}webhook-deliveries/").status_code == 404
    assert api.get(f"{path}webhook-deliveries/").json()["results"] == []
    assert api.get(f"{path}?version=1").json() == created
    assert editor.get(f"{path}?version=1").status_code == 404
