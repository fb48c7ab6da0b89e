"""An imitation WordPress 6.1 site on 127.0.0.1, answering with the recorded responses.

End-to-end tests point the real service at it (with `allow_private_network=True`):

    with WordPressSite(username="admin", app_password=APP_PASSWORD) as site:
        ...connect an integration to site.base_url...
        site.touch(4)                        # edit post 4 "in wp-admin"
        site.add_post(title="Fresh")         # publish a new post
        assert [r.route for r in site.requests if r.route][-1] == "/wp/v2/posts"

`mode` (changeable at any time):
- `pretty`: the REST API at `/wp-json/...` and `/?rest_route=...` (the default);
- `plain`: plain permalinks, only `/?rest_route=...`; `/wp-json/` is an HTML 404 page;
- `not_wordpress`: HTML pages everywhere;
- `rest_disabled`: every REST route answers 404 `rest_disabled`, as with the old filter;
- `down`: connections are accepted and closed without an answer.

`application_passwords=False` drops the discovery's `authentication` entry (as WordPress
does on non-HTTPS, non-local sites), `delay` holds every answer back that many seconds, and
`gate` (an Event, open by default) holds every answer while it is cleared.
`fail_next(503, 503)` answers the next REST requests with those statuses (scripted failures),
`arrivals` lists requests as they arrive (before `delay`), `requests` as they are answered.
Without `start()`, `mock_transport()` serves the same site to httpx without sockets."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.wordpress_posts import Answer, PostStore, fixture_text, wp_error

APP_PASSWORD = "abcd EFGH 1234 ijkl MNOP 6789"
ITEM_ROUTE = re.compile(r"/wp/v2/([\w-]+)(?:/(\d+))?")
HTML_PAGE = "<!DOCTYPE html><html><head><title>{title}</title></head><body>{title}</body></html>"


class Logged(NamedTuple):
    method: str
    path: str
    query: dict[str, str]
    route: str | None
    """The REST route asked for, whichever permalink style carried it; None for pages."""
    authenticated: bool


class WordPressSite:
    def __init__(
        self,
        *,
        mode: str = "pretty",
        username: str = "admin",
        app_password: str = APP_PASSWORD,
        application_passwords: bool = True,
        delay: float = 0.0,
        base_url: str | None = None,
    ) -> None:
        self.mode, self.delay = mode, delay
        self.gate = threading.Event()
        self.gate.set()
        self.application_passwords = application_passwords
        self._credentials = (username, _squeeze(app_password))
        self.requests: list[Logged] = []
        self.arrivals: list[tuple[str, str]] = []
        """(method, path and query) of each request, logged when it arrives."""
        self._failures: list[tuple[int, dict[str, str], str | None]] = []
        self._failures_lock = threading.Lock()
        self._base_url = base_url
        self._store: PostStore | None = None
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._base_url is not None, "start() the site first, or give it a base_url"
        return self._base_url

    @property
    def store(self) -> PostStore:
        if self._store is None:
            self._store = PostStore(self.base_url)
        return self._store

    def start(self) -> Self:
        handler = type("Handler", (_Handler,), {"site": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads, self._server.block_on_close = True, False
        self._base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: later connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def touch(self, post_id: int) -> str:
        """Edit a post now, as in wp-admin; returns its new `modified_gmt`."""
        return self.store.touch(post_id)

    def add_post(
        self,
        *,
        title: str,
        post_type: str = "post",
        status: str = "publish",
        content: str = "",
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return self.store.add(
            title=title, post_type=post_type, status=status, content=content, meta=meta
        )

    def post(self, post_id: int) -> dict[str, Any]:
        return self.store.posts[post_id]

    def trash(self, post_id: int) -> None:
        self.store.trash(post_id)

    def delete(self, post_id: int) -> None:
        self.store.delete(post_id)

    def fail_next(
        self, *statuses: int, route: str | None = None, retry_after: str | None = None
    ) -> None:
        """Answer the next REST requests (for `route`, else any) with these statuses."""
        headers = {"Retry-After": retry_after} if retry_after else {}
        with self._failures_lock:
            self._failures += [(status, headers, route) for status in statuses]

    def count(self, method: str, route: str, **query: str) -> int:
        """Requests answered for a route whose query has these values."""
        return sum(
            1
            for r in self.requests
            if r.method == method
            and r.route == route
            and all(r.query.get(k) == v for k, v in query.items())
        )

    def _scripted_failure(self, route: str) -> Answer | None:
        with self._failures_lock:
            due = [f for f in self._failures if f[2] in (None, route)]
            if not due:
                return None
            self._failures.remove(due[0])
            status, headers, _ = due[0]
        code = "rest_unauthorized" if status in (401, 403) else "http_error"
        return (
            status,
            {"code": code, "message": f"scripted {status}", "data": {"status": status}},
            headers,
        )

    def routes(self) -> list[str]:
        """The REST routes asked for so far, in order."""
        return [r.route for r in self.requests if r.route is not None]

    def mock_transport(self) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            if self.mode == "down":
                raise httpx.RemoteProtocolError("Server disconnected", request=request)
            status, headers, body = self.handle(
                request.method, request.url.raw_path.decode(), request.headers, request.content
            )
            return httpx.Response(status, headers=headers, content=body)

        return httpx.MockTransport(answer)

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """One request, from method, path and query to status, headers and body."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        route, authed = self._route_of(parts.path, query), self._authenticated(headers)
        self.requests.append(Logged(method, parts.path, query, route, authed))
        if self.mode == "not_wordpress" or route is None:
            home = parts.path in ("", "/") and self.mode != "not_wordpress"
            return self._html(200 if home or self.mode == "not_wordpress" else 404)
        if self.mode == "rest_disabled":
            answer = wp_error(404, "rest_disabled", "The REST API is disabled on this site.")
        else:
            answer = self._scripted_failure(route) or self._rest(method, route, query, authed, body)
        status, payload, extra = answer
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return status, {"Content-Type": "application/json; charset=UTF-8", **extra}, text.encode()

    def _rest(
        self, method: str, route: str, query: dict[str, str], authed: bool, body: bytes
    ) -> Answer:
        if route in ("", "/"):
            return 200, self._discovery(), {}
        if route in ("/wp/v2/types", "/wp/v2/taxonomies"):
            return 200, fixture_text(route.rsplit("/", 1)[1] + ".json", self.base_url), {}
        if route == "/wp/v2/users/me":
            name = "users-me-auth.json" if authed else "users-me-noauth.json"
            return (200 if authed else 401), fixture_text(name, self.base_url), {}
        match = ITEM_ROUTE.fullmatch(route)
        post_type = self.store.type_for(match[1]) if match else None
        if match is None or post_type is None:
            return wp_error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        post_id = int(match[2]) if match[2] else None
        if method == "GET" and post_id is None:
            return self.store.listing(post_type, query, authed)
        if method == "GET" and post_id is not None:
            return self.store.single(post_type, post_id, authed)
        if not authed:
            return wp_error(
                401,
                "rest_cannot_create",
                "Sorry, you are not allowed to create posts as this user.",
            )
        return self.store.save(post_type, post_id, json.loads(body or b"{}"))

    def _route_of(self, path: str, query: dict[str, str]) -> str | None:
        if path in ("", "/") and "rest_route" in query:
            return query.pop("rest_route") or "/"
        if self.mode != "plain" and (path == "/wp-json" or path.startswith("/wp-json/")):
            return path.removeprefix("/wp-json") or "/"
        return None

    def _discovery(self) -> str:
        text = fixture_text("discovery.json", self.base_url)
        if self.mode == "plain":
            text = text.replace(f"{self.base_url}/wp-json/", f"{self.base_url}/?rest_route=/")
        if self.application_passwords:
            return text
        return json.dumps({**json.loads(text), "authentication": []})

    def _authenticated(self, headers: Mapping[str, str]) -> bool:
        scheme, _, token = (headers.get("authorization") or "").partition(" ")
        try:
            user, _, password = base64.b64decode(token).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return scheme.lower() == "basic" and (user, _squeeze(password)) == self._credentials

    def _html(self, status: int) -> tuple[int, dict[str, str], bytes]:
        title = "Welcome" if status == 200 else "Page not found"
        page = HTML_PAGE.format(title=title).encode()
        return status, {"Content-Type": "text/html; charset=UTF-8"}, page


def _squeeze(app_password: str) -> str:
    """WordPress ignores the spaces it shows application passwords with."""
    return re.sub(r"[^A-Za-z0-9]", "", app_password)


class _Handler(BaseHTTPRequestHandler):
    site: WordPressSite
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.close_connection = True
        if self.site.mode == "down":
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.site.arrivals.append((self.command, self.path))
        self.site.gate.wait(30)
        if self.site.delay:
            time.sleep(self.site.delay)  # a slow site, on purpose
        status, headers, payload = self.site.handle(
            self.command, self.path, _Lowered(self.headers.items()), body
        )
        self.send_response(status)
        for name, value in {
            **headers,
            "Content-Length": str(len(payload)),
            "Connection": "close",
        }.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # a worker killed mid-request: work done
            self.wfile.write(payload)

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `site.requests` instead."""


class _Lowered(dict[str, str]):
    def __init__(self, items: Any) -> None:
        super().__init__((k.lower(), v) for k, v in items)
