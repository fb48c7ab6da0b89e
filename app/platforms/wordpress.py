"""The WordPress core REST API client: connection test, structure, content pulls and pushes."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from app.platforms.base import (
    ConnectionResult,
    ContentItem,
    NotSupportedByPlatform,
    PlatformError,
    PushItem,
    PushResult,
    ShopInfo,
    Structure,
)
from app.platforms.http import OutboundClient
from app.platforms.replies import Reply
from app.platforms.wordpress_posts import (
    NOT_CONTENT,
    changed_after,
    content_item,
    modified_after_param,
    push_body,
)
from app.platforms.wordpress_rest import (
    Params,
    RestApi,
    candidates,
    check_index,
    expect_json,
    not_wordpress,
    server_failed,
    unauthorized,
)

PER_PAGE = 100


class WordPressClient:
    """One site; discovery runs once and decides between `/wp-json/` and `?rest_route=`."""

    def __init__(
        self,
        *,
        site_url: str,
        http: OutboundClient,
        username: str | None = None,
        app_password: str | None = None,
    ) -> None:
        self._site_url = site_url.rstrip("/")
        self._http = http
        self._auth = _basic_auth(username, app_password)
        self._api: RestApi | None = None
        self._index: dict[str, Any] = {}
        self._types: dict[str, Any] | None = None

    def test_connection(self) -> ConnectionResult:
        try:
            index = self._discover()
            user = self._check_credentials(index) if self._auth else None
        except PlatformError as exc:
            return ConnectionResult(
                success=False, code=exc.code, message=exc.message, details=exc.details
            )
        name = str(index.get("name") or httpx.URL(self._site_url).host)
        how = (
            f"authenticated as {user.get('name', 'the given user')}"
            if user is not None
            else ("public content only: no application password given")
        )
        return ConnectionResult(
            success=True,
            code="ok",
            message=f"Connected to {name} (WordPress REST API, {how}).",
            details=self._facts(index, user),
        )

    def fetch_structure(self) -> Structure:
        self._types = _without_links(self._json("/wp/v2/types", "read the post types"))
        taxonomies = _without_links(self._json("/wp/v2/taxonomies", "read the taxonomies"))
        return Structure(post_types=self._types, taxonomies=taxonomies)

    def fetch_shop(self) -> ShopInfo:
        raise NotSupportedByPlatform("WordPress sites have no shop information.")

    def fetch_content_item(self, external_id: int, post_type: str | None = None) -> ContentItem:
        """Without a post type, look among posts, pages, then the site's other content types."""
        for slug in [post_type] if post_type else self._content_types():
            reply = self._call("GET", f"{self._route(slug)}/{external_id}")
            if reply.status == 404 and post_type is None:
                continue
            missing = f"WordPress has no {slug} with id {external_id}; it may have been deleted."
            post = expect_json(
                reply, f"read {slug} {external_id}", authenticated=bool(self._auth), missing=missing
            )
            return content_item(post, slug)
        raise PlatformError(
            "not_found", f"WordPress has no post, page or other content with id {external_id}."
        )

    def list_changed_content(
        self, post_types: list[str], modified_after: datetime | None
    ) -> Iterator[list[ContentItem]]:
        """Pages of up to 100 items, oldest id first; empty pages are not yielded."""
        params: dict[str, str | int] = {"per_page": PER_PAGE, "orderby": "id", "order": "asc"}
        if self._auth:
            params |= {"status": "any", "context": "edit"}
        if modified_after is not None:
            offset = self._discover().get("gmt_offset")
            params["modified_after"] = modified_after_param(modified_after, offset)
        for slug in post_types:
            for posts in self._pages(self._route(slug), params, f"list {slug} items"):
                items = [content_item(post, slug) for post in posts]
                if changed := [item for item in items if changed_after(item, modified_after)]:
                    yield changed

    def push_content(self, item: PushItem) -> PushResult:
        if not self._auth:
            raise unauthorized(f"publish {item.post_type} items", authenticated=False)
        route = self._route(item.post_type)
        path = route if item.external_id is None else f"{route}/{item.external_id}"
        reply = self._call("POST", path, json=push_body(item))
        missing = f"WordPress has no {item.post_type} with id {item.external_id} to update."
        action = f"save {item.post_type} items"
        post = expect_json(reply, action, authenticated=True, missing=missing)
        return PushResult(
            content_id=item.content_id,
            external_id=int(post["id"]),
            post_type=str(post.get("type") or item.post_type),
            action="created" if item.external_id is None else "updated",
            status=str(post.get("status", item.status)),
            url=str(post.get("link", "")),
        )

    def close(self) -> None:
        self._http.close()

    def _discover(self) -> dict[str, Any]:
        """The REST index, from `/wp-json/` or else `?rest_route=/`; remembered once found."""
        if self._api is not None:
            return self._index
        reply: Reply | None = None
        for api in candidates(self._site_url):
            url, params = api.url("/")
            reply = self._http.request("GET", url, params=params)
            body = reply.json()
            if isinstance(body, dict) and (reply.status < 500 or "namespaces" in body):
                self._index, self._api = check_index(reply, body), api
                return self._index
        assert reply is not None
        raise (
            server_failed(reply, "read the REST API index")
            if reply.status >= 500
            else (not_wordpress(reply))
        )

    def _check_credentials(self, index: dict[str, Any]) -> dict[str, Any]:
        offered = isinstance(index.get("authentication"), dict) and (
            "application-passwords" in index["authentication"]
        )
        url = httpx.URL(self._site_url)
        if not offered and url.scheme == "http" and not _is_local(url.host):
            raise PlatformError(
                "https_required",
                f"WordPress only accepts application passwords over HTTPS, and {url.host} "
                "is served over plain http; switch the site address to https://.",
            )
        reply = self._call("GET", "/wp/v2/users/me")
        if reply.status == 404:  # some security plugins hide user routes
            reply = self._call("GET", self._route("post"), {"context": "edit", "per_page": 1})
        if reply.status == 401 and not offered:
            raise PlatformError(
                "unauthorized",
                "WordPress did not accept the application password, and this site does not "
                "offer application passwords at all; a security plugin may have turned them off.",
            )
        me = expect_json(reply, "check the application password", authenticated=True, missing="")
        return me if isinstance(me, dict) and "id" in me else {}

    def _facts(self, index: dict[str, Any], user: dict[str, Any] | None) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "site_name": index.get("name"),
            "home": index.get("home"),
            "permalinks": self._api.style if self._api else None,
            "namespaces": index.get("namespaces", []),
            "authenticated": user is not None,
        }
        if user:
            facts["user"] = {k: user[k] for k in ("id", "name", "slug", "roles") if k in user}
        return facts

    def _post_types(self) -> dict[str, Any]:
        if self._types is None:
            self._types = _without_links(self._json("/wp/v2/types", "read the post types"))
        return self._types

    def _content_types(self) -> list[str]:
        others = [slug for slug in self._post_types() if slug not in {"post", "page", *NOT_CONTENT}]
        return [slug for slug in ("post", "page") if slug in self._post_types()] + others

    def _route(self, post_type: str) -> str:
        """`/{rest_namespace}/{rest_base}`, as the site registered the type: never assumed."""
        info = self._post_types().get(post_type)
        if not isinstance(info, dict):
            raise PlatformError(
                "not_found",
                f"WordPress has no post type '{post_type}' in its REST API; it may be "
                "unregistered or hidden from the REST API.",
            )
        return f"/{info.get('rest_namespace') or 'wp/v2'}/{info.get('rest_base') or post_type}"

    def _pages(self, route: str, params: Params, action: str) -> Iterator[list[dict[str, Any]]]:
        page, last = 1, 1
        while page <= last:
            reply = self._call("GET", route, {**params, "page": page})
            posts = expect_json(reply, action, authenticated=bool(self._auth), missing="")
            if not isinstance(posts, list):
                raise PlatformError("bad_response", f"WordPress did not answer a list to {action}.")
            yield posts
            declared = reply.headers.get("x-wp-totalpages", "")
            last = int(declared) if declared.isdigit() else page + (len(posts) == PER_PAGE)
            page += 1

    def _json(self, route: str, action: str) -> Any:
        missing = f"WordPress does not serve {route}; the REST API may be restricted."
        return expect_json(
            self._call("GET", route), action, authenticated=bool(self._auth), missing=missing
        )

    def _call(
        self, method: str, route: str, params: Params | None = None, json: Any = None
    ) -> Reply:
        self._discover()
        assert self._api is not None
        url, query = self._api.url(route, params)
        headers = {"Authorization": self._auth} if self._auth else {}
        return self._http.request(method, url, params=query, json=json, headers=headers)


def _basic_auth(username: str | None, app_password: str | None) -> str | None:
    if not username or not app_password:
        return None
    token = base64.b64encode(f"{username}:{app_password}".encode()).decode("ascii")
    return f"Basic {token}"


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _without_links(described: Any) -> dict[str, Any]:
    """Keyed by slug as WordPress sends them, minus `_links`: events stay small."""
    if not isinstance(described, dict):
        raise PlatformError("bad_response", "WordPress described its types in an unknown shape.")
    return {
        slug: {k: v for k, v in info.items() if k != "_links"} if isinstance(info, dict) else info
        for slug, info in described.items()
    }
