"""Real processes of the service for tests: `python -m app …` with a clean environment, its
output kept in files (a pipe nobody reads would block it), and waits on conditions."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(**settings: Any) -> dict[str, str]:
    """This environment without any INTEGRATIONS_ variable, plus `settings` (lower-case
    names become INTEGRATIONS_<NAME>)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTEGRATIONS_")}
    env.update({f"INTEGRATIONS_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def wait_until(condition: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)
    return result


def http_status(port: int, path: str = "/health/ready", timeout: float = 2.0) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


REPOSITORY = Path(__file__).resolve().parents[1]


class Process:
    """`python -m <module> *args` (the service, or a test's variant of it) in `cwd`, output
    to `<cwd>/<name>.out` and `.err`."""

    def __init__(
        self, *args: str, cwd: Path, env: dict[str, str], name: str = "app", module: str = "app"
    ) -> None:
        self.name, self.cwd = name, cwd
        cwd.mkdir(parents=True, exist_ok=True)
        self.stdout_path, self.stderr_path = cwd / f"{name}.out", cwd / f"{name}.err"
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            path = os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH")]))
            self.popen = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=cwd,
                env={**env, "PYTHONPATH": path},
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float = 60) -> int:
        return self.popen.wait(timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        """Stop the process and its children (uvicorn workers)."""
        if self.alive():
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout)

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
