"""`integrations serve` as `make run` starts it: development defaults, a printed demo and a
`curl` line that works as printed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import msgspec


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def read_until(stream: object, marker: str, timeout: float = 30) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        line = stream.readline()  # type: ignore[attr-defined]
        if not line:
            break
        seen += line
    return seen


def test_serve_prints_a_demo_whose_curl_lines_work(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTEGRATIONS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        banner = read_until(server.stdout, "OpenAPI:")
        assert "API key   wpk_" in banner
        curls = [
            line.strip()
            for line in banner.replace("\\\n", " ").splitlines()
            if line.strip().startswith("curl ")
        ]
        assert len(curls) == 2
        _wait_ready(port)
        listed = subprocess.run(
            ["bash", "-c", curls[0]], capture_output=True, text=True, timeout=30
        )
        sites = msgspec.json.decode(listed.stdout)["results"]
        assert len(sites) == 1 and sites[0]["name"] == "Demo site"
        created = subprocess.run(
            ["bash", "-c", curls[1]], capture_output=True, text=True, timeout=30
        )
        assert msgspec.json.decode(created.stdout)["platform"] == "wordpress"
        assert (tmp_path / "var" / "integrations.db").exists()
        assert (tmp_path / "var" / "jwt_secret").stat().st_mode & 0o077 == 0
    finally:
        server.terminate()
        server.wait(15)


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not start")
