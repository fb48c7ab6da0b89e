"""An httpx transport whose every TCP connection goes to an address the guard has just vetted.

The check lives in the httpcore network backend, the one place that sees the host right
before the socket opens: the name is resolved once, each address is vetted, and the socket
goes to that exact address, so DNS cannot answer differently between the check and the
connect. TLS still runs afterwards against the URL's host name (SNI and certificate).

Every read and write is also held to the current request's deadline, so a server that
trickles its answer one byte at a time cannot stretch a request past its total timeout."""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from app.platforms.guard import AddressGuard

Connect = Callable[[str, int, float | None], httpcore.NetworkStream]
"""(ip, port, timeout) -> an open stream: `socket.create_connection` in production."""

_deadline: ContextVar[float | None] = ContextVar("outbound_deadline", default=None)


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Hold every socket operation inside the block to `time.monotonic() <= at`."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def plain_connect(ip: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
    return httpcore.SyncBackend().connect_tcp(ip, port, timeout=timeout)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve, vet, then connect to the vetted address only."""

    def __init__(self, guard: AddressGuard, connect: Connect = plain_connect) -> None:
        self._guard = guard
        self._connect = connect

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for ip in self._guard.addresses(host, port):
            try:
                stream = self._connect(ip, port, _bounded(timeout, httpcore.ConnectTimeout))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return DeadlineStream(stream)
        raise failure or httpcore.ConnectError(f"no address to connect to for {host}")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for outbound HTTP")


class DeadlineStream(httpcore.NetworkStream):
    """A stream whose every wait is cut to the time left before the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    at = _deadline.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the request's total time budget is spent")
    return left if timeout is None else min(timeout, left)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (same exception mapping), over a pool using the guarded backend."""

    def __init__(self, guard: AddressGuard, connect: Connect = plain_connect) -> None:
        super().__init__(trust_env=False)
        # httpx offers no public hook for the network backend; swap the pool it built.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=GuardedBackend(guard, connect),
            max_connections=10,
            keepalive_expiry=30.0,
        )
