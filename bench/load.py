"""A lean HTTP/1.1 load generator (keep-alive connections over asyncio streams), so that
on a 2-core machine the client does not take the CPU the server is measured on."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Request = tuple[str, dict[str, str], bytes]
"""(path, headers, body) of one POST."""


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, request: Request
) -> tuple[int, bytes]:
    path, headers, body = request
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
        f"{head}\r\n".encode()
        + body
    )
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _sender(
    url: str,
    make: Callable[[int], Request],
    numbers: itertools.count[int],
    stop: float,
    outcome: Outcome,
) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        while time.perf_counter() < stop:
            request = make(next(numbers))
            started = time.perf_counter()
            status, body = await _exchange(reader, writer, str(parts.netloc), request)
            outcome.latencies.append(time.perf_counter() - started)
            outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
            if status != 200 and len(outcome.bodies) < 3:
                outcome.bodies.append(body)
            elif status == 200 and b'"duplicate":true' in body:
                outcome.statuses[-1] = outcome.statuses.get(-1, 0) + 1
    finally:
        writer.close()


def post_for(url: str, make: Callable[[int], Request], *, senders: int, seconds: float) -> Outcome:
    """`senders` connections post back to back for `seconds`; -1 in `statuses` counts
    answers that said `"duplicate":true`."""
    outcome, numbers = Outcome(), itertools.count()

    async def run() -> None:
        stop = time.perf_counter() + seconds
        await asyncio.gather(*(_sender(url, make, numbers, stop, outcome) for _ in range(senders)))

    began = time.perf_counter()
    asyncio.run(run())
    outcome.seconds = time.perf_counter() - began
    return outcome
