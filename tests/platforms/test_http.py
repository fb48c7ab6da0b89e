"""Outbound HTTP behaviour: identity, retries, size cap, deadlines and redirects."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from app import __version__
from app.platforms.base import PlatformError
from app.platforms.http import OutboundClient, OutboundHTTP
from app.platforms.replies import retry_after_seconds
from app.settings import load_settings
from tests.platforms.conftest import LoopbackListener, StubResolver, http_answer

URL = "https://blog.example/wp-json/"
Client = Callable[..., OutboundClient]


class Script:
    """A mock server answering from a list, one answer per request, recording each."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers[min(len(self.seen), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_settings_shape_the_outbound_config() -> None:
    settings = load_settings({}, http_timeout=7.0, http_retries=5, allow_private_network=True)
    config = OutboundHTTP.from_settings(settings)
    assert (config.total_timeout, config.attempts, config.allow_private_network) == (7.0, 5, True)
    assert config.user_agent == f"integrations-service/{__version__}"


def test_requests_name_the_service_and_its_version(client: Client) -> None:
    script = Script(httpx.Response(200, json={}))
    client(script).request("GET", URL)
    assert script.seen[0].headers["user-agent"] == f"integrations-service/{__version__}"


def test_a_503_then_a_200_succeeds(client: Client) -> None:
    script = Script(httpx.Response(503), httpx.Response(200, json={"ok": True}))
    reply = client(script).request("GET", URL)
    assert (reply.status, reply.json(), len(script.seen)) == (200, {"ok": True}, 2)


def test_retry_after_is_honoured_up_to_the_cap(client: Client) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200))
    started = time.monotonic()
    reply = client(script, retry_after_cap=0.3).request("GET", URL)
    assert reply.status == 200
    assert 0.3 <= time.monotonic() - started < 1.0  # the backoff alone would be 1 ms


def test_retry_after_beyond_the_time_budget_is_not_waited_for(client: Client) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "120"}), httpx.Response(200))
    started = time.monotonic()
    reply = client(script, total_timeout=5.0).request("GET", URL)
    assert (reply.status, len(script.seen)) == (429, 1)
    assert time.monotonic() - started < 1.0


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds("Sun, 22 Nov 2026 03:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 22 Nov 2026 02:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None


def test_gives_up_after_the_configured_attempts(client: Client) -> None:
    script = Script(httpx.Response(503))
    reply = client(script, attempts=4).request("GET", URL)
    assert (reply.status, len(script.seen)) == (503, 4)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(client: Client, status: int) -> None:
    script = Script(httpx.Response(status), httpx.Response(200))
    assert client(script).request("GET", URL).status == status
    assert len(script.seen) == 1


def test_a_post_is_retried_on_429_but_not_on_503(client: Client) -> None:
    busy = Script(httpx.Response(503), httpx.Response(201))
    assert client(busy).request("POST", URL, json={}).status == 503
    throttled = Script(httpx.Response(429), httpx.Response(201))
    assert client(throttled).request("POST", URL, json={}).status == 201


def test_refused_connections_are_retried_then_reported_as_unreachable(client: Client) -> None:
    script = Script(httpx.ConnectError("Connection refused"))
    with pytest.raises(PlatformError) as failed:
        client(script, attempts=3).request("GET", URL)
    assert (failed.value.code, len(script.seen)) == ("unreachable", 3)
    assert "connection was refused" in failed.value.message


def test_a_timeout_is_reported_with_the_budget(client: Client) -> None:
    script = Script(httpx.ReadTimeout("timed out"))
    with pytest.raises(PlatformError) as failed:
        client(script, total_timeout=2.5).request("GET", URL)
    assert failed.value.code == "timeout"
    assert failed.value.message.startswith("blog.example did not answer within 2.5 seconds")


def _stream(*chunks: bytes) -> Iterator[bytes]:
    yield from chunks


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"x" * 2000),
        httpx.Response(200, headers={"Content-Length": "10"}, content=_stream(b"x" * 1500)),
        httpx.Response(200, content=_stream(*[b"x" * 300] * 5)),
    ],
    ids=["declared", "lying-length", "no-length"],
)
def test_answers_over_the_size_cap_are_refused(client: Client, response: httpx.Response) -> None:
    with pytest.raises(PlatformError) as refused:
        client(Script(response), max_response_bytes=1000).request("GET", URL)
    assert refused.value.code == "too_large"
    assert "larger than the 1000 byte limit" in refused.value.message


def test_a_chunked_answer_over_the_cap_is_cut_off_over_a_real_socket(
    listener: Callable[..., LoopbackListener],
) -> None:
    chunk = b"400\r\n" + b"y" * 1024 + b"\r\n"
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    server = listener(head + chunk * 64 + b"0\r\n\r\n")
    config = OutboundHTTP(allow_private_network=True, max_response_bytes=10_000)
    with OutboundClient(config) as client, pytest.raises(PlatformError) as refused:
        client.request("GET", server.url)
    assert refused.value.code == "too_large"


def test_a_trickling_server_cannot_stretch_the_total_deadline(
    listener: Callable[..., LoopbackListener],
) -> None:
    server = listener(http_answer(body=b"z" * 200), trickle=0.05)  # 10 s at this pace
    config = OutboundHTTP(allow_private_network=True, total_timeout=0.5, attempts=1)
    started = time.monotonic()
    with OutboundClient(config) as client, pytest.raises(PlatformError) as failed:
        client.request("GET", server.url)
    assert failed.value.code == "timeout"
    assert time.monotonic() - started < 1.5


def test_redirects_are_followed_up_to_the_cap(client: Client) -> None:
    hop = httpx.Response(302, headers={"Location": "/next"})
    script = Script(hop, hop, httpx.Response(200))
    assert client(script, max_redirects=2).request("GET", URL).status == 200
    with pytest.raises(PlatformError) as looped:
        client(Script(hop), max_redirects=2).request("GET", URL)
    assert looped.value.code == "too_many_redirects"


def test_see_other_turns_a_post_into_a_get(client: Client) -> None:
    script = Script(httpx.Response(303, headers={"Location": "/done"}), httpx.Response(200))
    client(script).request("POST", URL, json={"a": 1})
    assert [(r.method, r.url.path, r.content) for r in script.seen][1] == ("GET", "/done", b"")


@pytest.mark.parametrize(
    ("location", "kept"),
    [
        ("https://blog.example/other", True),
        ("https://elsewhere.example/", False),
        ("https://blog.example:8443/", False),
    ],
)
def test_credentials_only_follow_redirects_within_the_site(
    client: Client, resolver: StubResolver, location: str, kept: bool
) -> None:
    resolver.answers["elsewhere.example"] = resolver.answers["blog.example"]
    script = Script(httpx.Response(301, headers={"Location": location}), httpx.Response(200))
    secret = {"Authorization": "Basic c2VjcmV0", "X-Shopify-Access-Token": "shpat_x"}
    client(script).request("GET", "http://blog.example/", headers=secret)
    forwarded = script.seen[1].headers
    assert ("authorization" in forwarded, "x-shopify-access-token" in forwarded) == (kept, kept)


def test_html_bodies_are_not_json(client: Client) -> None:
    reply = client(Script(httpx.Response(200, text="<html></html>"))).request("GET", URL)
    assert reply.json() is None
