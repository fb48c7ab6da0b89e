"""The imitation WordPress site, driven by the real client over loopback TCP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.platforms.base import PushItem
from app.platforms.http import OutboundClient, OutboundHTTP
from app.platforms.wordpress import WordPressClient
from tests.wordpress_site import APP_PASSWORD, WordPressSite

LOCAL = OutboundHTTP(allow_private_network=True, attempts=1, total_timeout=5.0)


@pytest.fixture
def client(wordpress_site: WordPressSite) -> Iterator[WordPressClient]:
    http = OutboundClient(LOCAL)
    yield WordPressClient(
        site_url=wordpress_site.base_url, http=http, username="admin", app_password=APP_PASSWORD
    )
    http.close()


def test_connection_succeeds_with_the_application_password(
    client: WordPressClient, wordpress_site: WordPressSite
) -> None:
    result = client.test_connection()
    assert result.success, result.message
    assert result.details["home"] == wordpress_site.base_url
    assert wordpress_site.requests[-1].authenticated


def test_plain_permalinks_work_over_the_socket(
    wordpress_site: WordPressSite, client: WordPressClient
) -> None:
    wordpress_site.mode = "plain"
    assert client.test_connection().details["permalinks"] == "plain"
    assert [r.path for r in wordpress_site.requests] == ["/wp-json/", "/", "/"]


def test_structure_has_the_custom_type_and_taxonomy(client: WordPressClient) -> None:
    structure = client.fetch_structure()
    assert "book" in structure.post_types and "genre" in structure.taxonomies


def test_incremental_listing_after_touch_returns_only_the_touched_post(
    client: WordPressClient, wordpress_site: WordPressSite
) -> None:
    since = datetime.now(UTC)
    wordpress_site.touch(5)
    pages = list(client.list_changed_content(["post", "page", "book"], since))
    assert [[item.external_id for item in page] for page in pages] == [[5]]


def test_a_pushed_post_shows_up_in_the_next_listing(client: WordPressClient) -> None:
    since = datetime.now(UTC)
    pushed = client.push_content(
        PushItem(
            content_id="cnt-9",
            title="Launch &amp; news",
            content="<p>Hi</p>",
            status="publish",
            post_type="post",
        )
    )
    listed = [i for page in client.list_changed_content(["post"], since) for i in page]
    assert [(i.external_id, i.title, i.content_id) for i in listed] == [
        (pushed.external_id, "Launch & news", "cnt-9")
    ]


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("not_wordpress", "not_wordpress"),
        ("rest_disabled", "rest_disabled"),
        ("down", "unreachable"),
    ],
)
def test_broken_sites_are_reported(
    client: WordPressClient, wordpress_site: WordPressSite, mode: str, code: str
) -> None:
    wordpress_site.mode = mode
    assert client.test_connection().code == code


def test_a_stopped_site_refuses_connections(
    client: WordPressClient, wordpress_site: WordPressSite
) -> None:
    wordpress_site.stop()
    assert client.test_connection().code == "unreachable"


def test_a_slow_site_times_out() -> None:
    with (
        WordPressSite(delay=0.5) as slow,
        OutboundClient(OutboundHTTP(allow_private_network=True, total_timeout=0.2)) as http,
    ):
        result = WordPressClient(site_url=slow.base_url, http=http).test_connection()
    assert result.code == "timeout"
