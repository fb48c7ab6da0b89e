"""Where a site's WordPress REST API answers, and what its answers mean for a site owner.

Sites with "pretty" permalinks serve the API under `/wp-json/`; sites on plain permalinks
only answer `/?rest_route=/...`. Discovery tries the first, falls back to the second, and
every later call uses whichever worked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from app.platforms.base import PlatformError
from app.platforms.replies import Reply, retry_after_seconds

Params = Mapping[str, str | int]


@dataclass(frozen=True)
class RestApi:
    site_url: str
    style: Literal["pretty", "plain"]

    def url(self, route: str, params: Params | None = None) -> tuple[str, dict[str, str | int]]:
        """The URL and query for a route such as `/wp/v2/posts`."""
        if self.style == "pretty":
            return f"{self.site_url}/wp-json{route}", dict(params or {})
        return f"{self.site_url}/", {"rest_route": route, **(params or {})}


def candidates(site_url: str) -> list[RestApi]:
    site = site_url.rstrip("/")
    return [RestApi(site, "pretty"), RestApi(site, "plain")]


def check_index(reply: Reply, index: dict[str, Any]) -> dict[str, Any]:
    """The discovery document, once it proves the core `wp/v2` routes are served."""
    namespaces = index.get("namespaces")
    if isinstance(namespaces, list) and "wp/v2" in namespaces:
        return index
    if isinstance(namespaces, list):
        raise PlatformError(
            "rest_disabled",
            f"{reply.host} runs the WordPress REST API without its core wp/v2 routes; "
            "a plugin may have removed them.",
            {"namespaces": namespaces},
        )
    if "code" in index:
        raise rest_disabled(reply, index)
    raise not_wordpress(reply)


def rest_disabled(reply: Reply, error: Mapping[str, Any]) -> PlatformError:
    code = str(error.get("code", ""))
    return PlatformError(
        "rest_disabled",
        f"The WordPress REST API of {reply.host} is disabled or restricted (HTTP {reply.status}, "
        f"{code}); security plugins often switch it off. Allow REST API access and try again.",
        {"http_status": reply.status, "wp_code": code},
    )


def not_wordpress(reply: Reply) -> PlatformError:
    kind = reply.headers.get("content-type", "no content type").split(";")[0]
    return PlatformError(
        "not_wordpress",
        f"{reply.host} does not look like a WordPress site: neither /wp-json/ nor "
        f"/?rest_route=/ answered with the WordPress REST API (last answer: HTTP {reply.status}, "
        f"{kind}). Check the site address.",
        {"http_status": reply.status},
    )


def server_failed(reply: Reply, action: str) -> PlatformError:
    return PlatformError(
        "bad_response",
        f"{reply.host} answered HTTP {reply.status} while trying to {action}; "
        "the site may be overloaded or misconfigured. Try again later.",
        {"http_status": reply.status, **retry_after(reply)},
    )


def retry_after(reply: Reply) -> dict[str, float]:
    """`Retry-After` in seconds, for whoever retries the whole operation later."""
    seconds = retry_after_seconds(reply.headers.get("retry-after"))
    return {} if seconds is None else {"retry_after": seconds}


def expect_json(reply: Reply, action: str, *, authenticated: bool, missing: str) -> Any:
    """The JSON of a successful answer; otherwise the reason, in words, as `PlatformError`."""
    body = reply.json()
    if 200 <= reply.status < 300:
        if body is None:
            raise PlatformError(
                "bad_response",
                f"{reply.host} answered with something that is not JSON while trying to {action}.",
            )
        return body
    error = body if isinstance(body, dict) else {}
    code, wp_message = str(error.get("code", "")), str(error.get("message", ""))[:200]
    details: dict[str, Any] = {"http_status": reply.status, "wp_code": code, **retry_after(reply)}
    if reply.status == 401:
        raise unauthorized(action, authenticated=authenticated, details=details)
    if reply.status == 403:
        raise PlatformError(
            "forbidden",
            f"The WordPress user is not allowed to {action} (HTTP 403, {code}); "
            "give the user a role with enough rights.",
            details,
        )
    if reply.status in (404, 410):
        raise PlatformError("not_found", missing, details)
    if 400 <= reply.status < 500:
        raise PlatformError(
            "rejected", f"WordPress refused to {action}: {wp_message or code}", details
        )
    raise server_failed(reply, action)


def unauthorized(
    action: str, *, authenticated: bool, details: dict[str, Any] | None = None
) -> PlatformError:
    if authenticated:
        message = (
            "WordPress did not accept the username and application password; check the "
            "username and create a new application password under Users → Profile."
        )
    else:
        message = (
            f"WordPress needs a username and an application password to {action}; "
            "add them to the integration's credentials."
        )
    return PlatformError("unauthorized", message, details)
