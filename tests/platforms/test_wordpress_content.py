"""WordPress structure, content pulls and pushes, on the recorded 6.1 answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.platforms.base import PlatformError, PushItem
from app.platforms.http import OutboundClient, OutboundHTTP
from app.platforms.wordpress import WordPressClient
from tests.platforms.conftest import fixture_bytes
from tests.wordpress_site import APP_PASSWORD, WordPressSite

Build = Callable[..., WordPressClient]


@pytest.fixture
def wordpress(outbound: Callable[..., OutboundHTTP], mock_site: WordPressSite) -> Build:
    """`wordpress(authenticated=True, transport=None)`: a client for the mock site."""

    def build(authenticated: bool = True, transport: Any = None) -> WordPressClient:
        http = OutboundClient(outbound(transport or mock_site.mock_transport()))
        creds = {"username": "admin", "app_password": APP_PASSWORD} if authenticated else {}
        return WordPressClient(site_url="https://blog.example/", http=http, **creds)

    return build


def test_structure_is_keyed_by_slug_without_links(wordpress: Build) -> None:
    structure = wordpress().fetch_structure()
    assert structure.post_types["book"]["rest_base"] == "books"
    assert structure.taxonomies["genre"]["types"] == ["book", "post"]
    assert not any(
        "_links" in t for t in [*structure.post_types.values(), *structure.taxonomies.values()]
    )


def test_items_are_fetched_through_the_types_rest_base(
    wordpress: Build, mock_site: WordPressSite
) -> None:
    item = wordpress().fetch_content_item(13, "book")
    assert (item.title, item.post_type, item.status) == (
        "A Brief History of Time",
        "book",
        "publish",
    )
    assert item.modified_at == "2024-04-02T09:00:00Z"
    assert mock_site.routes()[-1] == "/wp/v2/books/13"


def test_rest_base_and_namespace_are_never_assumed(wordpress: Build) -> None:
    types = json.loads(fixture_bytes("types.json"))
    types["book"] |= {"rest_base": "library", "rest_namespace": "shelf/v1"}
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/wp-json/":
            return httpx.Response(200, content=fixture_bytes("discovery.json"))
        if request.url.path.endswith("/types"):
            return httpx.Response(200, json=types)
        return httpx.Response(200, content=json.dumps(json.loads(fixture_bytes("books.json"))[0]))

    wordpress(transport=answer).fetch_content_item(13, "book")
    assert seen[-1] == "/wp-json/shelf/v1/library/13"


def test_an_item_without_a_type_is_looked_for_among_posts_then_pages(
    wordpress: Build, mock_site: WordPressSite
) -> None:
    item = wordpress().fetch_content_item(9)
    assert (item.post_type, item.title) == ("page", "About")
    assert mock_site.routes()[-2:] == ["/wp/v2/posts/9", "/wp/v2/pages/9"]


def test_a_missing_item_is_not_found(wordpress: Build) -> None:
    with pytest.raises(PlatformError) as missing:
        wordpress().fetch_content_item(999, "post")
    assert missing.value.code == "not_found"
    assert "no post with id 999" in missing.value.message
    with pytest.raises(PlatformError, match="no post type 'movie'"):
        wordpress().fetch_content_item(1, "movie")


def test_listing_follows_total_pages(wordpress: Build, mock_site: WordPressSite) -> None:
    for n in range(150):
        mock_site.add_post(title=f"Bulk {n}")
    pages = list(wordpress().list_changed_content(["post"], None))
    assert [len(page) for page in pages] == [100, 55]  # 5 seeded (one a draft) + 150
    asked = [r.query for r in mock_site.requests if r.route == "/wp/v2/posts"]
    assert [(q["page"], q["per_page"]) for q in asked] == [("1", "100"), ("2", "100")]


def test_authenticated_listing_includes_drafts_with_their_p_links(
    wordpress: Build, mock_site: WordPressSite
) -> None:
    items = [i for page in wordpress().list_changed_content(["post"], None) for i in page]
    draft = next(i for i in items if i.status == "draft")
    assert draft.url == "https://blog.example/?p=7"
    query = mock_site.requests[-1].query
    assert (query["status"], query["context"]) == ("any", "edit")


def test_anonymous_listing_asks_for_published_items_only(
    wordpress: Build, mock_site: WordPressSite
) -> None:
    items = [
        i
        for page in wordpress(authenticated=False).list_changed_content(["post"], None)
        for i in page
    ]
    assert {i.status for i in items} == {"publish"}
    assert "status" not in mock_site.requests[-1].query


def test_modified_after_is_sent_and_applied(wordpress: Build, mock_site: WordPressSite) -> None:
    since = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
    items = [
        i.external_id for page in wordpress().list_changed_content(["post"], since) for i in page
    ]
    assert items == [1, 5, 6, 7]
    assert mock_site.requests[-1].query["modified_after"] == "2024-02-01T10:00:00"


def test_wordpress_quirks_are_read_sensibly(wordpress: Build, mock_site: WordPressSite) -> None:
    post = mock_site.add_post(
        title="Fish &amp; Chips &#8211; &#8220;Best&#8221;",
        status="draft",
        meta={"igny8_content_id": "cnt-42"},
    )
    mock_site.post(post["id"])["modified_gmt"] = "0000-00-00 00:00:00"
    item = wordpress().fetch_content_item(post["id"], "post")
    assert item.title == "Fish & Chips \u2013 \u201cBest\u201d"
    assert (item.modified_at, item.content_id) == (None, "cnt-42")
    since = datetime(2024, 2, 1, tzinfo=UTC)
    changed = [i.external_id for p in wordpress().list_changed_content(["post"], since) for i in p]
    assert post["id"] in changed  # unknown modification time: kept rather than missed


def test_push_creates_a_post_with_the_content_id_in_meta(
    wordpress: Build, mock_site: WordPressSite
) -> None:
    item = PushItem(
        content_id="cnt-1", title="New", content="<p>Body</p>", status="publish", post_type="post"
    )
    result = wordpress().push_content(item)
    assert (result.action, result.status, result.content_id) == ("created", "publish", "cnt-1")
    stored = mock_site.post(result.external_id)
    assert stored["meta"] == {"igny8_content_id": "cnt-1"}
    assert result.url == f"https://blog.example/{stored['slug']}/"
    last = mock_site.requests[-1]
    assert (last.method, last.route, last.authenticated) == ("POST", "/wp/v2/posts", True)


def test_push_updates_an_existing_item_through_its_types_route(
    wordpress: Build, mock_site: WordPressSite
) -> None:
    before = mock_site.post(12)["modified_gmt"]
    item = PushItem(
        content_id="cnt-2",
        title="Renamed",
        content="",
        status="draft",
        post_type="book",
        external_id=12,
    )
    result = wordpress().push_content(item)
    assert (result.action, result.external_id, result.status) == ("updated", 12, "draft")
    assert mock_site.post(12)["title"]["rendered"] == "Renamed"
    assert mock_site.post(12)["modified_gmt"] > before
    assert mock_site.requests[-1].route == "/wp/v2/books/12"


def test_push_needs_an_application_password(wordpress: Build) -> None:
    item = PushItem(content_id="c", title="t", content="", status="draft", post_type="post")
    with pytest.raises(PlatformError) as refused:
        wordpress(authenticated=False).push_content(item)
    assert refused.value.code == "unauthorized"
    assert "needs a username and an application password" in refused.value.message


def test_push_to_a_deleted_item_is_not_found(wordpress: Build) -> None:
    item = PushItem(
        content_id="c", title="t", content="", status="draft", post_type="post", external_id=4040
    )
    with pytest.raises(PlatformError) as missing:
        wordpress().push_content(item)
    assert (missing.value.code, missing.value.message) == (
        "not_found",
        "WordPress has no post with id 4040 to update.",
    )
