"""Asking a platform, before anything is recorded: a connection test, the onboarding test of
a WordPress site, one content item. These make the HTTP calls (reading what they need from
the store) and return what they saw; a short command then records it (`app/commands`), so no
platform call ever sits inside the store's retry loop."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from app.aggregates.errors import NotFound, NotSupported
from app.commands.store import Store
from app.platforms import ConnectionResult, ContentItem, PlatformClient, PlatformError
from app.queries.content import external_id_for


@dataclass(frozen=True)
class Observed:
    """A connection test's verdict and how long it took."""

    result: ConnectionResult
    duration_ms: int


@dataclass(frozen=True)
class ItemObserved:
    external_id: int
    item: ContentItem | None
    error: str | None
    duration_ms: int


def test_connection(store: Store, account_id: str, integration_id: str) -> Observed:
    integration = store.get_integration(integration_id, account_id)
    if integration.platform == "custom":
        raise NotSupported("connection tests are not supported for custom integrations")
    return run_test(store.client_for(integration))


def test_site(store: Store, site_url: str) -> Observed:
    """The onboarding test: the site as given, without credentials (the plugin sends none)."""
    return run_test(store.platforms("wordpress", {"site_url": site_url}, {}))


def run_test(client: PlatformClient) -> Observed:
    started = time.perf_counter()
    with closing(client):
        result = client.test_connection()
    return Observed(result, _ms(started))


def pull_item(
    store: Store,
    account_id: str,
    integration_id: str,
    content_id: str,
    external_id: int | None,
    post_type: str | None,
) -> ItemObserved:
    """One item from WordPress; without `external_id`, the post the index maps it to."""
    integration = store.get_integration(integration_id, account_id)
    if integration.platform != "wordpress":
        raise NotSupported(f"content pulls are not supported for {integration.platform}")
    post_id = external_id or _known(store, integration_id, content_id)
    started = time.perf_counter()
    item: Any = None
    error = None
    try:
        with closing(store.client_for(integration)) as client:
            item = client.fetch_content_item(post_id, post_type)
    except PlatformError as exc:
        error = exc.message
    return ItemObserved(post_id, item, error, _ms(started))


def _known(store: Store, integration_id: str, content_id: str) -> int:
    found = external_id_for(store.db, integration_id, content_id)
    if found is None:
        raise NotFound(
            f"no WordPress post is known for content_id {content_id!r} yet; "
            "pass external_id (the WordPress post id)"
        )
    return found


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
