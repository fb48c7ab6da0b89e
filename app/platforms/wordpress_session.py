"""One conversation with a site's REST API: discovered once, then routed by post type."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from app.platforms.base import PlatformError
from app.platforms.http import OutboundClient
from app.platforms.replies import Reply
from app.platforms.wordpress_posts import NOT_CONTENT
from app.platforms.wordpress_rest import (
    Params,
    RestApi,
    candidates,
    check_index,
    expect_json,
    not_wordpress,
    server_failed,
)

PER_PAGE = 100


class WordPressSession:
    def __init__(
        self, site_url: str, http: OutboundClient, username: str | None, app_password: str | None
    ) -> None:
        self.site_url = site_url.rstrip("/")
        self.http = http
        self.auth = _basic_auth(username, app_password)
        self.api: RestApi | None = None
        self._index: dict[str, Any] = {}
        self._types: dict[str, Any] | None = None

    def discover(self) -> dict[str, Any]:
        """The REST index, from `/wp-json/` or else `?rest_route=/`; remembered once found.

        Sent without credentials: a wrong password must not pass for a disabled API."""
        if self.api is not None:
            return self._index
        reply: Reply | None = None
        for api in candidates(self.site_url):
            url, params = api.url("/")
            reply = self.http.request("GET", url, params=params)
            body = reply.json()
            if isinstance(body, dict) and (reply.status < 500 or "namespaces" in body):
                self._index, self.api = check_index(reply, body), api
                return self._index
        assert reply is not None
        if reply.status >= 500:
            raise server_failed(reply, "read the REST API index")
        raise not_wordpress(reply)

    def call(
        self, method: str, route: str, params: Params | None = None, json: Any = None
    ) -> Reply:
        self.discover()
        assert self.api is not None
        url, query = self.api.url(route, params)
        headers = {"Authorization": self.auth} if self.auth else {}
        return self.http.request(method, url, params=query, json=json, headers=headers)

    def json(self, route: str, action: str, missing: str = "", params: Params | None = None) -> Any:
        reply = self.call("GET", route, params)
        return expect_json(reply, action, authenticated=bool(self.auth), missing=missing)

    def pages(self, route: str, params: Params, action: str) -> Iterator[list[dict[str, Any]]]:
        """Each page of a list, up to `X-WP-TotalPages` (or a short page, when not sent)."""
        page, last = 1, 1
        while page <= last:
            posts, last = self.page(route, params, action, page)
            yield posts
            page += 1

    def page(
        self, route: str, params: Params, action: str, number: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of a list (up to 100 items) and the number of the last page."""
        reply = self.call("GET", route, {**params, "per_page": PER_PAGE, "page": number})
        if reply.status == 400 and number > 1 and _past_the_end(reply):
            return [], number - 1  # the list shrank since the page count was read
        posts = expect_json(reply, action, authenticated=bool(self.auth), missing="")
        if not isinstance(posts, list):
            raise PlatformError("bad_response", f"WordPress did not answer a list to {action}.")
        declared = reply.headers.get("x-wp-totalpages", "")
        return posts, int(declared) if declared.isdigit() else number + (len(posts) == PER_PAGE)

    def post_types(self) -> dict[str, Any]:
        """`/wp/v2/types`, read once per client."""
        if self._types is None:
            self._types = without_links(self.json("/wp/v2/types", "read the post types"))
        return self._types

    def content_types(self) -> list[str]:
        """Posts, pages, then the site's own types: where an id without a type may be."""
        known = self.post_types()
        others = [slug for slug in known if slug not in {"post", "page", *NOT_CONTENT}]
        return [slug for slug in ("post", "page") if slug in known] + others

    def route(self, post_type: str) -> str:
        """`/{rest_namespace}/{rest_base}`, as the site registered the type: never assumed."""
        info = self.post_types().get(post_type)
        if not isinstance(info, dict):
            raise PlatformError(
                "not_found",
                f"WordPress has no post type '{post_type}' in its REST API; it may be "
                "unregistered or hidden from the REST API.",
            )
        return f"/{info.get('rest_namespace') or 'wp/v2'}/{info.get('rest_base') or post_type}"


def without_links(described: Any) -> dict[str, Any]:
    """Keyed by slug as WordPress sends them, minus `_links`: events stay small."""
    if not isinstance(described, dict):
        raise PlatformError("bad_response", "WordPress described its types in an unknown shape.")
    return {
        slug: {k: v for k, v in info.items() if k != "_links"} if isinstance(info, dict) else info
        for slug, info in described.items()
    }


def _past_the_end(reply: Reply) -> bool:
    body = reply.json()
    return isinstance(body, dict) and body.get("code") == "rest_post_invalid_page_number"


def _basic_auth(username: str | None, app_password: str | None) -> str | None:
    if not username or not app_password:
        return None
    token = base64.b64encode(f"{username}:{app_password}".encode()).decode("ascii")
    return f"Basic {token}"
