"""Run a command handler, retrying it (bounded, with jitter) when another writer appended
to the same stream first. A retry reloads the aggregates, so rules are checked again."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from app import metrics
from app.aggregates.errors import Conflict, DomainError
from app.eventstore import ConcurrentWrite

R = TypeVar("R")
ATTEMPTS = 10


def with_retries(run: Callable[[], R], attempts: int = ATTEMPTS, *, name: str = "internal") -> R:
    """`name` labels the command's metrics (outcome, conflicts)."""
    for attempt in range(attempts):
        try:
            result = run()
        except ConcurrentWrite:
            metrics.count_conflict(name)
            time.sleep(random.uniform(0, 0.002 * 2**attempt))
            continue
        except Exception as exc:
            metrics.count_command(name, "refused" if isinstance(exc, DomainError) else "error")
            raise
        metrics.count_command(name, "ok")
        return result
    metrics.count_command(name, "conflict")
    raise Conflict("too many concurrent changes to this resource; try again")
