"""The WordPress core REST API client: connection test, structure, content pulls and pushes."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from app.platforms.base import (
    ConnectionResult,
    ContentItem,
    ContentPage,
    NotSupportedByPlatform,
    PlatformError,
    PushItem,
    PushResult,
    ShopInfo,
    Structure,
)
from app.platforms.http import OutboundClient
from app.platforms.wordpress_posts import (
    changed_after,
    content_item,
    has_valid_id,
    modified_after_param,
    post_id,
    push_body,
)
from app.platforms.wordpress_rest import expect_json, unauthorized
from app.platforms.wordpress_session import WordPressSession, without_links


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
        self._wp = WordPressSession(site_url, http, username, app_password)

    def test_connection(self) -> ConnectionResult:
        try:
            index = self._wp.discover()
            user = self._check_credentials(index) if self._wp.auth else None
        except PlatformError as exc:
            return ConnectionResult(
                success=False, code=exc.code, message=exc.message, details=exc.details
            )
        name = index.get("name") or httpx.URL(self._wp.site_url).host
        if user is None:
            how = "public content only: no application password given"
        else:
            how = f"authenticated as {user.get('name', 'the given user')}"
        return ConnectionResult(
            success=True,
            code="ok",
            message=f"Connected to {name} (WordPress REST API, {how}).",
            details=self._facts(index, user),
        )

    def fetch_structure(self) -> Structure:
        post_types = self._wp.post_types()
        taxonomies = without_links(self._wp.json("/wp/v2/taxonomies", "read the taxonomies"))
        return Structure(post_types=post_types, taxonomies=taxonomies)

    def fetch_shop(self) -> ShopInfo:
        raise NotSupportedByPlatform("WordPress sites have no shop information.")

    def fetch_content_item(self, external_id: int, post_type: str | None = None) -> ContentItem:
        """Without a post type, look among posts, pages, then the site's other content types."""
        for slug in [post_type] if post_type else self._wp.content_types():
            reply = self._wp.call("GET", f"{self._wp.route(slug)}/{external_id}")
            if reply.status == 404 and post_type is None:
                continue
            missing = f"WordPress has no {slug} with id {external_id}; it may have been deleted."
            action = f"read {slug} {external_id}"
            post = expect_json(reply, action, authenticated=bool(self._wp.auth), missing=missing)
            return content_item(post, slug)
        raise PlatformError(
            "not_found", f"WordPress has no post, page or other content with id {external_id}."
        )

    def list_changed_content(
        self, post_types: list[str], modified_after: datetime | None
    ) -> Iterator[list[ContentItem]]:
        """Pages of up to 100 items, oldest id first; pages left empty by the exact time
        filter are skipped."""
        for slug in post_types:
            page, last = 1, 1
            while page <= last:
                listed = self.content_page(slug, modified_after, page)
                if listed.items:
                    yield listed.items
                page, last = page + 1, listed.last_page

    def content_page(
        self, post_type: str, modified_after: datetime | None, page: int
    ) -> ContentPage:
        """Drafts and other statuses only with an application password."""
        posts, last = self._wp.page(
            self._wp.route(post_type),
            self._list_params(modified_after),
            f"list {post_type} items",
            page,
        )
        items = [content_item(post, post_type) for post in posts if has_valid_id(post)]
        return ContentPage(
            items=[i for i in items if changed_after(i, modified_after)], last_page=last
        )

    def find_pushed(
        self, post_type: str, content_id: str, modified_after: datetime
    ) -> ContentItem | None:
        """Looked up among the posts changed since then: WordPress cannot search post meta."""
        page, last = 1, 1
        while page <= last:
            listed = self.content_page(post_type, modified_after, page)
            found = [item for item in listed.items if item.content_id == content_id]
            if found:
                return found[0]
            page, last = page + 1, listed.last_page
        return None

    def post_statuses(self, post_type: str, ids: list[int]) -> dict[int, str]:
        """Up to 100 ids: those listed are alive, then trashed ones, the rest are gone."""
        if not self._wp.auth or not ids:
            return {}
        statuses = self._statuses(post_type, ids, "any")
        missing = [i for i in ids if i not in statuses]
        trashed = self._statuses(post_type, missing, "trash") if missing else {}
        return {
            **statuses,
            **trashed,
            **dict.fromkeys([i for i in missing if i not in trashed], "deleted"),
        }

    def _statuses(self, post_type: str, ids: list[int], status: str) -> dict[int, str]:
        params = {
            "include": ",".join(map(str, ids)),
            "status": status,
            "context": "edit",
            "orderby": "id",
            "order": "asc",
            "_fields": "id,status",
        }
        posts, _ = self._wp.page(self._wp.route(post_type), params, f"list {post_type} items", 1)
        return {
            int(post["id"]): str(post.get("status", "")) for post in posts if has_valid_id(post)
        }

    def _list_params(self, modified_after: datetime | None) -> dict[str, str | int]:
        params: dict[str, str | int] = {"orderby": "id", "order": "asc"}
        if self._wp.auth:
            params |= {"status": "any", "context": "edit"}
        if modified_after is not None:
            offset = self._wp.discover().get("gmt_offset")
            params["modified_after"] = modified_after_param(modified_after, offset)
        return params

    def push_content(self, item: PushItem) -> PushResult:
        """Create (no `external_id`) or update a post, tagging it with the content id."""
        if not self._wp.auth:
            raise unauthorized(f"publish {item.post_type} items", authenticated=False)
        route = self._wp.route(item.post_type)
        path = route if item.external_id is None else f"{route}/{item.external_id}"
        reply = self._wp.call("POST", path, json=push_body(item))
        missing = f"WordPress has no {item.post_type} with id {item.external_id} to update."
        action = f"save {item.post_type} items"
        post = expect_json(reply, action, authenticated=True, missing=missing)
        return PushResult(
            content_id=item.content_id,
            external_id=post_id(post),
            post_type=str(post.get("type") or item.post_type),
            action="created" if item.external_id is None else "updated",
            status=str(post.get("status", item.status)),
            url=str(post.get("link", "")),
        )

    def close(self) -> None:
        self._wp.http.close()

    def _check_credentials(self, index: dict[str, Any]) -> dict[str, Any]:
        """Who the application password belongs to, refusing early where it cannot work."""
        auth = index.get("authentication")
        offered = isinstance(auth, dict) and "application-passwords" in auth
        url = httpx.URL(self._wp.site_url)
        if not offered and url.scheme == "http" and not _is_local(url.host):
            raise PlatformError(
                "https_required",
                f"WordPress only accepts application passwords over HTTPS, and {url.host} "
                "is served over plain http; switch the site address to https://.",
            )
        reply = self._wp.call("GET", "/wp/v2/users/me")
        if reply.status == 404:  # some security plugins hide the user routes
            reply = self._wp.call("GET", self._wp.route("post"), {"context": "edit", "per_page": 1})
        if reply.status == 401 and not offered:
            raise PlatformError(
                "unauthorized",
                "WordPress did not accept the application password, and this site does not "
                "offer application passwords at all; a security plugin may have turned them off.",
            )
        me = expect_json(reply, "use the REST API", authenticated=True, missing="")
        return me if isinstance(me, dict) and "id" in me else {}

    def _facts(self, index: dict[str, Any], user: dict[str, Any] | None) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "site_name": index.get("name"),
            "home": index.get("home"),
            "permalinks": self._wp.api.style if self._wp.api else None,
            "namespaces": index.get("namespaces", []),
            "authenticated": user is not None,
        }
        if user:
            facts["user"] = {k: user[k] for k in ("id", "name", "slug", "roles") if k in user}
        return facts


def _is_local(host: str) -> bool:
    """WordPress's own idea of a local site, where plain http may carry passwords."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
