"""Rebuild speed: replay 100 000 and 1 000 000 events into empty read tables with the real
CLI (`integrations projections rebuild`), on SQLite and PostgreSQL; prints events/s and the
rebuilding process's peak memory.

    python -m bench.rebuild [--events 100000,1000000] [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

from app.bootstrap import Services
from app.settings import load_settings
from bench.databases import bench_env, scratch_database
from bench.history import write_history


def rebuild(env: dict[str, str], *extra: str) -> tuple[float, int, float]:
    """(seconds, events, peak RSS in MiB) of one `projections rebuild` process (its own
    timing, without interpreter start-up)."""
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", "app", "projections", "rebuild", *extra],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        output = errors.read()
    found = re.search(r"from (\d+) events in ([\d.]+)s", output)
    assert child.returncode == 0 and found, output
    return float(found.group(2)), int(found.group(1)), usage.ru_maxrss / 1024


def run(kind: str, events: int) -> None:
    with scratch_database(kind) as (url, directory):
        env = bench_env(url, directory)
        services = Services(load_settings(env, snapshot_interval=10**9))
        try:
            written = write_history(services, events)
            started = time.perf_counter()
            services.read_side.catch_up()  # a running service's read side is caught up
            print(f"live read models caught up in {time.perf_counter() - started:.1f}s")
        finally:
            services.close()
        seconds, replayed, peak = rebuild(env)
        print(
            f"{kind:<8} {written:>9,} events  rebuild all read models: {seconds:6.1f}s  "
            f"{replayed / seconds:>9,.0f} events/s  peak RSS {peak:,.0f} MiB",
            flush=True,
        )
        for name in ("integration_summaries", "sync_event_log", "content_index"):
            seconds, replayed, _ = rebuild(env, name)
            print(
                f"{'':8} {'':>9}         rebuild {name:<22} {seconds:6.1f}s  "
                f"{replayed / seconds:>9,.0f} events/s",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", default="100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    for kind in args.databases.split(","):
        for events in map(int, args.events.split(",")):
            run(kind, events)


if __name__ == "__main__":
    main()
