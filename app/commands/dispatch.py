"""Run a command handler, retrying it (bounded, with jitter) when another writer appended
to the same stream first. A retry reloads the aggregates, so rules are checked again."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from app.aggregates.errors import Conflict
from app.eventstore import ConcurrentWrite

R = TypeVar("R")
ATTEMPTS = 10


def with_retries(run: Callable[[], R], attempts: int = ATTEMPTS) -> R:
    for attempt in range(attempts):
        try:
            return run()
        except ConcurrentWrite:
            time.sleep(random.uniform(0, 0.002 * 2**attempt))
    raise Conflict("too many concurrent changes to this resource; try again")
