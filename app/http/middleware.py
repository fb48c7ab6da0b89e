"""ASGI middleware: the request id that every log line and every event carries."""

from __future__ import annotations

import logging
import re
import time
import uuid

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app import logs

log = logging.getLogger("app.http.access")
SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UUID_RE = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
IDS_IN_PATH = {
    "integration_id": re.compile(f"/integrations/({UUID_RE})"),
    "sync_id": re.compile(f"/syncs/({UUID_RE})"),
}


def request_id_of(scope: Scope) -> str:
    return str(scope.get("state", {}).get("request_id", ""))


def request_ids(app: ASGIApp) -> ASGIApp:
    """Take `X-Request-ID` when it is sane, else make one; echo it; log the request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        logs.clear()
        logs.bind(request_id=request_id, **ids_in_path(scope["path"]))
        started, status = time.perf_counter(), 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            log.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )

    return middleware


def ids_in_path(path: str) -> dict[str, str]:
    """Integration and sync ids a path names, bound to the request's log lines."""
    found = {name: pattern.search(path) for name, pattern in IDS_IN_PATH.items()}
    return {name: match.group(1).lower() for name, match in found.items() if match}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
