"""What an outbound request gives back, and the user-facing names of the ways it can fail."""

from __future__ import annotations

import email.utils
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from app.aggregates.bounds import clean_json
from app.platforms.base import PlatformError

REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Reply:
    """A fully read, size-checked answer; the body is already decoded from gzip and friends."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: httpx.URL

    @property
    def host(self) -> str:
        return self.url.host

    def json(self) -> Any:
        """The decoded JSON body, or None when the body is not JSON (an HTML page, say).
        Cleaned (`bounds.clean_json`): what a remote site sends may end up in events, so no
        NUL, no number a database cannot hold, no nesting beyond the bound."""
        try:
            value = msgspec.json.decode(self.body.lstrip(b"\xef\xbb\xbf \r\n\t"))
        except (msgspec.DecodeError, RecursionError):
            return None
        return clean_json(value)

    def redirect_location(self) -> str | None:
        return self.headers.get("location") if self.status in REDIRECTS else None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now; it may be a number of seconds or an HTTP date."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def bad_url(message: str) -> PlatformError:
    return PlatformError("bad_url", message)


def too_large(host: str, limit: int) -> PlatformError:
    return PlatformError(
        "too_large",
        f"The answer from {host} is larger than the {_size(limit)} limit; it was not read.",
        {"host": host, "limit_bytes": limit},
    )


def too_many_redirects(host: str, limit: int) -> PlatformError:
    return PlatformError(
        "too_many_redirects",
        f"{host} redirected more than {limit} times in a row; stopped following.",
        {"host": host},
    )


def timed_out(host: str, seconds: float) -> PlatformError:
    return PlatformError(
        "timeout",
        f"{host} did not answer within {seconds:g} seconds; the site may be overloaded or "
        "a firewall may be dropping the connection.",
        {"host": host},
    )


def transport_error(exc: httpx.HTTPError, host: str, seconds: float) -> PlatformError:
    """The httpx failure, as a code and a sentence a site owner can act on."""
    if isinstance(exc, httpx.TimeoutException):
        return timed_out(host, seconds)
    if isinstance(exc, httpx.ConnectError) and _caused_by_tls(exc):
        return PlatformError(
            "tls_error",
            f"The HTTPS certificate of {host} could not be verified; check it is valid "
            "and not expired.",
            {"host": host},
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return bad_url(f"The address of {host} is not a valid http or https URL.")
    if isinstance(exc, httpx.ConnectError):
        message = f"Could not connect to {host}: the connection was refused; is the site up?"
    elif isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
        message = f"{host} closed the connection before it answered; the site may be down."
    else:
        return PlatformError(
            "bad_response", f"{host} sent an answer that is not valid HTTP.", {"host": host}
        )
    return PlatformError("unreachable", message, {"host": host})


def _caused_by_tls(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _size(limit: int) -> str:
    return f"{limit / 1048576:g} MiB" if limit >= 1048576 else f"{limit} byte"
