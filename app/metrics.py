"""What the service counts for Prometheus: commands and write conflicts, sync runs, webhook
verdicts, outbound requests and how long events take to be projected (HTTP requests are
counted by Litestar's Prometheus middleware, projection lag is read at scrape time). With
several HTTP workers the values live in prometheus-client's multiprocess files, which `serve`
prepares before the workers start."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from prometheus_client import Counter, Histogram

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

COMMANDS = Counter(
    "integrations_commands_total",
    "Commands run, by command and outcome "
    "(ok, refused by a rule, conflict after every retry, error).",
    ["command", "outcome"],
)
CONFLICTS = Counter(
    "integrations_write_conflicts_total",
    "Writes that lost a race for a stream version and were retried.",
    ["command"],
)
SYNC_RUNS = Counter(
    "integrations_sync_runs_total",
    "Sync runs that ended, by direction and outcome.",
    ["direction", "outcome"],
)
SYNC_SECONDS = Histogram(
    "integrations_sync_run_duration_seconds",
    "How long finished sync runs took.",
    ["outcome"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
PROJECTION_DELAY = Histogram(
    "integrations_projection_delay_seconds",
    "Seconds from an event's creation to the commit of the live projection batch that"
    " applied it: what a write waits for before it answers (read-your-writes).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
WEBHOOKS = Counter(
    "integrations_webhook_deliveries_total",
    "WordPress webhook deliveries, by verdict.",
    ["verdict"],
)
OUTBOUND = Counter(
    "integrations_outbound_requests_total",
    "Outbound platform requests "
    "(retries and redirects included), by platform and result: the status "
    "class, or why no answer came.",
    ["platform", "result"],
)


def count_command(command: str, outcome: str) -> None:
    COMMANDS.labels(command, outcome).inc()


def count_conflict(command: str) -> None:
    CONFLICTS.labels(command).inc()


def observe_sync_run(direction: str, outcome: str, seconds: float | None) -> None:
    SYNC_RUNS.labels(direction, outcome).inc()
    if seconds is not None:
        SYNC_SECONDS.labels(outcome).observe(seconds)


def observe_projection_delay(created: Iterable[datetime]) -> None:
    now = time.time()
    for at in created:
        PROJECTION_DELAY.observe(max(now - at.timestamp(), 0.0))


def count_webhook(verdict: str) -> None:
    WEBHOOKS.labels(verdict).inc()


def count_outbound(platform: str, result: str) -> None:
    OUTBOUND.labels(platform, result).inc()


def prepare_multiprocess_dir(var_dir: str, workers: int) -> str | None:
    """Before HTTP workers start: an empty directory for their metric files, named in the
    environment they inherit. One worker (and no directory given) counts in memory."""
    directory = os.environ.get(MULTIPROC_ENV) or (
        str(Path(var_dir) / "metrics") if workers > 1 else None
    )
    if directory is None:
        return None
    Path(directory).mkdir(parents=True, exist_ok=True)
    for stale in Path(directory).glob("*.db"):  # only the files prometheus-client writes
        stale.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = directory
    return directory
