"""The console and `/schema` load in a network namespace with no route out (`unshare -n`):
nothing they need comes from anywhere but the service."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_console_and_schema_render_with_no_network(tmp_path: Path) -> None:
    if (
        shutil.which("unshare") is None
        or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0
    ):
        pytest.skip("unshare -n is not permitted here (needs root or user namespaces)")
    inside = f"ip link set lo up && exec {sys.executable} -m tests.http.offline_probe {tmp_path}"
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", inside], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "offline: console and schema rendered" in done.stdout
