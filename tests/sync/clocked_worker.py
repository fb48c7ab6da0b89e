"""`integrations workers run` on a clock the test moves: the time is read from a file, so
several worker processes share one test clock. A test harness, not a production entry point.

    python -m tests.sync.clocked_worker CLOCK_FILE"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from app.bootstrap import Services
from app.cli import run_until_signalled
from app.settings import load_settings


class FileClock:
    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text().strip())


def main() -> None:
    services = Services(load_settings(), clock=FileClock(Path(sys.argv[1])))
    print("running sync workers until interrupted", file=sys.stderr, flush=True)
    try:
        run_until_signalled(services.start_sync_workers, services.sync_workers.stop)
    finally:
        services.close()


if __name__ == "__main__":
    main()
