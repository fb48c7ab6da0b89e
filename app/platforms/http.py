"""The one way platform clients talk to the outside world.

Every request is vetted by the address guard on every redirect hop, held to one total
deadline (connect, send, body, retries and redirects together), cut off past a size cap
however the server describes its body, and retried on 429, 5xx and refused connections
with backoff that honours `Retry-After`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

import httpx
import stamina

from app import __version__, metrics
from app.platforms.base import PlatformError
from app.platforms.guard import AddressGuard, Resolver, system_resolver
from app.platforms.hops import Hop
from app.platforms.replies import (
    Reply,
    bad_url,
    retry_after_seconds,
    timed_out,
    too_large,
    too_many_redirects,
    transport_error,
)
from app.platforms.transport import Connect, GuardedTransport, deadline, plain_connect
from app.settings import Settings

USER_AGENT = f"integrations-service/{__version__}"
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
SERVER_BUSY = frozenset({500, 502, 503, 504})


@dataclass(frozen=True, kw_only=True)
class OutboundHTTP:
    """How outbound requests behave; `from_settings` in production, tweaked freely in tests."""

    connect_timeout: float = 5.0
    total_timeout: float = 20.0
    max_response_bytes: int = 8 * 1024 * 1024
    max_redirects: int = 3
    attempts: int = 3
    allow_private_network: bool = False
    user_agent: str = USER_AGENT
    resolver: Resolver = system_resolver
    connect: Connect = plain_connect
    transport: httpx.BaseTransport | None = None
    """Replaces the guarded socket transport (tests); every hop is still vetted first."""
    retry_wait_initial: float = 0.5
    retry_wait_max: float = 5.0
    retry_wait_jitter: float = 0.5
    retry_after_cap: float = 30.0
    shopify_api_version: str = "2026-10"
    """Used when an integration names none; here because clients are built from this alone."""

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Self:
        values: dict[str, Any] = {
            "connect_timeout": settings.http_connect_timeout,
            "total_timeout": settings.http_timeout,
            "max_response_bytes": settings.http_max_response_bytes,
            "max_redirects": settings.http_max_redirects,
            "attempts": max(1, settings.http_retries),
            "allow_private_network": settings.allow_private_network,
            "shopify_api_version": settings.shopify_api_version,
        }
        return cls(**(values | overrides))

    @property
    def guard(self) -> AddressGuard:
        return AddressGuard(self.resolver, self.allow_private_network)


class _RetryableReply(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(f"HTTP {reply.status} from {reply.host}")
        self.reply = reply
        self.retry_after = retry_after_seconds(reply.headers.get("retry-after"))


class OutboundClient:
    """A connection pool for one platform client; close it (or use `with`) when done."""

    def __init__(self, config: OutboundHTTP, platform: str = "other") -> None:
        self.config = config
        self.platform = platform
        transport = config.transport or GuardedTransport(config.guard, config.connect)
        self._client = httpx.Client(
            transport=transport, trust_env=False, headers={"User-Agent": config.user_agent}
        )

    def request(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send, following up to `max_redirects` vetted redirects, within one total deadline."""
        try:
            reply = self._request(method, url, params, json, headers)
        except PlatformError as exc:
            metrics.count_outbound(self.platform, exc.code)
            raise
        metrics.count_outbound(self.platform, f"{reply.status // 100}xx")
        return reply

    def _request(
        self,
        method: str,
        url: str | httpx.URL,
        params: Mapping[str, str | int] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> Reply:
        hop = Hop(method, self._vetted(url, params), headers or {}, json)
        until = time.monotonic() + self.config.total_timeout
        for _ in range(self.config.max_redirects + 1):
            reply = self._send_with_retries(hop, until)
            location = reply.redirect_location()
            if location is None:
                return reply
            hop = hop.redirected(self._vetted(location, base=reply.url), reply.status)
        raise too_many_redirects(hop.url.host, self.config.max_redirects)

    def _vetted(
        self,
        url: str | httpx.URL,
        params: Mapping[str, str | int] | None = None,
        base: httpx.URL | None = None,
    ) -> httpx.URL:
        """The URL (relative to `base`, for a redirect), once its scheme is http(s) and its
        host passes the address guard."""
        try:
            parsed = base.join(url) if base else httpx.URL(url, params=params)
        except httpx.InvalidURL:
            raise bad_url("The address is not a valid URL.") from None
        if parsed.scheme not in ("http", "https"):
            raise bad_url(
                f"Only http and https addresses can be used, not {parsed.scheme}:// ones."
            )
        if not parsed.host:
            raise bad_url("The address has no host name.")
        if not self.config.allow_private_network:
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
            self.config.guard.addresses(parsed.raw_host.decode("ascii"), port)
        return parsed

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send_with_retries(self, hop: Hop, until: float) -> Reply:
        config = self.config
        try:
            for attempt in stamina.retry_context(
                on=self._retry_policy(until),
                attempts=config.attempts,
                timeout=None,
                wait_initial=config.retry_wait_initial,
                wait_max=config.retry_wait_max,
                wait_jitter=config.retry_wait_jitter,
            ):
                with attempt:
                    return self._send_once(hop, until)
        except _RetryableReply as exc:
            return exc.reply
        except httpx.HTTPError as exc:
            raise transport_error(exc, hop.url.host, config.total_timeout) from None
        raise AssertionError("unreachable: stamina either returns or raises")

    def _retry_policy(self, until: float) -> Callable[[Exception], bool | float]:
        def retry(exc: Exception) -> bool | float:
            if isinstance(exc, _RetryableReply) and exc.retry_after is not None:
                wait = min(exc.retry_after, self.config.retry_after_cap)
                return wait if time.monotonic() + wait < until else False
            if isinstance(exc, _RetryableReply):
                return time.monotonic() + self.config.retry_wait_max < until
            return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)

        return retry

    def _send_once(self, hop: Hop, until: float) -> Reply:
        left = until - time.monotonic()
        if left <= 0:
            raise timed_out(hop.url.host, self.config.total_timeout)
        timeout = httpx.Timeout(left, connect=min(self.config.connect_timeout, left))
        request = self._client.build_request(
            hop.method, hop.url, headers=dict(hop.headers), json=hop.json, timeout=timeout
        )
        with deadline(until):
            response = self._client.send(request, stream=True)
            try:
                body = self._read_capped(response, until)
            finally:
                response.close()
        reply = Reply(response.status_code, response.headers, body, hop.url)
        busy = reply.status in SERVER_BUSY and hop.method in IDEMPOTENT
        if reply.status == 429 or busy:
            raise _RetryableReply(reply)
        return reply

    def _read_capped(self, response: httpx.Response, until: float) -> bytes:
        """The body, refused as soon as it passes the cap, whatever Content-Length claimed."""
        limit, host = self.config.max_response_bytes, response.request.url.host
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large(host, limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise too_large(host, limit)
            if time.monotonic() > until:
                raise timed_out(host, self.config.total_timeout)
            chunks.append(chunk)
        return b"".join(chunks)
