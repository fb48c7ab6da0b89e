"""SSRF: internal addresses are refused before any socket opens, on every hop.

Refused targets are only ever handed to a stub resolver and a recording connect function;
the one real socket test listens on 127.0.0.1."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import httpx
import pytest

from app.platforms.base import PlatformError
from app.platforms.guard import AddressGuard, is_refused
from app.platforms.http import OutboundClient, OutboundHTTP
from app.platforms.transport import GuardedTransport
from tests.platforms.conftest import (
    PUBLIC_IP,
    LoopbackListener,
    RecordingConnect,
    StubResolver,
    fast,
    http_answer,
)

INTERNAL_NAMES = {
    "localhost": ["127.0.0.1", "::1"],
    "internal.example": ["10.1.2.3"],
    "mixed.example": [PUBLIC_IP, "192.168.1.5"],
    "blog.example": [PUBLIC_IP],
}


@pytest.fixture
def connect() -> RecordingConnect:
    return RecordingConnect({PUBLIC_IP: http_answer()})


@pytest.fixture
def guarded(connect: RecordingConnect) -> Callable[..., OutboundClient]:
    """A client on the real guarded transport; DNS and connect are stubs."""

    def build(answers: dict[str, list[str]] = INTERNAL_NAMES, **changes: object) -> OutboundClient:
        config = OutboundHTTP(resolver=StubResolver(answers), connect=connect)
        return OutboundClient(fast(config, **changes))

    return build


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "ff0e::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "64:ff9b::7f00:1",
        "64:ff9b:1::808:808",
        "2002:a00:1::",
        "2002:7f00:1::",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",
        "::a00:1",
        "fec0::1",
        "2001:db8::1",
    ],
)
def test_internal_and_reserved_addresses_are_refused(address: str) -> None:
    assert is_refused(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        PUBLIC_IP,
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert not is_refused(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://localhost/", "127.0.0.1"),
        ("http://10.0.0.1/", "10.0.0.1"),
        ("http://169.254.169.254/latest/", "169.254.169.254"),
        ("http://100.64.0.1/", "100.64.0.1"),
        ("http://[::1]/", "::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
        ("http://0.0.0.0/", "0.0.0.0"),
        ("http://[64:ff9b::a00:1]/", "64:ff9b::a00:1"),
        ("https://internal.example/", "10.1.2.3"),
        ("http://mixed.example/", "192.168.1.5"),
    ],
)
def test_request_to_internal_address_is_refused_without_connecting(
    guarded: Callable[..., OutboundClient], connect: RecordingConnect, url: str, address: str
) -> None:
    with guarded() as client, pytest.raises(PlatformError) as refused:
        client.request("GET", url)
    assert refused.value.code == "blocked_address"
    assert f"private or reserved address ({address})" in refused.value.message
    assert "internal networks are refused" in refused.value.message
    assert connect.calls == []


def test_public_site_redirecting_to_internal_address_is_refused_at_the_redirect(
    guarded: Callable[..., OutboundClient], connect: RecordingConnect
) -> None:
    connect.answers[PUBLIC_IP] = http_answer("302 Found", b"", Location="http://10.0.0.1/admin")
    with guarded() as client, pytest.raises(PlatformError) as refused:
        client.request("GET", "http://blog.example/")
    assert refused.value.code == "blocked_address"
    assert connect.calls == [(PUBLIC_IP, 80)]


def test_redirect_to_a_name_resolving_internally_is_refused(
    guarded: Callable[..., OutboundClient], connect: RecordingConnect
) -> None:
    connect.answers[PUBLIC_IP] = http_answer("301 Moved", b"", Location="https://internal.example/")
    with guarded() as client, pytest.raises(PlatformError, match=r"\(10\.1\.2\.3\)"):
        client.request("GET", "http://blog.example/")
    assert connect.calls == [(PUBLIC_IP, 80)]


@pytest.mark.parametrize(
    "url", ["ftp://blog.example/file", "file:///etc/passwd", "gopher://blog.example/"]
)
def test_other_schemes_are_refused_as_bad_urls(
    guarded: Callable[..., OutboundClient], connect: RecordingConnect, url: str
) -> None:
    with guarded() as client, pytest.raises(PlatformError) as refused:
        client.request("GET", url)
    assert refused.value.code == "bad_url"
    assert "Only http and https" in refused.value.message
    assert connect.calls == []


def test_connects_to_the_vetted_address_and_checks_tls_against_the_host_name(
    guarded: Callable[..., OutboundClient], connect: RecordingConnect
) -> None:
    with guarded() as client:
        reply = client.request("GET", "https://blog.example/")
    assert reply.status == 200
    assert connect.calls == [(PUBLIC_IP, 443)]
    assert connect.streams[0].tls_server_hostname == "blog.example"


def test_the_connection_uses_its_own_vetted_lookup_so_rebinding_dns_is_refused(
    connect: RecordingConnect,
) -> None:
    answers = iter([[PUBLIC_IP], ["10.0.0.1"]])  # first the pre-check, then the connect
    config = fast(OutboundHTTP(resolver=lambda host, port: next(answers), connect=connect))
    with OutboundClient(config) as client, pytest.raises(PlatformError) as refused:
        client.request("GET", "http://rebind.example/")
    assert refused.value.code == "blocked_address"
    assert connect.calls == []


def test_the_transport_refuses_internal_addresses_on_its_own(connect: RecordingConnect) -> None:
    guard = AddressGuard(StubResolver(INTERNAL_NAMES))
    raw = httpx.Client(transport=GuardedTransport(guard, connect))
    with raw, pytest.raises(PlatformError) as refused:
        raw.get("http://internal.example/")
    assert refused.value.code == "blocked_address"
    assert connect.calls == []


def test_unknown_name_is_a_dns_failure(guarded: Callable[..., OutboundClient]) -> None:
    with guarded() as client, pytest.raises(PlatformError) as failed:
        client.request("GET", "http://no-such-site.example/")
    assert failed.value.code == "dns_failure"
    assert "could not be resolved" in failed.value.message


def test_loopback_listener_sees_no_connection_while_private_networks_are_refused(
    listener: Callable[..., LoopbackListener],
) -> None:
    server = listener(http_answer())
    client = OutboundClient(OutboundHTTP(resolver=StubResolver({})))
    with client, pytest.raises(PlatformError) as refused:
        client.request("GET", server.url)
    assert refused.value.code == "blocked_address"
    assert server.accepted == 0


def test_loopback_listener_is_reached_when_private_networks_are_allowed(
    listener: Callable[..., LoopbackListener],
) -> None:
    server = listener(http_answer(body=b"hello"))
    config = OutboundHTTP(resolver=StubResolver({}), allow_private_network=True)
    with OutboundClient(config) as client:
        reply = client.request("GET", server.url)
    assert (reply.status, reply.body, server.accepted) == (200, b"hello", 1)
