"""`integrations serve` as a real subprocess on a free loopback port, for tests that need real
HTTP workers or a real browser. Its stderr (the logs) goes to a file the test can read."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

import httpx

from tests.conftest import JWT_SECRET, MASTER_KEY
from tests.test_serve import free_port


class ServerProcess:
    def __init__(
        self,
        workdir: Path,
        database_url: str,
        *,
        workers: int = 1,
        wrapper: tuple[str, ...] = (),
        **settings: str,
    ) -> None:
        self.workdir, self.port, self.wrapper = workdir, free_port(), wrapper
        self.log_path = workdir / "server.log"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("INTEGRATIONS_", "PROMETHEUS_"))
        }
        self.env |= {
            f"INTEGRATIONS_{k.upper()}": v
            for k, v in {
                "database_url": database_url,
                "jwt_secret": JWT_SECRET,
                "master_keys": MASTER_KEY,
                "db_pool_size": "2",
                "rate_limit": "100000/minute",
                "workers": str(workers),
                **settings,
            }.items()
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Self:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*self.wrapper, sys.executable, "-m", "app", "serve", "--port", str(self.port)],
                cwd=self.workdir,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.logs()
            try:
                if httpx.get(f"{self.base_url}/health/live", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"the server did not start:\n{self.logs()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
