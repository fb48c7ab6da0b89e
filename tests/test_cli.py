"""The `integrations` command line, run in-process against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import jwt
import msgspec
import pytest

from app.bootstrap import Services
from app.cli import main
from app.projection_engine.verify import verify
from app.projections.event_feed import FEED
from app.projections.integration_summaries import SUMMARIES
from app.projections.sites import SITES
from tests.conftest import JWT_SECRET, cli_env, live_targets, write_mixed_history


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, services: Services) -> Services:
    cli_env(monkeypatch, services)
    return services


def test_token_prints_only_a_verifiable_jwt(
    cli: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "token",
                "--account-id",
                "a1",
                "--user-id",
                "u1",
                "--role",
                "editor",
                "--ttl",
                "60",
                "--inactive",
            ]
        )
        == 0
    )
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
    assert (claims["account_id"], claims["sub"], claims["role"], claims["is_active"]) == (
        "a1",
        "u1",
        "editor",
        False,
    )
    assert claims["exp"] - claims["iat"] == 60


def test_sites_create_prints_one_json_object_with_the_key(
    cli: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(
            [
                "sites",
                "create",
                "--account-id",
                "a1",
                "--name",
                "Blog",
                "--url",
                "https://blog.example.com",
            ]
        )
        == 0
    )
    site = msgspec.json.decode(capsys.readouterr().out)
    assert site["account_id"] == "a1" and site["api_key"].startswith("wpk_")
    assert cli.hasher.matches(
        site["api_key"],
        cli.db.value(f"SELECT api_key_hash FROM {SITES} WHERE id = ?", (site["id"],)),
    )


def test_bad_input_is_an_error_exit(cli: Services, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sites", "create", "--account-id", "a1", "--name", "x", "--url", "nope"]) == 2
    assert "url" in capsys.readouterr().err


def test_projections_status_verify_and_rebuild(
    cli: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alive = write_mixed_history(cli, sites=2)
    assert main(["projections", "rebuild"]) == 0
    assert main(["projections", "verify"]) == 0
    assert main(["projections", "status"]) == 0
    output = capsys.readouterr()
    assert "lag        0" in output.out
    assert "rebuilt" in output.err and "events/s" in output.err

    with cli.db.transaction(write=True) as tx:
        tx.execute(
            f"UPDATE {cli.read_side.physical(SUMMARIES)} SET is_active = 1 - is_active"
            " WHERE id = ?",
            (alive[0],),
        )
    assert main(["projections", "verify"]) == 1
    output = capsys.readouterr()
    assert alive[0] in output.out and "is_active" in output.out
    assert main(["projections", "rebuild", "integration_summaries"]) == 0
    assert main(["projections", "verify"]) == 0


def test_history_prints_a_timeline(cli: Services, capsys: pytest.CaptureFixture[str]) -> None:
    alive = write_mixed_history(cli, sites=1)
    assert main(["history", alive[0]]) == 0
    header, first, *_ = lines = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["position", "time", "version"]
    assert first.split()[3] == "1" and "integration.created" in first
    assert "user:test" in first and "key-0-abcdef" not in "\n".join(lines)
    assert main(["history", alive[0], "--json"]) == 0
    raw = capsys.readouterr().out
    assert "[redacted]" in raw and "key-0-abcdef" not in raw
    assert main(["history", "00000000-0000-4000-8000-000000000000"]) == 1


def test_events_export_streams_redacted_ndjson(
    cli: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_mixed_history(cli, sites=2)
    write_mixed_history(cli, sites=1, account_id="account-b")
    cli.read_side.catch_up()
    assert main(["events", "export"]) == 0
    everything = [msgspec.json.decode(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["position"] for e in everything] == sorted(e["position"] for e in everything)
    assert len(everything) == cli.events.max_position()
    assert set(everything[0]) >= {
        "position",
        "stream_id",
        "stream_type",
        "version",
        "type",
        "occurred_at",
        "actor",
        "data",
    }
    assert main(["events", "export", "--account-id", "account-b", "--after", "5"]) == 0
    mine = [msgspec.json.decode(line) for line in capsys.readouterr().out.splitlines()]
    feed_b = cli.db.all(
        f"SELECT position FROM {FEED} WHERE account_id = 'account-b'"
        " AND position > 5 ORDER BY position"
    )
    assert [e["position"] for e in mine] == [r["position"] for r in feed_b]
    text = "".join(msgspec.json.encode(e).decode() for e in everything)
    assert "key-0-abcdef" not in text and "api_key_hash" not in text.replace(
        '"api_key_hash":"[redacted]"', ""
    )


def test_projection_worker_killed_mid_stream_resumes_exactly(
    cli: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_mixed_history(cli, sites=30)
    head = cli.events.max_position()
    env = {**os.environ, "INTEGRATIONS_PROJECTION_BATCH_SIZE": "3"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "app", "projections", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while cli.read_side.position() < head // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    stopped_at = cli.read_side.position()
    assert 0 < stopped_at < head, "the worker should be killed mid-stream"
    cli.read_side.catch_up()
    assert cli.read_side.position() == head
    assert verify(cli.events, cli.db, live_targets(cli)) == []
