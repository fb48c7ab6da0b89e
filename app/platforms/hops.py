"""One step of a request's journey, and what survives when a redirect moves it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

SENSITIVE_HEADERS = ("authorization", "x-shopify-access-token", "cookie")


@dataclass(frozen=True)
class Hop:
    method: str
    url: httpx.URL
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None

    def redirected(self, url: httpx.URL, status: int) -> Hop:
        """Browser rules: 307/308 resend as is, others turn into a GET; secrets stay home."""
        keep = status in (307, 308)
        headers = self.headers if same_site(self.url, url) else without_secrets(self.headers)
        return Hop(self.method if keep else "GET", url, headers, self.json if keep else None)


def same_site(before: httpx.URL, after: httpx.URL) -> bool:
    """Same host and port, allowing the usual upgrade from http to https."""
    if before.host != after.host:
        return False
    schemes, ports = (before.scheme, after.scheme), (before.port or 80, after.port or 443)
    upgrade = schemes == ("http", "https") and ports == (80, 443)
    return upgrade or (before.scheme, before.port) == (after.scheme, after.port)


def without_secrets(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in SENSITIVE_HEADERS}
