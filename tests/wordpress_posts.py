"""The imitation WordPress site's posts: seeded from the recorded 6.1 responses, then live.

Answers follow WordPress's own rules closely enough for a client to be fooled: only
published items without authentication, `context=edit` and other statuses need it, lists
page with `X-WP-Total`/`X-WP-TotalPages`, and every save bumps `modified_gmt`."""

from __future__ import annotations

import copy
import json
import math
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "wordpress-6.1"
RECORDED_BASE = "http://127.0.0.1:8081"
SEED_FILES = ("posts.json", "pages.json", "books.json", "posts-drafts-auth.json")

Answer = tuple[int, Any, dict[str, str]]
"""(status, JSON body, extra headers)."""


def fixture_text(name: str, base_url: str) -> str:
    """A recorded body, with the recording site's address replaced by this site's."""
    return (FIXTURES / name).read_text(encoding="utf-8").replace(RECORDED_BASE, base_url)


def wp_error(status: int, code: str, message: str) -> Answer:
    return status, {"code": code, "message": message, "data": {"status": status}}, {}


class PostStore:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.types: dict[str, Any] = json.loads(fixture_text("types.json", base_url))
        self.posts: dict[int, dict[str, Any]] = {}
        for name in SEED_FILES:
            for post in json.loads(fixture_text(name, base_url)):
                self.posts[post["id"]] = post
        self._lock = threading.Lock()
        self._last = max(_parse(p["modified_gmt"]) for p in self.posts.values())

    def type_for(self, rest_base: str) -> str | None:
        return next((s for s, t in self.types.items() if t["rest_base"] == rest_base), None)

    def touch(self, post_id: int) -> str:
        """Bump a post's modification time, as an edit in wp-admin would; returns it."""
        with self._lock:
            return self._bump(self.posts[post_id])

    def add(
        self,
        *,
        title: str,
        post_type: str = "post",
        status: str = "publish",
        content: str = "",
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            post_id = max(self.posts) + 1
            post = {
                "id": post_id,
                "type": post_type,
                "slug": f"{post_type}-{post_id}",
                "title": {"rendered": title},
                "content": {"rendered": content},
                "status": status,
                "meta": dict(meta or {}),
                "guid": {"rendered": ""},
            }
            self._bump(post, created=True)
            self._relink(post)
            self.posts[post_id] = post
            return copy.deepcopy(post)

    def trash(self, post_id: int) -> None:
        """Move a post to the trash, as wp-admin does (no webhook is sent)."""
        with self._lock:
            post = self.posts[post_id]
            post["status"] = "trash"
            self._relink(post)
            self._bump(post)

    def delete(self, post_id: int) -> None:
        """Delete a post for good."""
        with self._lock:
            del self.posts[post_id]

    def listing(self, post_type: str, query: dict[str, str], authed: bool) -> Answer:
        statuses = query.get("status", "publish").split(",")
        if (statuses != ["publish"] or query.get("context") == "edit") and not authed:
            if query.get("context") == "edit":
                return wp_error(
                    401,
                    "rest_forbidden_context",
                    "Sorry, you are not allowed to edit posts in this post type.",
                )
            return 400, json.loads(fixture_text("posts-drafts-noauth.json", self.base_url)), {}
        per_page, page = int(query.get("per_page", 10)), int(query.get("page", 1))
        if not 1 <= per_page <= 100:
            return wp_error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        found = self._select(post_type, statuses, query)
        pages = math.ceil(len(found) / per_page)
        if page > max(pages, 1):
            return wp_error(
                400,
                "rest_post_invalid_page_number",
                "The page number requested is larger than the number of pages available.",
            )
        headers = {"X-WP-Total": str(len(found)), "X-WP-TotalPages": str(pages)}
        return 200, found[(page - 1) * per_page : page * per_page], headers

    def single(self, post_type: str, post_id: int, authed: bool) -> Answer:
        post = self.posts.get(post_id)
        if post is None or post["type"] != post_type:
            return wp_error(404, "rest_post_invalid_id", "Invalid post ID.")
        if post["status"] != "publish" and not authed:
            return wp_error(401, "rest_forbidden", "Sorry, you are not allowed to do that.")
        return 200, copy.deepcopy(post), {}

    def save(self, post_type: str, post_id: int | None, fields: dict[str, Any]) -> Answer:
        if post_id is not None and post_id not in self.posts:
            return wp_error(404, "rest_post_invalid_id", "Invalid post ID.")
        if post_id is None:
            post = self.add(
                title=str(fields.get("title", "")),
                post_type=post_type,
                status=str(fields.get("status", "draft")),
                content=str(fields.get("content", "")),
                meta=fields.get("meta"),
            )
            return 201, post, {"Location": self._self_link(post)}
        with self._lock:
            post = self.posts[post_id]
            for key in ("title", "content"):
                if key in fields:
                    post[key] = {**post.get(key, {}), "rendered": str(fields[key])}
            if fields.get("status", post["status"]) != post["status"]:
                post["status"] = str(fields["status"])
                self._relink(post)
            post["meta"] = {**(post["meta"] or {}), **fields.get("meta", {})}
            self._bump(post)
            return 200, copy.deepcopy(post), {}

    def _select(self, post_type: str, statuses: list[str], query: dict[str, str]) -> list[Any]:
        after = _parse(query["modified_after"]) if "modified_after" in query else None
        include = {int(i) for i in query["include"].split(",")} if query.get("include") else None
        with self._lock:
            posts = list(self.posts.values())
        found = [
            p
            for p in posts
            if p["type"] == post_type
            and (p["status"] in statuses or ("any" in statuses and p["status"] != "trash"))
            and (after is None or _parse(p["modified"]) > after)
            and (include is None or p["id"] in include)
        ]
        key = {"id": "id", "modified": "modified_gmt"}.get(query.get("orderby", ""), "date_gmt")
        found.sort(key=lambda p: (p[key] or "", p["id"]), reverse=query.get("order") != "asc")
        return copy.deepcopy(found)

    def _bump(self, post: dict[str, Any], created: bool = False) -> str:
        next_second = datetime.now(UTC).replace(microsecond=0, tzinfo=None) + timedelta(seconds=1)
        self._last = max(next_second, self._last + timedelta(seconds=1))
        stamp = self._last.isoformat()
        post["modified"] = post["modified_gmt"] = stamp
        if created:
            post["date"] = post["date_gmt"] = stamp
        return stamp

    def _relink(self, post: dict[str, Any]) -> None:
        """Unpublished items only have `?p=ID` links, as in WordPress."""
        published = post["status"] == "publish"
        post["link"] = (
            f"{self.base_url}/{post['slug']}/"
            if published
            else (f"{self.base_url}/?p={post['id']}")
        )

    def _self_link(self, post: dict[str, Any]) -> str:
        rest_base = self.types[post["type"]]["rest_base"]
        return f"{self.base_url}/wp-json/wp/v2/{rest_base}/{post['id']}"


def _parse(stamp: str) -> datetime:
    """WordPress compares naive site-local times; this site's clock is UTC."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
