"""Doubles for outbound HTTP: a stub resolver, a recording connect, loopback listeners.

No test here resolves a real name or opens a socket to anything but 127.0.0.1."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from app.platforms.http import OutboundClient, OutboundHTTP
from tests.wordpress_site import WordPressSite

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wordpress-6.1"
PUBLIC_IP = "93.184.215.14"
"""A public address the stubs hand out; nothing ever connects to it."""


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class StubResolver:
    """DNS from a dict; unknown names fail as they would in real life."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.answers[host]


class CannedStream(httpcore.NetworkStream):
    """A 'connection' that answers fixed bytes, so guarded code can run without a network."""

    def __init__(self, answer: bytes) -> None:
        self._pending = answer
        self.tls_server_hostname: str | None = None

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        chunk, self._pending = self._pending[:max_bytes], self._pending[max_bytes:]
        return chunk

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        pass

    def close(self) -> None:
        pass

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """Pretend the handshake happened; remember which name the certificate is checked for."""
        self.tls_server_hostname = server_hostname
        return self


class RecordingConnect:
    """Stands in for `socket.create_connection`: records each (ip, port), never dials."""

    def __init__(self, answers: dict[str, bytes] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[tuple[str, int]] = []
        self.streams: list[CannedStream] = []

    def __call__(self, ip: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
        self.calls.append((ip, port))
        if ip not in self.answers:
            raise httpcore.ConnectError("connection refused (stub)")
        self.streams.append(CannedStream(self.answers[ip]))
        return self.streams[-1]


def http_answer(status: str = "200 OK", body: bytes = b"ok", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def fast(config: OutboundHTTP, **changes: Any) -> OutboundHTTP:
    """Retries without real waiting, unless a test asks for it."""
    quick = {"retry_wait_initial": 0.001, "retry_wait_max": 0.001, "retry_wait_jitter": 0.0}
    return dataclasses.replace(config, **(quick | changes))


@pytest.fixture
def resolver() -> StubResolver:
    return StubResolver({"blog.example": [PUBLIC_IP], "shop.myshopify.com": [PUBLIC_IP]})


@pytest.fixture
def outbound(resolver: StubResolver) -> Callable[..., OutboundHTTP]:
    """`outbound(handler_or_transport, **settings)`: an OutboundHTTP on a mock transport."""

    def build(handler: Any = None, **changes: Any) -> OutboundHTTP:
        transport = httpx.MockTransport(handler) if callable(handler) else handler
        return fast(OutboundHTTP(resolver=resolver, transport=transport), **changes)

    return build


@pytest.fixture
def client(outbound: Callable[..., OutboundHTTP]) -> Iterator[Callable[..., OutboundClient]]:
    made: list[OutboundClient] = []

    def build(handler: Any = None, **changes: Any) -> OutboundClient:
        made.append(OutboundClient(outbound(handler, **changes)))
        return made[-1]

    yield build
    for each in made:
        each.close()


class LoopbackListener:
    """A real TCP listener on 127.0.0.1 that counts connections and answers `answer`,
    the part after `trickle_from` one byte every `trickle` seconds (a slow server)."""

    def __init__(self, answer: bytes, trickle: float = 0.0, trickle_from: int = 0) -> None:
        self.answer, self.trickle, self.trickle_from = answer, trickle, trickle_from
        self.accepted = 0
        self._stopped = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            with conn:
                conn.recv(65536)
                with contextlib.suppress(OSError):
                    self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        if not self.trickle:
            conn.sendall(self.answer)
            return
        conn.sendall(self.answer[: self.trickle_from])
        for byte in self.answer[self.trickle_from :]:
            if self._stopped.wait(self.trickle):
                return
            conn.sendall(bytes([byte]))

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._sock.close()


@pytest.fixture
def listener() -> Iterator[Callable[..., LoopbackListener]]:
    made: list[LoopbackListener] = []

    def build(answer: bytes = b"", **slowness: Any) -> LoopbackListener:
        made.append(LoopbackListener(answer, **slowness))
        return made[-1]

    yield build
    for each in made:
        each.close()


@pytest.fixture
def wordpress_site() -> Iterator[WordPressSite]:
    with WordPressSite() as site:
        yield site


@pytest.fixture
def mock_site() -> WordPressSite:
    """The imitation site, served to httpx without sockets, as https://blog.example."""
    return WordPressSite(base_url="https://blog.example")
